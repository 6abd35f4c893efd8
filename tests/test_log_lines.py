"""Log lines cannot be forged: a value with a line break or a control character stays inside its own line."""

import logging
import sys

import pytest
from django.urls import reverse

from audit.log_lines import OneLineFormatter, one_line
from tests.personas import make_user


@pytest.fixture
def console_formatter():
    """The formatter of the console handler that settings.LOGGING gives the root logger."""
    formatters = [
        h.formatter for h in logging.getLogger().handlers if isinstance(h.formatter, OneLineFormatter)
    ]
    assert formatters, "the console handler does not write one line per record"
    return formatters[0]


def test_a_user_name_with_a_line_break_is_logged_as_one_line(client, db, caplog, console_formatter):
    forged = "mallory\n2026-12-01 09:00:00,000 INFO audit login user=admin"
    with caplog.at_level(logging.INFO, logger="audit"):
        client.post(reverse("login"), {"username": forged, "password": "guess"})

    [record] = [r for r in caplog.records if r.name == "audit"]
    line = console_formatter.format(record)
    assert "\n" not in line
    assert "user=mallory\\n2026-12-01 09:00:00,000 INFO audit login user=admin" in line


def test_a_refusal_logged_for_a_user_with_control_characters_is_one_line(
    client, db, caplog, console_formatter
):
    client.force_login(make_user("none", username="nobody\r\x1b[2Kadmin"))
    with caplog.at_level(logging.WARNING, logger="reviews.access"):
        assert client.get(reverse("reviews:cycle_list")).status_code == 403

    [record] = [r for r in caplog.records if r.name == "reviews.access"]
    line = console_formatter.format(record)
    assert "\r" not in line and "\x1b" not in line
    assert "user=nobody\\r\\x1b[2Kadmin" in line


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("plain 日本語のテキスト", "plain 日本語のテキスト"),
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("tab\there", "tab\\there"),
        ("bell\x07 nul\x00 del\x7f", "bell\\x07 nul\\x00 del\\x7f"),
        ("next line\x85 separator\u2028", "next line\\x85 separator\\u2028"),
        # The backslash too, or a typed "\n" could not be told from an escaped line break.
        ("C:\\new\\file", "C:\\\\new\\\\file"),
    ],
)
def test_line_breaks_and_control_characters_are_escaped(text, written):
    assert one_line(text) == written


def test_a_traceback_stays_on_the_line_of_its_record(console_formatter):
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s", ("it",), sys.exc_info())

    line = console_formatter.format(record)

    assert "\n" not in line
    assert "failed: it\\nTraceback (most recent call last):" in line
    assert "ValueError: bad\\nvalue" in line

"""With the README's production environment, Django's deployment check is clean and HTTPS is on."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The README's production section: DEBUG=0, a generated SECRET_KEY, the host name.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "keikaku.example.lg.jp",
}


def run(args, **env):
    # A clean environment, as on the server: nothing of the test run's own (DJANGO_ALLOW_ASYNC_UNSAFE …).
    environment = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), **PRODUCTION, **env}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def production_settings(*names, **env):
    code = (
        "import json, django; from django.conf import settings as s; django.setup(); "
        f"print(json.dumps({{n: str(getattr(s, n)) for n in {list(names)!r}}}))"
    )
    result = run(["-c", code], DJANGO_SETTINGS_MODULE="config.settings", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_deployment_check_is_clean_in_production():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output


def test_a_plain_http_closed_segment_warns_only_about_https():
    result = run(["manage.py", "check", "--deploy"], HTTPS="0")
    warnings = sorted(
        line.split("(")[1].split(")")[0] for line in result.stderr.splitlines() if "(security." in line
    )
    assert warnings == ["security.W004", "security.W008", "security.W012", "security.W016"]


def test_production_redirects_to_https_behind_the_proxy_and_sends_hsts_for_a_year():
    values = production_settings(
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": "True",
        "SECURE_PROXY_SSL_HEADER": "('HTTP_X_FORWARDED_PROTO', 'https')",
        "SECURE_HSTS_SECONDS": "31536000",
        "SESSION_COOKIE_SECURE": "True",
        "CSRF_COOKIE_SECURE": "True",
    }


def test_https_0_turns_off_the_redirect_hsts_and_secure_cookies():
    values = production_settings(
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", HTTPS="0"
    )
    assert values == {
        "SECURE_SSL_REDIRECT": "False",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "False",
    }


@pytest.mark.parametrize("email_host, enabled", [("", "False"), ("mail.example.lg.jp", "True")])
def test_password_reset_exists_only_with_a_mail_server(email_host, enabled):
    assert production_settings("PASSWORD_RESET_ENABLED", EMAIL_HOST=email_host) == {
        "PASSWORD_RESET_ENABLED": enabled
    }


def test_lock_out_and_session_limits_come_from_the_environment():
    values = production_settings(
        "AXES_FAILURE_LIMIT",
        "AXES_COOLOFF_TIME",
        "SESSION_IDLE_TIMEOUT",
        "SESSION_ABSOLUTE_TIMEOUT",
        "REVERSE_PROXY_COUNT",
        LOGIN_FAILURE_LIMIT="5",
        LOGIN_LOCKOUT_MINUTES="60",
        SESSION_IDLE_TIMEOUT="15",
        SESSION_ABSOLUTE_TIMEOUT="240",
        REVERSE_PROXY_COUNT="1",
    )
    assert values == {
        "AXES_FAILURE_LIMIT": "5",
        "AXES_COOLOFF_TIME": "1:00:00",
        "SESSION_IDLE_TIMEOUT": "0:15:00",
        "SESSION_ABSOLUTE_TIMEOUT": "4:00:00",
        "REVERSE_PROXY_COUNT": "1",
    }

"""Every public page, at a desktop's width and a phone's: axe-core finds no violation, and on the phone the page
itself never scrolls sideways, no text is broken into single characters and every touch target is large enough.

One test per width walks all the pages a citizen can reach without logging in (after a year has been
published, so that the status columns and pages exist), and reports every page that fails at once.
"""

import pprint

import pytest

from tests.browser import NARROW_TEXT, SMALL_TARGETS, shot
from tests.test_browser_public import axe_violations, browser_context_args, published  # noqa: F401

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    "/",
    "/plans/5/",
    "/plans/5/overview/",
    "/plans/5/overview/?progress=計画どおり",
    "/plans/5/1/",
    "/plans/5/16/",
    "/plans/4/",
    "/plans/4/overview/",
    "/plans/4/1/",
    "/published/",
    "/published/5/2025/",
    "/accounts/login/",
    "/accounts/password_reset/",
    "/no-such-page/",
]


@pytest.fixture
def mail_on(settings):
    # The password-reset pages exist only where the city has a mail server.
    settings.PASSWORD_RESET_ENABLED = True


def problems_on(page, width):
    found = {}
    if axe := axe_violations(page):
        found["axe"] = axe
    if width <= 400:
        if (scroll := page.evaluate("document.documentElement.scrollWidth")) > width:
            found["scrollWidth"] = scroll
        if narrow := page.evaluate(NARROW_TEXT):
            found["single characters"] = narrow
        if small := page.evaluate(SMALL_TARGETS):
            found["small targets"] = small
    return found


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_every_public_page_reads_at_both_widths(page, published, mail_on, width, height):  # noqa: F811
    page.set_viewport_size({"width": width, "height": height})
    failures = {}
    for path in PUBLIC_PAGES:
        page.goto(published + path)
        shot(page, f"public-{width}-" + (path.strip("/").replace("/", "-").replace("?", "-") or "home"))
        if found := problems_on(page, width):
            failures[path] = found
    summary = {
        path: {
            kind: found[kind] if kind != "single characters" else sorted(set(found[kind]))[:8]
            for kind in found
        }
        for path, found in failures.items()
    }
    assert failures == {}, pprint.pformat(summary, width=110)


def test_the_pages_read_in_english_on_a_phone(page, published):  # noqa: F811
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(published + "/")
    page.get_by_role("button", name="English").click()
    failures = {}
    for path in ["/plans/5/", "/plans/5/16/", "/published/5/2025/"]:
        page.goto(published + path)
        assert page.locator("html").get_attribute("lang") == "en"
        if found := problems_on(page, 390):
            failures[path] = found
    summary = {
        path: {
            kind: found[kind] if kind != "single characters" else sorted(set(found[kind]))[:8]
            for kind in found
        }
        for path, found in failures.items()
    }
    assert failures == {}, pprint.pformat(summary, width=110)

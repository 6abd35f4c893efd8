"""Every public page, at a desktop's width and a phone's: axe-core finds no violation, and on the phone the page
itself never scrolls sideways, no text is broken into single characters and every touch target is large enough.

One test per width walks all the pages a citizen can reach without logging in (after a year has been
published, so that the status columns and pages exist), and reports every page that fails at once.
"""

import json
import pprint
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from pyld import jsonld

from tests.browser import NARROW_TEXT, SMALL_TARGETS, shot
from tests.test_browser_public import axe_violations, browser_context_args, published  # noqa: F401
from tests.test_open_data_catalog import DCAT, no_network

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


def downloaded_json(page, link_name):
    with page.expect_download() as download:
        page.get_by_role("link", name=link_name, exact=True).click()
    return json.loads(Path(download.value.path()).read_text(encoding="utf-8"))


@pytest.fixture
def site_url_is_the_live_server(settings, live_server):
    # The downloads name their schema by the city's public address, frozen with a year at its publication.
    settings.SITE_URL = live_server.url


def test_a_portal_harvests_the_catalogue_and_the_data_validates_against_its_schema(
    site_url_is_the_live_server,
    page,
    published,  # noqa: F811
):
    """What a citizen or a data portal downloads from the pages: each JSON names its schema, which the site
    serves and the file satisfies; the catalogue linked from the published list expands as JSON-LD, offline."""
    for path in ["/plans/5/", "/published/5/2025/"]:
        page.goto(published + path)
        data = downloaded_json(page, "JSON")
        schema = page.request.get(data["schema"]).json()
        validator = Draft202012Validator(schema, format_checker=FormatChecker())
        assert [e.message for e in validator.iter_errors(data)] == [], path

    page.goto(published + "/published/")
    href = page.get_by_role("link", name="データカタログ（DCAT）").get_attribute("href")
    catalogue = page.request.get(published + href)
    assert catalogue.headers["content-type"].startswith("application/ld+json")
    (expanded,) = jsonld.expand(catalogue.json(), {"documentLoader": no_network})
    datasets = [d["@id"] for d in expanded[DCAT + "dataset"]]
    assert published + "/published/5/2025/" in datasets and published + "/plans/5/" in datasets

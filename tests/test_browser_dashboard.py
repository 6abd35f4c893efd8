"""The dashboard as the committee opens and prints it, with every initiative of the seed plan's survey filled in:
the first screen answers "how are we doing and what needs our attention", and the print is two A4 pages."""

import io
import re
import unicodedata

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from reviews.models import ReviewCycle
from tests.browser import SCREENSHOTS, log_in, shot
from tests.surveys import fill_the_survey

pytestmark = pytest.mark.browser


@pytest.fixture
def filled(dev_accounts):
    from django.contrib.auth import get_user_model

    cycle = ReviewCycle.objects.get(plan__ordinal=5, fiscal_year=2026)
    fill_the_survey(cycle, get_user_model().objects.get(username="staff"))
    return cycle


def open_dashboard(page, site, dev_accounts, cycle):
    page.goto(site + "/accounts/login/")
    log_in(page, "committee", dev_accounts["committee"])
    page.goto(site + reverse("reviews:dashboard", args=[cycle.pk]))


def bottom(locator):
    box = locator.bounding_box()
    assert box is not None, locator
    return box["y"] + box["height"]


def assert_on_the_first_screen(page, headings, items):
    """Each heading and item ends within the first 900 pixels, and each item also within the box its list
    scrolls in: seen whole, without scrolling anything."""
    for part in headings:
        assert bottom(page.locator(part)) <= 900, part
    for item in items:
        row = page.locator(item)
        box = row.locator("xpath=ancestor::div[contains(@class, 'attention-list')]")
        assert bottom(row) <= min(900, bottom(box)), item


def test_the_first_screen_shows_the_counts_the_late_and_the_contradicted(page, site, dev_accounts, filled):
    page.set_viewport_size({"width": 1366, "height": 900})
    open_dashboard(page, site, dev_accounts, filled)
    page.wait_for_load_state("load")
    assert page.evaluate("window.scrollY") == 0

    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "dashboard-first-screen-1366.png")
    counts = ["#counts-heading", "#counts-achievement", "#counts-progress", "#counts-state"]
    headings = [*counts, "#late-heading", "#contradicted-heading"]
    assert_on_the_first_screen(
        page, headings, ["#late-3", "#late-9", *(f"#contradicted-{n}" for n in (5, 12, 20))]
    )
    assert page.locator("#late-heading").inner_text() == "計画より遅れている個別計画（5件）"
    assert page.locator("#contradicted-heading").inner_text() == "自己評価と年次計画の差がある個別計画（3件）"
    assert "計画どおり（年次計画では 計画より遅れている）" in page.locator("#contradicted-5").inner_text()
    assert "計画より遅れている（年次計画では 計画どおり）" in page.locator("#contradicted-12").inner_text()
    assert "予定していた台数の半分" in page.locator("#contradicted-12").inner_text()
    # The rest follows below the first screen.
    assert page.locator("#matrix-heading").bounding_box()["y"] > 900
    shot(page, "dashboard-filled-1366")
    # The English words are longer; the first screen holds them too.
    page.get_by_role("button", name="English").click()
    expect(page.locator("#contradicted-heading")).to_contain_text("differs from the roadmap")
    page.screenshot(path=SCREENSHOTS / "dashboard-first-screen-1366-en.png")
    assert_on_the_first_screen(page, headings, ["#late-3", "#late-9", "#contradicted-5", "#contradicted-12"])
    page.get_by_role("button", name="日本語").click()
    expect(page.locator("#late-heading")).to_have_text("計画より遅れている個別計画（5件）")

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SCREENSHOTS / "dashboard-first-screen-390.png")
    shot(page, "dashboard-filled-390")
    page.locator(".dashboard-attention").screenshot(path=SCREENSHOTS / "dashboard-attention-390.png")
    # Nothing wider than the phone but the tables that scroll in their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_dashboard_prints_on_at_most_two_a4_pages(page, site, dev_accounts, filled):
    open_dashboard(page, site, dev_accounts, filled)
    SCREENSHOTS.mkdir(exist_ok=True)
    pdf = page.pdf(format="A4", print_background=True)
    (SCREENSHOTS / "dashboard-print.pdf").write_bytes(pdf)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) <= 2
    # A4 landscape, as the stylesheet asks: 297 × 210 mm in points, give or take Chromium's rounding.
    width, height = (float(x) for x in pages[0].mediabox.upper_right)
    assert abs(width - 842) < 2 and abs(height - 595) < 2
    # pypdf reads some kanji as their Kangxi radicals (⼤ for 大): NFKC gives them back, and （ as (.
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", "".join(p.extract_text() for p in pages)))
    for seen in (
        "計画より遅れている個別計画（5件）",
        "自己評価と年次計画の差がある個別計画（3件）",
        "計画どおり（年次計画では計画より遅れている）",
        "年次計画と実施状況",
        "基幹業務システムの標準化",  # the matrix's last row
        "年度ごとの推移",
    ):
        assert unicodedata.normalize("NFKC", seen) in text


def test_the_report_page_shows_the_flag_under_its_entry(page, site, dev_accounts, filled):
    page.set_viewport_size({"width": 1366, "height": 900})
    open_dashboard(page, site, dev_accounts, filled)
    page.goto(site + reverse("reviews:report", args=[filled.pk]))
    row = page.locator("#row-5")
    assert "計画どおり（年次計画では 計画より遅れている）" in row.inner_text()
    # The short words keep their columns beside the long texts.
    assert page.locator("#row-5 td.mark").nth(1).bounding_box()["width"] >= 50
    row.screenshot(path=SCREENSHOTS / "report-flagged-row.png")
    shot(page, "report-filled-1366")

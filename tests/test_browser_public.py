"""Citizens read the published report: in the browser, downloads, and axe-core finding no violations."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reviews.cycles import take_step
from reviews.entries import save_entry
from reviews.models import StatusEntry
from tests.browser import log_in, shot
from tests.personas import make_user, open_cycle

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# JIS X 8341-3:2016 level AA corresponds to WCAG 2.0 AA; the newer AA rules are checked too.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def browser_context_args(browser_context_args):
    # The pages forbid inline scripts (CSP); axe-core is injected by the test, not shipped in the pages.
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def published(site, pdf_rendered_once):
    from plan.models import Plan

    admin = make_user("admin")
    cycle = open_cycle(Plan.objects.get(ordinal=5), 2025, admin)
    for number, values in {
        1: {
            "stage_reached": "実施中",
            "progress": "計画どおり",
            "achievement": "達成",
            "direction": "継続",
            "actions": "電子申請を20手続に拡大した。",
        },
        2: {
            "stage_reached": "検討中",
            "progress": "計画より遅れている",
            "achievement": "一部達成",
            "direction": "見直し",
            "actions": "要件を整理した。",
        },
    }.items():
        entry = StatusEntry.objects.get(cycle=cycle, initiative__number=number)
        save_entry(entry, values, admin, entry.version)
    cycle = take_step(cycle, "compile", admin)
    cycle = take_step(
        cycle, "committee", admin, date=datetime.date(2026, 5, 20), comment="施設予約の遅れに留意すること。"
    )
    cycle = take_step(cycle, "headquarters", admin, date=datetime.date(2026, 6, 10), comment="了承")
    with pdf_rendered_once():  # a real PDF, rendered for the first of these journeys
        take_step(cycle, "publish", admin)
    return site


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


def test_a_citizen_reads_the_published_report_and_downloads_it(page, published):
    page.goto(published + "/")
    page.get_by_role("link", name="進捗状況報告").first.click()
    page.get_by_role("link", name="第五次東大和市情報化推進計画 進捗状況報告 令和7年度 (2025)").click()
    expect(page.locator("h1")).to_have_text("第五次東大和市情報化推進計画 進捗状況報告 令和7年度 (2025)")
    expect(page.locator(".report")).to_contain_text("施設予約の遅れに留意すること。")
    expect(page.locator(".report")).to_contain_text("年次計画より遅れている個別計画")
    shot(page, "published-report")
    for label, suffix in (("PDF", ".pdf"), ("Excel (xlsx)", ".xlsx"), ("CSV", ".csv"), ("JSON", ".json")):
        with page.expect_download() as download:
            page.get_by_role("link", name=label, exact=True).click()
        assert download.value.suggested_filename.endswith(suffix)
        assert Path(download.value.path()).stat().st_size > 100


def test_the_published_report_prints_on_a4_landscape(page, published, tmp_path):
    page.goto(published + "/published/5/2025/")
    page.emulate_media(media="print")
    expect(page.locator(".site-header nav")).to_be_hidden()
    pdf = tmp_path / "printed.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    assert pdf.stat().st_size > 10_000


def test_a_committee_member_downloads_the_report_of_the_cycle(page, site, dev_accounts):
    page.goto(site + "/accounts/login/")
    log_in(page, "committee", dev_accounts["committee"])
    page.get_by_role("link", name="達成状況調査 令和8年度 (2026)").click()
    page.get_by_role("link", name="進捗状況報告").last.click()
    expect(page.locator(".report h1")).to_contain_text("進捗状況報告 令和8年度 (2026)")
    shot(page, "committee-report")
    # The PDF is made in the background; its page says when it is ready and gives the file.
    page.get_by_role("link", name="PDF").click()
    # A real WeasyPrint render: seconds on a busy machine, more than expect's default wait.
    expect(page.get_by_role("status")).to_contain_text("完了", timeout=30_000)
    with page.expect_download() as download:
        page.get_by_role("link", name="report-5-2026.pdf をダウンロード").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    shot(page, "committee-report-job")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "committee-report-job-phone")

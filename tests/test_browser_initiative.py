"""A citizen types an initiative's 市報 address, reads its published status and history, and downloads the data."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reviews.cycles import take_step
from reviews.entries import save_entry
from reviews.models import StatusEntry
from tests.browser import shot
from tests.personas import make_user, open_cycle
from tests.test_browser_public import axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args):
    # The pages forbid inline scripts (CSP); axe-core is injected by the test, not shipped in the pages.
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def published(site, pdf_rendered_once):
    from initiatives.models import Indicator, IndicatorTarget
    from plan.models import Plan

    admin = make_user("admin")
    plan = Plan.objects.get(ordinal=5)
    indicator = Indicator.objects.create(
        initiative=plan.initiatives.get(number=16), name="オンラインで予約できる施設の数", unit="施設"
    )
    IndicatorTarget.objects.create(indicator=indicator, fiscal_year=2025, target=12)
    cycle = open_cycle(plan, 2025, admin)
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=16)
    values = {
        "stage_reached": "実施中",
        "progress": "計画どおり",
        "achievement": "一部達成",
        "direction": "拡充",
        "actions": "体育館と公民館の予約をオンライン化した。",
        "issues": "高齢者への周知が課題。",
        "kpi_actuals": {indicator.key: "9"},
    }
    save_entry(entry, values, admin, entry.version)
    cycle = take_step(cycle, "compile", admin)
    cycle = take_step(cycle, "committee", admin, date=datetime.date(2026, 5, 20))
    cycle = take_step(cycle, "headquarters", admin, date=datetime.date(2026, 6, 10))
    with pdf_rendered_once():
        take_step(cycle, "publish", admin)
    return site


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # No text broken into single characters: each heading and term is wider than one character.
    narrow = page.evaluate(
        """() => [...document.querySelectorAll('main h1, main h2, main dt, main th')]
            .filter(e => e.textContent.trim().length > 2 && e.getBoundingClientRect().width < 24)
            .map(e => e.textContent.trim())"""
    )
    assert narrow == []
    small = page.evaluate(
        """() => [...document.querySelectorAll('main a')]
            .filter(a => { const r = a.getBoundingClientRect(); return r.width && r.height < 44; })
            .map(a => a.textContent.trim())"""
    )
    assert small == []


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 900)])
def test_a_citizen_types_the_bulletin_address_and_reads_the_published_status(page, published, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(published + "/plans/5/16/")
    expect(page.locator("h1")).to_contain_text("16")
    status = page.locator(".published-status")
    expect(status).to_contain_text("令和7年度 (2025) の結果")
    expect(status).to_contain_text("計画どおり")
    expect(status).to_contain_text("一部達成")
    expect(page.locator(".year-table")).to_contain_text("令和7年度")
    expect(page.locator(".kpi-table")).to_contain_text("オンラインで予約できる施設の数")
    expect(page.locator("main")).to_contain_text("体育館と公民館の予約をオンライン化した。")
    fits(page, width)
    shot(page, f"initiative-16-{width}")
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    assert Path(download.value.path()).read_bytes().decode("utf-8-sig").count("\n") > 10
    page.goto(published + "/plans/5/")
    expect(page.locator("#initiative-16")).to_contain_text("令和7年度 (2025) の結果")
    narrow = page.evaluate(
        """() => [...document.querySelectorAll('.plan-table thead th')]
            .filter(e => e.textContent.trim().length > 1 && e.getBoundingClientRect().width < 30)
            .map(e => e.textContent.trim())"""
    )
    assert narrow == []  # no header broken into single characters
    heights = page.locator(".plan-table .name > a").evaluate_all("links => links.map(a => a.offsetHeight)")
    assert min(heights) >= 44
    shot(page, f"plan-5-with-results-{width}")
    if width < 640:
        # On a phone each initiative is a block of its own that fits the screen, the roadmap's words shown
        # beside their years instead of a matrix of marks.
        assert page.locator("#initiative-16").bounding_box()["width"] <= width
        assert page.locator("#initiative-16 td.stage .visually-hidden").first.bounding_box()["width"] > 10
    else:
        # The table scrolls inside its own box, its first column (項番) kept in view.
        page.locator(".table-scroll").first.evaluate("box => box.scrollLeft = 10000")
        number = page.locator("#initiative-16 th.number").bounding_box()
        box = page.locator(".table-scroll").first.bounding_box()
        assert abs(number["x"] - box["x"]) < 2
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 900)])
def test_a_citizen_filters_the_initiatives_by_published_progress_without_javascript(
    browser, published, width, height
):
    context = browser.new_context(
        viewport={"width": width, "height": height}, java_script_enabled=False, bypass_csp=True
    )
    page = context.new_page()
    page.goto(published + "/plans/5/")
    page.get_by_role("link", name="個別計画の一覧と絞り込み（目標・公表された進捗など）").click()
    page.get_by_label("進捗").select_option("計画どおり")
    page.get_by_role("button", name="絞り込む").click()
    expect(page.locator(".overview-list")).to_contain_text("グループウェアの導入")
    expect(page.locator(".overview-list > li")).to_have_count(1)
    page.wait_for_load_state("load")  # the style sheet applied before the page is measured
    fits(page, width)
    shot(page, f"overview-{width}")
    page.get_by_role("link", name="16 グループウェアの導入").click()
    expect(page.locator(".published-status")).to_contain_text("計画どおり")
    context.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_the_overview_has_no_accessibility_violations(page, published, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(published + "/plans/5/overview/?progress=計画どおり")
    assert axe_violations(page) == []

"""The committee member's journey in a real browser: the dashboard, a count to the worklist, an initiative."""

import re

import pytest
from playwright.sync_api import expect

from reviews.entries import save_entry
from reviews.models import ReviewCycle, StatusEntry
from tests.browser import SCREENSHOTS, log_in, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def entries(dev_accounts):
    """A few entries of the development survey (令和8年度), as staff would have recorded them."""
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.get(username="staff")
    cycle = ReviewCycle.objects.get(plan__ordinal=5, fiscal_year=2026)

    def record(number, **values):
        entry = StatusEntry.objects.get(cycle=cycle, initiative__number=number)
        save_entry(entry, values, staff, entry.version)

    done = {"direction": "継続"}
    record(
        1,
        stage_reached="実施中",
        progress="計画どおり",
        achievement="達成",
        actions="マイナポータルから申請できる手続きを増やした。",
        **done,
    )
    record(
        3,
        stage_reached="検討中",
        progress="計画より遅れている",
        achievement="未達成",
        actions="公開型GISで公開する地図データを選んだ。",
        issues="公開するデータの個人情報の確認に時間がかかっている。",
        **done,
    )
    record(8, stage_reached="実施中", progress="計画より進んでいる", achievement="一部達成")
    record(
        16,
        stage_reached="未着手",
        progress="計画より遅れている",
        issues="担当者の異動で着手が遅れた。",
    )
    return cycle


def test_a_committee_member_sees_what_is_late_follows_a_count_and_reads_an_initiative(
    page, site, dev_accounts, entries
):
    page.goto(site + "/accounts/login/")
    log_in(page, "committee", dev_accounts["committee"])
    page.get_by_role("link", name="ダッシュボード（令和8年度 (2026)）").click()
    expect(page.locator("h1")).to_have_text("達成状況調査 令和8年度 (2026) ダッシュボード")

    # What is late, and why, comes first.
    late = page.locator(".dashboard-late")
    expect(late.locator("h2")).to_have_text("計画より遅れている個別計画（2件）")
    expect(late.locator("#late-3")).to_contain_text("公開するデータの個人情報の確認に時間がかかっている。")
    expect(late.locator("#late-16")).to_contain_text("担当者の異動で着手が遅れた。")
    expect(page.locator("#matrix-3 td.current")).to_contain_text("遅れ")
    expect(page.locator("#matrix-8 td.current")).to_contain_text("前倒し")
    expect(page.locator("#counts-achievement")).to_contain_text("88.5%")
    shot(page, "dashboard")
    # The full page is tall; the parts at their real size, to read the charts and the matrix.
    for part in ("counts", "matrix", "breakdown"):
        page.locator(f"section:has(#{part}-heading)").screenshot(path=SCREENSHOTS / f"dashboard-{part}.png")

    # One click from a count to the initiatives behind it.
    page.get_by_role("link", name="達成状況「未達成」の1件を一覧で見る", exact=True).click()
    expect(page.get_by_label("達成状況")).to_have_value("未達成")
    rows = page.locator("table.worklist tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("GIS(公開型)の導入")
    shot(page, "dashboard-count-to-worklist")
    page.go_back()

    # An initiative's page: its roadmap against what was reached, its entries, the glossary in place.
    page.locator("#late-3").get_by_role("link", name="GIS(公開型)の導入").click()
    expect(page.locator("h1")).to_contain_text("《新規》GIS(公開型)の導入")
    expect(page.locator(".roadmap-table")).to_contain_text("遅れ")
    expect(page.locator("#year-2026")).to_contain_text("公開するデータの個人情報の確認に時間がかかっている。")
    term = page.locator(".description .term-ref")
    expect(term).to_have_text("GIS")
    term.focus()
    page.keyboard.press("Enter")
    # The jump to the anchor may land after the key press returns on a busy machine: wait for it.
    expect(page).to_have_url(re.compile(r"#term-"))
    expect(page.locator(".terms .term:target")).to_contain_text("デジタル化された地図")
    page.get_by_text("変更履歴（2件）").first.press("Enter")
    expect(page.locator("#year-2026 .history-list")).to_be_visible()
    shot(page, "initiative-page")

"""Journeys in a real browser: Chromium driven by Playwright against the live server."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import log_in, shot
from tests.test_admin_import import exported_workbook

pytestmark = pytest.mark.browser


def test_a_citizen_reads_the_plan_table_and_downloads_it_as_open_data(page, site):
    page.goto(site + "/")
    assert page.title() == "第五次東大和市情報化推進計画 | 東大和市"
    row = page.locator("#initiative-2")
    assert row.locator("td.name").inner_text().startswith("施設予約システムの導入")
    cells = row.locator("td.stage").all_inner_texts()
    assert [c.splitlines()[0] for c in cells] == ["検討", "⇒", "⇒", "実施", "⇒"]
    # A screen reader hears the stage a ⇒ continues, not an arrow.
    assert cells[1].splitlines()[1] == "検討（継続）"
    assert page.locator("#initiative-3 .new-mark").inner_text() == "《新規》"
    shot(page, "plan-5")

    with page.expect_download() as download:
        page.get_by_role("link", name="JSON").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["initiatives"][4]["name"] == "AIチャットボット(市民向け)の導入"

    page.get_by_role("link", name="第四次東大和市情報化推進計画").first.click()
    assert page.locator("h1").inner_text() == "第四次東大和市情報化推進計画"
    assert "令和3年度までの取組内容" in page.locator("thead").inner_text()
    shot(page, "plan-4")


def test_the_keyboard_reaches_the_table_from_the_skip_link(page, site):
    page.goto(site + "/plans/5/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "本文へ移動"


def test_an_administrator_imports_a_changed_plan_spreadsheet_after_checking_the_preview(
    page, site, dev_accounts, tmp_path
):
    from plan.models import Plan

    plan = Plan.objects.get(ordinal=5)
    changed = tmp_path / "第五次計画.xlsx"
    changed.write_bytes(exported_workbook(plan, (8, "担当課", "総務部 情報管理課")))

    page.goto(site + "/admin/")
    log_in(page, "admin", dev_accounts["admin"])
    page.get_by_role("link", name="個別計画", exact=True).last.click()
    shot(page, "admin-initiatives")
    page.get_by_role("link", name="計画表（xlsx）を取り込む").click()
    page.get_by_label("取り込む計画").select_option(label="第五次東大和市情報化推進計画")
    page.get_by_label("計画表のファイル（.xlsx）").set_input_files(changed)
    page.get_by_role("button", name="内容を確認する").click()
    assert "更新 1件" in page.locator(".import-summary").inner_text()
    assert "総務部 情報管理課" in page.locator("tr.import-updated").inner_text()
    shot(page, "admin-import-preview")

    page.get_by_role("button", name="この内容で取り込む").click()
    # The import runs in the background: its page in the admin shows the result, and the way on.
    expect(page.get_by_role("status")).to_contain_text("完了")
    assert "更新 1件" in page.get_by_role("status").inner_text()
    shot(page, "admin-import-done")
    page.get_by_role("link", name="個別計画の一覧へ").click()
    expect(page.locator("#result_list")).to_contain_text("総務部 情報管理課")
    page.goto(site + "/plans/5/")
    assert page.locator("#initiative-8 td").last.inner_text() == "総務部 情報管理課"


def test_an_administrator_sees_which_cell_of_a_bad_spreadsheet_is_wrong(page, site, dev_accounts, tmp_path):
    from plan.models import Plan

    plan = Plan.objects.get(ordinal=5)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(exported_workbook(plan, (5, "官民データ活用", "○")))
    page.goto(site + "/admin/login/?next=/admin/initiatives/initiative/import/")
    log_in(page, "admin", dev_accounts["admin"])
    page.get_by_label("計画表のファイル（.xlsx）").set_input_files(bad)
    page.get_by_role("button", name="内容を確認する").click()
    errors = page.locator(".import-errors").inner_text()
    assert "9行目 J列（官民データ活用）: 「○」は記号として使えません。" in errors
    shot(page, "admin-import-error")


def test_the_admin_works_under_the_content_security_policy(page, site, dev_accounts):
    """The admin's own scripts (the two-list goal selector) must run with only same-origin scripts allowed."""
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(site + "/admin/login/?next=/admin/initiatives/initiative/")
    log_in(page, "admin", dev_accounts["admin"])
    page.get_by_role("link", name="行政手続きのオンライン化").click()
    expect(page.locator("#id_goals_from")).to_be_visible()  # SelectFilter2.js built the selector
    shot(page, "admin-initiative")
    assert violations == []

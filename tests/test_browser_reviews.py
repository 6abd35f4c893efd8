"""The yearly survey in a real browser, with the development accounts the README names."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser import log_in, shot

pytestmark = pytest.mark.browser


def open_survey(page, site, username, password):
    page.goto(site + "/accounts/login/")
    log_in(page, username, password)
    page.get_by_role("link", name="達成状況調査 令和8年度 (2026)").click()


def test_staff_record_an_entry_from_the_filtered_worklist_and_see_it_in_the_history(page, site, dev_accounts):
    open_survey(page, site, "staff", dev_accounts["staff"])
    expect(page.locator(".counts")).to_contain_text("提出されていないもの 26件")

    page.get_by_label("目標").select_option(label="（Ⅲ）効果的・効率的な行政の推進")
    page.get_by_role("button", name="絞り込む").click()
    expect(page.locator("#entry-1")).to_have_count(0)
    expect(page.locator("#entry-16")).to_be_visible()
    shot(page, "worklist-filtered")

    page.get_by_role("link", name="グループウェアの導入").click()
    expect(page.locator(".planned-stage")).to_have_text("実施（前年度から継続）")
    page.get_by_label("実施状況").select_option("実施中")
    page.get_by_label("達成状況").select_option("一部達成")
    page.get_by_label("取組内容").fill("全庁でグループウェアの掲示板機能の利用を開始した。")
    page.get_by_label("今後の方向性").select_option("継続")
    shot(page, "entry-form")
    page.get_by_role("button", name="保存する").click()

    # Back on the worklist, still filtered, with the entry done and its progress proposed.
    expect(page.locator(".messages")).to_contain_text("項番 16「グループウェアの導入」を保存しました。")
    assert "goal=" in page.url
    row = page.locator("#entry-16")
    expect(row).to_contain_text("入力中")
    expect(row).to_contain_text("計画どおり")

    page.get_by_role("link", name="グループウェアの導入").click()
    history = page.locator(".history-list li").first
    expect(history).to_contain_text("staff")
    expect(history).to_contain_text("一部達成")
    expect(history).to_contain_text("全庁でグループウェアの掲示板機能の利用を開始した。")
    shot(page, "entry-history")


def test_a_department_editor_reaches_only_their_own_initiatives(page, site, dev_accounts):
    open_survey(page, site, "dept", dev_accounts["dept"])
    numbers = [
        row.split("\t")[0].strip() for row in page.locator("table.worklist tbody tr").all_inner_texts()
    ]
    assert numbers == ["16", "19", "25"]
    shot(page, "worklist-department")
    page.get_by_role("link", name="文書管理・電子決裁システムの導入").click()
    expect(page.get_by_role("button", name="保存する")).to_be_visible()

    response = page.goto(page.url.replace("/entries/19/", "/entries/1/"))
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("この操作はできません")
    shot(page, "forbidden")


def test_a_committee_member_reads_an_entry_without_a_form(page, site, dev_accounts):
    open_survey(page, site, "committee", dev_accounts["committee"])
    expect(page.get_by_role("link", name="取りまとめる（入力を締め切る）")).to_have_count(0)
    page.get_by_role("link", name="行政手続きのオンライン化").click()
    expect(page.get_by_role("button", name="保存する")).to_have_count(0)
    expect(page.locator(".entry-values")).to_contain_text("実施状況")
    shot(page, "entry-committee")


def test_an_administrator_compiles_the_survey_and_reopens_it_with_a_reason(page, site, dev_accounts):
    open_survey(page, site, "admin", dev_accounts["admin"])
    page.get_by_role("link", name="取りまとめる（入力を締め切る）").click()
    page.get_by_role("button", name="取りまとめる（入力を締め切る）").click()
    expect(page.locator(".cycle-state")).to_have_text("取りまとめ済")
    page.get_by_role("link", name="行政手続きのオンライン化").click()
    expect(page.get_by_role("button", name="保存する")).to_have_count(0)
    page.go_back()

    page.get_by_role("link", name="調査を再開する").click()
    page.get_by_role("button", name="調査を再開する").click()
    expect(page.locator(".messages")).to_contain_text("再開する理由を入力してください。")
    page.get_by_role("link", name="調査を再開する").click()
    page.get_by_label("理由").fill("項番3の入力漏れを担当課から連絡されたため")
    page.get_by_role("button", name="調査を再開する").click()
    expect(page.locator(".cycle-state")).to_have_text("調査中")
    expect(page.locator(".events")).to_contain_text("項番3の入力漏れを担当課から連絡されたため")
    shot(page, "cycle-reopened")


def test_staff_hand_out_a_department_workbook_and_take_its_answers_in_after_a_preview(
    page, site, dev_accounts, tmp_path
):
    open_survey(page, site, "staff", dev_accounts["staff"])
    with page.expect_download() as download:
        page.get_by_role("link", name="総務課（開発用の例）の調査票（3件）").click()
    returned = tmp_path / "returned.xlsx"
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book["調査票"]
    headers = {cell.value: cell.column for cell in sheet[3]}
    row = next(r[0].row for r in sheet.iter_rows(min_row=4) if r[0].value == 19)
    sheet.cell(row=row, column=headers["実施状況"]).value = "実施中"
    sheet.cell(row=row, column=headers["達成状況"]).value = "達成"
    sheet.cell(row=row, column=headers["取組内容"]).value = "電子決裁の運用を全庁で開始した。"
    sheet.cell(row=row, column=headers["今後の方向性"]).value = "継続"
    book.save(returned)

    page.get_by_label("記入した調査票").set_input_files(returned)
    page.get_by_role("button", name="取り込む内容を確認する").click()
    expect(page.locator("body")).to_contain_text("電子決裁の運用を全庁で開始した。")
    shot(page, "workbook-preview")
    page.get_by_role("button", name="「変更あり」の行を保存する").click()
    # Complete, and handed in with the import (the box is ticked by default).
    expect(page.locator(".messages")).to_contain_text("項番 19 を提出しました。")
    expect(page.locator("#entry-19")).to_contain_text("提出済")
    expect(page.locator("#entry-19")).to_contain_text("達成")


@pytest.mark.parametrize("width", [1366, 390])
def test_the_worklist_is_paged_and_a_page_keeps_the_order(page, site, dev_accounts, settings, width):
    settings.WORKLIST_PER_PAGE = 10
    page.set_viewport_size({"width": width, "height": 900})
    open_survey(page, site, "staff", dev_accounts["staff"])
    expect(page.locator(".page-status")).to_have_text("26件中 1 / 3 ページ")
    expect(page.locator("table.worklist tbody tr")).to_have_count(10)
    page.get_by_role("link", name="項番", exact=True).click()  # sorted by 項番 already: now descending
    page.get_by_role("link", name="次のページ").click()
    expect(page.locator(".page-status")).to_have_text("26件中 2 / 3 ページ")
    expect(page.locator("table.worklist tbody tr").first).to_have_id("entry-16")
    expect(page.locator("nav.pagination [aria-current=page]")).to_have_text("2")
    shot(page, f"worklist-paged-{width}")

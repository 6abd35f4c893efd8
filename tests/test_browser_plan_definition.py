"""The administrator drafting the sixth plan defines its table in the admin, in a real browser."""

import pytest
from playwright.sync_api import expect

from plan.models import Plan
from tests.browser import log_in, shot

pytestmark = pytest.mark.browser


def test_an_administrator_copies_the_fifth_plans_columns_drops_one_and_adds_sdgs(page, site, dev_accounts):
    fifth = Plan.objects.get(ordinal=5)
    sixth = Plan.objects.create(ordinal=6, title="第六次東大和市情報化推進計画（案）", predecessor=fifth)
    page.goto(site + f"/admin/login/?next=/admin/plan/plan/{sixth.pk}/change/")
    log_in(page, "admin", dev_accounts["admin"])

    page.get_by_role("link", name="雛形やほかの計画から列と評価の尺度を写す").click()
    expect(page.get_by_text("まだ列がありません。")).to_be_visible()
    page.get_by_label("写す元").select_option(label="第五次東大和市情報化推進計画")
    shot(page, "admin-plan-definition")
    page.get_by_role("button", name="列と尺度を写す").click()
    expect(page.get_by_text("列を追加しました: 第五次基本計画、官民データ活用、自治体DX")).to_be_visible()

    # 自治体DX is not a column of the sixth plan: the inline row's delete box, then save.
    row = page.locator("#columns-group tr.has_original", has=page.locator("input[value='municipal_dx']"))
    row.locator("input[type=checkbox][name$='-DELETE']").check()
    page.get_by_role("button", name="保存して編集を続ける").click()
    expect(page.locator(".messagelist")).to_contain_text("変更しました")

    page.get_by_role("link", name="雛形やほかの計画から列と評価の尺度を写す").click()
    page.get_by_label("写す元").select_option(label="群馬県型（施策と SDGs）")
    page.get_by_role("button", name="列と尺度を写す").click()
    expect(page.get_by_text("列を追加しました: 施策、SDGs")).to_be_visible()
    shot(page, "admin-plan-columns")

    assert [(c.key, c.kind) for c in sixth.columns.all()] == [
        ("basic_plan_section", "reference"),
        ("public_private_data", "mark"),
        ("measure", "reference"),
        ("sdgs", "multi_choice"),
    ]
    assert sixth.columns.get(key="sdgs").choices.count() == 17
    assert Plan.objects.get(ordinal=5).columns.filter(key="municipal_dx").exists()

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="雛形やほかの計画から列と評価の尺度を写す").click()
    expect(page.get_by_text("SDGs（複数選択、sdgs）")).to_be_visible()
    shot(page, "admin-plan-definition-phone")


def test_an_administrator_maps_a_new_layout_once_and_imports_it(page, site, dev_accounts, tmp_path):
    from plan.definitions import add_columns, add_roadmap, presets
    from tests.test_import_mapping import workbook

    sixth = Plan.objects.create(
        ordinal=6,
        title="第六次東大和市情報化推進計画",
        first_fiscal_year=2027,
        last_fiscal_year=2031,
        adopted="令和9年3月",
    )
    add_columns(sixth, [c for c in presets()["gunma"]["columns"] if c["key"] == "sdgs"])
    add_roadmap(sixth, presets()["gunma"]["roadmap"])
    table = tmp_path / "事業一覧.xlsx"
    table.write_bytes(workbook())

    page.goto(site + "/admin/initiatives/initiative/import/")
    log_in(page, "admin", dev_accounts["admin"])
    page.get_by_label("取り込む計画").select_option(label="第六次東大和市情報化推進計画")
    page.get_by_label("計画表のファイル（.xlsx）").set_input_files(table)
    page.get_by_role("button", name="内容を確認する").click()

    shot(page, "admin-import-mapping-before")
    expect(page.get_by_text("この表の形はまだ読み方が決まっていません。")).to_be_visible()
    page.get_by_label("A列「No.」").select_option(label="項番")
    page.get_by_label("B列「事業名」").select_option(label="個別計画名（項目）")
    page.get_by_label("C列「事業概要」").select_option(label="計画内容（内容）")
    for n, letter in enumerate("DEFGH"):
        year = 2027 + n
        page.get_by_label(f"{letter}列「R{year - 2018}」").select_option(
            label=f"年次計画 令和{year - 2018}年度 ({year})"
        )
    page.get_by_label("I列「持続可能な開発目標」").select_option(label="SDGs")
    shot(page, "admin-import-mapping")
    page.get_by_role("button", name="対応を保存して内容を確認する").click()

    expect(page.locator(".import-summary")).to_contain_text("新規作成 2件")
    page.get_by_role("button", name="この内容で取り込む").click()
    expect(page.get_by_role("status")).to_contain_text("新規作成 2件")

    page.goto(site + "/plans/6/")
    expect(page.locator("#initiative-1")).to_contain_text("SDGs 9、SDGs 11")
    shot(page, "plan-6")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "/admin/initiatives/initiative/import/")
    page.get_by_label("取り込む計画").select_option(label="第六次東大和市情報化推進計画")
    page.get_by_label("計画表のファイル（.xlsx）").set_input_files(table)
    page.get_by_role("button", name="内容を確認する").click()
    expect(page.locator(".import-summary")).to_contain_text("変更なし 2件")  # the saved mapping, no questions
    shot(page, "admin-import-mapped-phone")

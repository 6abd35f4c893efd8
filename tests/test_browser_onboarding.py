"""An administrator imports the departments from an Excel file in the browser: upload, preview, confirm."""

import pytest
from playwright.sync_api import expect

from initiatives.models import Department
from plan.models import Plan
from tests import test_past_results_import as past
from tests.browser import log_in, shot
from tests.onboarding import xlsx_bytes
from tests.test_browser_public import axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args):
    # The pages forbid inline scripts (CSP); axe-core is injected by the test, not shipped in the pages.
    return {**browser_context_args, "bypass_csp": True}


def test_an_administrator_imports_departments_through_the_bulk_import_page(
    page, site, dev_accounts, tmp_path
):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(site + "/accounts/login/")
    log_in(page, "admin", dev_accounts["admin"])
    page.goto(site + "/admin/")
    page.get_by_role("link", name="一括取込").first.click()
    expect(page.locator("h1")).to_have_text("一括取込")
    assert axe_violations(page) == []
    shot(page, "onboarding-bulk-import")
    page.locator("#content").get_by_role("link", name="担当課", exact=True).click()
    path = tmp_path / "担当課.xlsx"
    path.write_bytes(xlsx_bytes([["課名", "所属する利用者（ユーザー名）"], ["企画課", "dept、staff"]]))
    page.get_by_label("インポートするファイル").set_input_files(str(path))
    page.locator("select[name=format]").select_option(label="xlsx")
    page.locator("input[type=submit]").click()
    expect(page.locator("table.import-preview")).to_contain_text("企画課")
    expect(page.locator("td.import-type").first).to_have_text("新規")
    assert axe_violations(page) == []
    shot(page, "onboarding-preview")
    page.get_by_role("button", name="取り込む").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "一括取込（担当課）: 担当課.xlsx（新規 1・更新 0・変更なし 0）"
    )
    shot(page, "onboarding-done")
    assert sorted(Department.objects.get(name="企画課").members.values_list("username", flat=True)) == [
        "dept",
        "staff",
    ]


def test_the_past_years_preview_reads_on_a_phone(page, site, dev_accounts, tmp_path):
    """Thirteen columns of a year's results: at 390 px they scroll in their own box, the page does not pan."""
    path = tmp_path / "過去の結果.xlsx"
    path.write_bytes(past.xlsx_bytes(past.rows_for(Plan.objects.get(ordinal=5), [2022])))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "/accounts/login/")
    log_in(page, "admin", dev_accounts["admin"])
    page.goto(site + "/admin/bulk-import/")
    page.locator("#content").get_by_role("link", name="過去の年度の結果", exact=True).click()
    page.get_by_label("インポートするファイル").set_input_files(str(path))
    page.locator("select[name=format]").select_option(label="xlsx")
    page.locator("input[type=submit]").click()
    expect(page.locator("table.import-preview")).to_contain_text("グループウェアの導入")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.get_by_role("region", name="取り込む内容")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # the table scrolls inside it
    assert axe_violations(page) == []
    shot(page, "onboarding-past-years-preview-phone")

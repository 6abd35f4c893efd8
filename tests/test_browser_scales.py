"""A plan in the 浜松市DX style, in a real browser: the administrator gives an initiative an indicator with a yearly
target, a clerk records the year's actual, the application proposes the plan's word (A–D), and the committee
reads the dashboard and the report in those words."""

import pytest
from playwright.sync_api import expect

from plan.models import Plan
from reviews.cycles import start_cycle, take_step
from tests.browser import log_in, shot
from tests.test_rating_scales import YEAR, plan_from_preset

pytestmark = pytest.mark.browser


@pytest.fixture
def hamamatsu(site, dev_accounts, django_user_model):
    plan = plan_from_preset("hamamatsu", Plan.objects.get(ordinal=5))
    admin = django_user_model.objects.get(username="admin")
    take_step(start_cycle(plan, YEAR, admin), "open", admin)
    return plan


def test_an_indicator_with_a_target_its_actual_and_the_proposed_word(page, site, dev_accounts, hamamatsu):
    initiative = hamamatsu.initiatives.get(number=1)
    cycle = hamamatsu.cycles.get()

    # The administrator adds the indicator on the initiative's page, then its target on the indicator's page.
    page.goto(site + f"/admin/login/?next=/admin/initiatives/initiative/{initiative.pk}/change/")
    log_in(page, "admin", dev_accounts["admin"])
    page.locator(".add-row a", has_text="指標（KPI）").click()
    page.locator("#id_indicators-0-name").fill("窓口で受け付けた申請の件数")
    page.locator("#id_indicators-0-unit").fill("件")
    page.get_by_role("button", name="保存して編集を続ける").click()
    expect(page.locator(".messagelist")).to_contain_text("変更しました")
    page.locator("#indicators-group").get_by_role("link", name="変更").click()
    page.locator("#id_targets-0-fiscal_year").fill(str(YEAR))
    page.locator("#id_targets-0-target").fill("100")
    page.get_by_role("button", name="保存して編集を続ける").click()
    expect(page.locator(".messagelist")).to_contain_text("変更しました")
    shot(page, "admin-indicator")
    [target] = initiative.indicators.get().targets.all()
    assert (target.fiscal_year, target.target) == (YEAR, 100)
    page.context.clear_cookies()

    # A clerk records the year: the stage reached and the indicator's actual, leaving 評価 for the proposal.
    page.goto(site + f"/reviews/{cycle.pk}/entries/1/")
    log_in(page, "staff", dev_accounts["staff"])
    expect(page.get_by_label("評価", exact=True)).to_be_visible()
    expect(page.get_by_text("目標値 100.00件（令和9年度 (2027)）")).to_be_visible()
    page.get_by_label("実施状況").select_option("実施中")
    page.get_by_label("実績値（窓口で受け付けた申請の件数）").fill("120")
    page.get_by_label("取組内容").fill("窓口2か所で書かない窓口を始めた。")
    shot(page, "entry-kpi")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "entry-kpi-phone")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("button", name="保存する").click()
    expect(page.locator("#entry-1")).to_contain_text("A")
    entry = cycle.entries.get(initiative__number=1)
    assert (entry.progress, entry.kpi_actuals) == ("A", {str(initiative.indicators.get().pk): "120.00"})

    page.goto(site + f"/reviews/{cycle.pk}/dashboard/")
    counts = page.locator("#counts-progress")
    expect(counts).to_contain_text("評価（年次計画との比較）")
    for word in ("A", "B", "C", "D"):
        expect(counts.locator("table")).to_contain_text(word)
    shot(page, "dashboard-a-d")

    page.goto(site + f"/reviews/{cycle.pk}/report/")
    table = page.locator("section", has=page.get_by_role("heading", name="指標（KPI）の実績"))
    expect(table).to_contain_text("120.00件")
    expect(table).to_contain_text("120.0%")
    shot(page, "report-kpi")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "report-kpi-phone")

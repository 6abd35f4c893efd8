"""Citizens read one initiative's page and its published status on the plan page: only what was published."""

import datetime

import pytest
from django.urls import reverse

from initiatives.models import Evaluation, Indicator, IndicatorTarget
from reviews.cycles import take_step
from reviews.entries import save_entry
from reviews.models import StatusEntry
from tests.personas import make_user, open_cycle

COLD, WARM = 27, 4
OVERVIEW = 14

FY2025 = {
    "stage_reached": "実施中",
    "progress": "計画どおり",
    "achievement": "一部達成",
    "direction": "拡充",
    "actions": "窓口の予約をオンライン化した。",
    "issues": "高齢者への周知が課題。",
}


def record(cycle, number, user, **values):
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=number)
    return save_entry(entry, values, user, entry.version)[0]


def publish_year(plan, year, admin, pdf_rendered_once, **values):
    """A year surveyed with initiative 16's entry, deliberated and published."""
    cycle = open_cycle(plan, year, admin)
    record(cycle, 16, admin, **values)
    cycle = take_step(cycle, "compile", admin)
    cycle = take_step(cycle, "committee", admin, date=datetime.date(year + 1, 5, 20))
    cycle = take_step(cycle, "headquarters", admin, date=datetime.date(year + 1, 6, 10))
    with pdf_rendered_once():
        return take_step(cycle, "publish", admin)


@pytest.fixture
def indicator(plan5):
    indicator = Indicator.objects.create(
        initiative=plan5.initiatives.get(number=16), name="オンライン予約の件数", unit="件"
    )
    IndicatorTarget.objects.create(indicator=indicator, fiscal_year=2025, target=1200)
    return indicator


@pytest.fixture
def published_2025(plan5, admin, indicator, pdf_rendered_once):
    return publish_year(plan5, 2025, admin, pdf_rendered_once, kpi_actuals={indicator.key: "980"}, **FY2025)


def page(client, number=16):
    return client.get(reverse("initiatives:initiative", args=[5, number]))


def test_the_initiative_has_a_short_address_for_the_city_bulletin(plan5):
    assert reverse("initiatives:initiative", args=[5, 16]) == "/plans/5/16/"


def test_an_entry_saved_but_not_published_is_absent(client, plan5, admin):
    cycle = open_cycle(plan5, 2025, admin)
    record(cycle, 16, admin, **{**FY2025, "actions": "未公開の取組内容"})
    take_step(cycle, "compile", admin)
    body = page(client).content.decode()
    assert "未公開の取組内容" not in body
    assert "まだ公表されていません" in body
    assert "未公開の取組内容" not in client.get(reverse("initiatives:plan_table", args=[5])).content.decode()


def test_a_published_year_shows_its_status_actions_issues_and_kpi(client, published_2025):
    body = page(client).content.decode()
    assert "令和7年度 (2025) の結果" in body
    for text in (
        "実施中",
        "計画どおり",
        "一部達成",
        "拡充",
        "窓口の予約をオンライン化した。",
        "高齢者への周知が課題。",
    ):
        assert text in body
    assert "オンライン予約の件数" in body and ">1200<" in body and ">980<" in body


def test_the_plan_page_shows_the_latest_published_status_and_links_each_initiative(client, published_2025):
    body = client.get(reverse("initiatives:plan_table", args=[5])).content.decode()
    assert 'href="/plans/5/16/"' in body
    assert "令和7年度 (2025) の結果" in body


def test_in_the_plans_last_year_the_latest_result_does_not_repeat_the_final_evaluation(
    client, plan5, admin, pdf_rendered_once
):
    publish_year(plan5, 2026, admin, pdf_rendered_once, **{**FY2025, "achievement": "達成"})
    body = client.get(reverse("initiatives:plan_table", args=[5])).content.decode()
    row = body[body.index('id="initiative-16"') :]
    row = row[: row.index("</tr>")]
    # The final evaluation's columns give the achievement and direction, the latest result the stage reached
    # and the progress, each once.
    assert row.count(">達成<") == 1
    assert row.count(">拡充<") == 1
    assert "令和8年度 (2026) の結果" in row
    assert row.count(">実施中<") == 1 and row.count(">計画どおり<") == 1


def test_a_later_unpublished_year_does_not_replace_the_published_one(client, plan5, admin, published_2025):
    cycle = open_cycle(plan5, 2026, admin)
    record(cycle, 16, admin, **{**FY2025, "actions": "翌年度の下書き", "achievement": "達成"})
    body = page(client).content.decode()
    assert "翌年度の下書き" not in body
    assert "令和7年度 (2025) の結果" in body
    assert "令和8年度 (2026) の結果" not in body


def test_publishing_records_the_published_status_with_the_evaluation(published_2025, indicator):
    evaluation = Evaluation.objects.get(initiative__number=16, initiative__plan__ordinal=5, fiscal_year=2025)
    assert (evaluation.stage_reached, evaluation.progress, evaluation.issues) == (
        "実施中",
        "計画どおり",
        "高齢者への周知が課題。",
    )
    assert evaluation.kpi_actuals == {indicator.key: "980"}


def test_the_words_are_explained_from_the_plans_own_stages_and_scales(client, plan5):
    body = page(client).content.decode()
    for stage in plan5.roadmap_stages:
        assert f"<dt>{stage.word}</dt>" in body
    for word in plan5.scale("progress").values + plan5.scale("achievement").values:
        assert word in body
    assert f"<dt>{plan5.continuation_mark}</dt>" in body


def test_an_unknown_number_is_not_found(client, plan5):
    assert page(client, 999).status_code == 404


def test_a_draft_plans_initiative_is_for_staff_only(client, plan5):
    plan5.adopted = ""
    plan5.save()
    assert page(client).status_code == 404
    client.force_login(make_user("staff"))
    assert page(client).status_code == 200


def test_the_lineage_links_to_the_fourth_plans_item(client, plan5, plan4):
    initiative = plan5.initiatives.get(number=16)
    earlier = plan4.initiatives.order_by("number").first()
    initiative.carried_from.add(earlier)
    body = page(client).content.decode()
    assert f'href="/plans/4/{earlier.number}/"' in body


# Made afresh: the plan; the initiative's name; moving the cache's generation on (read, then the cache's count,
# lookup and update); the cached page; the initiative with its goals, roadmap, evaluations, indicators and their
# targets, carried-from, carried-into; the plan's rating scales and their words, its columns and its roadmap
# stages; storing the page (the cache's count, lookup and insert); the city's names; the session's savepoints.
def test_the_initiative_page_needs_a_fixed_number_of_queries(
    client, published_2025, django_assert_num_queries
):
    with django_assert_num_queries(COLD):
        page(client)
    # From the cache: the plan, the name, the cached page with the generations, the city's names.
    with django_assert_num_queries(WARM):
        page(client)


def test_years_published_before_the_status_was_kept_take_it_from_their_snapshots(published_2025, indicator):
    from importlib import import_module

    from django.apps import apps

    evaluation = Evaluation.objects.get(initiative__number=16, initiative__plan__ordinal=5, fiscal_year=2025)
    Evaluation.objects.filter(pk=evaluation.pk).update(
        stage_reached="", progress="", issues="", kpi_actuals={}
    )
    migration = import_module("reviews.migrations.0010_evaluations_published_status")
    migration.fill_from_snapshots(apps, None)
    evaluation.refresh_from_db()
    assert (evaluation.stage_reached, evaluation.progress, evaluation.issues) == (
        "実施中",
        "計画どおり",
        "高齢者への周知が課題。",
    )
    assert evaluation.kpi_actuals == {indicator.key: "980"}


def overview(client, **query):
    return client.get(reverse("initiatives:overview", args=[5]), query)


def test_the_overview_filters_by_goal_and_the_plans_columns(client, plan5):
    goal = plan5.goals.order_by("order").first()
    response = overview(client, goal=goal.code)
    numbers = [r["initiative"].number for r in response.context["rows"]]
    assert numbers == list(goal.initiatives.order_by("number").values_list("number", flat=True))
    headers = [g["label"] for g in response.context["groups"]]
    for column in plan5.columns.filter(kind__in=["mark", "choice"], is_public=True):
        assert column.header in headers
    column = plan5.columns.filter(kind="mark", is_public=True).first()
    marked = [i.number for i in plan5.initiatives.order_by("number") if i.column_values.get(column.key)]
    rows = overview(client, **{f"col-{column.key}": "1"}).context["rows"]
    assert [r["initiative"].number for r in rows] == marked


def test_the_overview_counts_by_published_progress_only(client, plan5, admin, published_2025):
    cycle = open_cycle(plan5, 2026, admin)
    record(cycle, 1, admin, **{**FY2025, "progress": "計画より遅れている"})
    response = overview(client, progress="計画どおり")
    assert [r["initiative"].number for r in response.context["rows"]] == [16]
    (progress,) = [g for g in response.context["groups"] if g["name"] == "progress"]
    counts = {c["value"]: c["count"] for c in progress["choices"]}
    assert counts["計画どおり"] == 1
    assert counts["計画より遅れている"] == 0  # saved in the 2026 survey, not published
    assert 'href="/plans/5/16/"' in response.content.decode()


def test_the_overview_ignores_a_choice_the_plan_does_not_have(client, plan5):
    response = overview(client, goal="nonexistent")
    assert len(response.context["rows"]) == plan5.initiatives.count()


# The plan; its initiatives with department, goals, roadmap, evaluations, indicators (and their targets, where
# there are any: none here), carried-from, carried-into; its goals; its columns and their choices; its rating scales and their words;
# the city's names.
def test_the_overview_needs_the_same_queries_however_many_initiatives(
    client, plan5, django_assert_num_queries
):
    from initiatives.models import Initiative

    with django_assert_num_queries(OVERVIEW):
        overview(client)
    for number in range(100, 120):
        Initiative.objects.create(plan=plan5, number=number, name=f"追加 {number}")
    with django_assert_num_queries(OVERVIEW):
        overview(client)


def test_a_fourth_plan_item_shows_its_evaluation_as_the_plan_printed_it(client, plan4):
    item = plan4.initiatives.order_by("number").first()
    evaluation = item.evaluations.order_by("fiscal_year").last()
    body = client.get(reverse("initiatives:initiative", args=[4, item.number])).content.decode()
    assert item.name in body
    assert evaluation.achievement in body and evaluation.actions[:20] in body
    assert (
        "公表された最新の結果" not in client.get(reverse("initiatives:plan_table", args=[4])).content.decode()
    )

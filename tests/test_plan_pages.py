import json

import pytest
from django.urls import reverse

from initiatives.models import Department, Indicator, IndicatorTarget, Initiative


def test_the_home_page_leads_to_the_newest_plan(client, plan5):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("initiatives:plan_table", args=[5])


def test_the_fifth_plan_page_shows_every_initiative_with_its_roadmap_in_japanese(client, plan5):
    response = client.get(reverse("initiatives:plan_table", args=[5]))
    assert response.status_code == 200
    assert response["Content-Language"] == "ja"
    html = response.content.decode()
    assert '<html lang="ja">' in html
    for year_label in ["令和4年度<br>(2022)", "令和8年度<br>(2026)"]:
        assert year_label in html
    rows = response.context["rows"]
    assert [r["initiative"].number for r in rows] == list(range(1, plan5.initiatives.count() + 1))
    # Item 2 as the document prints it: 検討 ⇒ ⇒ 実施 ⇒.
    item2 = rows[1]
    assert [c.mark_in(plan5) for _, c in item2["roadmap"]] == ["検討", "⇒", "⇒", "実施", "⇒"]
    assert '《新規》</span><a href="/plans/5/' in html and "GIS(公開型)の導入</a>" in html
    # Item 18's reading of the PDF is stated where the page shows the data.
    assert "項番 18" in html and "●が2つ" in html


def test_the_fourth_plan_page_shows_achievement_and_direction_in_words(client, plan4):
    response = client.get(reverse("initiatives:plan_table", args=[4]))
    html = response.content.decode()
    assert "令和3年度までの取組内容" in html
    row5 = next(r for r in response.context["rows"] if r["initiative"].number == 5)
    assert (row5["evaluation"].achievement, row5["evaluation"].direction) == ("達成", "取組終了")


def test_an_unknown_plan_is_not_found(client, seeded):
    assert client.get(reverse("initiatives:plan_table", args=[9])).status_code == 404


# Made afresh after a change, and from the cache (see below).
COLD, WARM = 32, 3


def test_the_plan_page_needs_the_same_queries_however_many_initiatives(
    client, plan5, django_assert_num_queries
):
    url = reverse("initiatives:plan_table", args=[5])
    # Made afresh after a change: the plan; moving the generation on (read, then the cache's count,
    # lookup and update); the cached page with the generation, in one read; goals, references, review steps; the page's count and its initiatives with department, goals,
    # roadmap, evaluations, indicators and their targets, carried-from, carried-into; the plan list; the
    # glossary; the earlier plans; whether the predecessor has initiatives; the plan's own columns; the
    # city's names; the plan's roadmap stages; storing the page (the cache's count, lookup and insert).
    indicator = Indicator.objects.create(
        initiative=plan5.initiatives.get(number=1), name="申請のオンライン化率"
    )
    IndicatorTarget.objects.create(indicator=indicator, fiscal_year=2026, target=50)
    with django_assert_num_queries(COLD):
        client.get(url)
    # From the cache: the plan, the cached page with the generations, the city's names for the header.
    with django_assert_num_queries(WARM):
        client.get(url)
    for number in range(100, 140):
        Initiative.objects.create(plan=plan5, number=number, name=f"追加 {number}")
    with django_assert_num_queries(COLD):
        client.get(url)
    with django_assert_num_queries(WARM):
        client.get(url)


def test_english_is_the_second_language(client, plan5):
    client.post(reverse("set_language"), {"language": "en", "next": "/plans/5/"})
    response = client.get(reverse("initiatives:plan_table", args=[5]))
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


def test_a_browser_set_to_english_still_gets_japanese_by_default(client, plan5):
    response = client.get(reverse("initiatives:plan_table", args=[5]), HTTP_ACCEPT_LANGUAGE="en-US,en")
    assert response["Content-Language"] == "ja"


def test_the_open_data_json_is_served_without_login(client, plan5):
    response = client.get("/open-data/plans/5.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(response.content)
    assert data["plan"] == {
        "ordinal": 5,
        "title": "第五次東大和市情報化推進計画",
        "first_fiscal_year": 2022,
        "last_fiscal_year": 2026,
        "continuation_mark": "⇒",
    }
    assert len(data["initiatives"]) == plan5.initiatives.count()


def test_the_open_data_shows_a_department_once_an_administrator_sets_it(client, plan5):
    department = Department.objects.create(name="総務部 情報管理課")
    Initiative.objects.filter(plan=plan5, number=1).update(department=department)
    data = client.get("/open-data/plans/5.json").json()
    assert data["initiatives"][0]["department"] == "総務部 情報管理課"
    assert data["initiatives"][1]["department"] is None


@pytest.mark.parametrize(("fmt", "content_type"), [("csv", "text/csv"), ("xlsx", "application/vnd.openxml")])
def test_the_plan_downloads_as_csv_and_xlsx_without_login(client, plan5, fmt, content_type):
    response = client.get(f"/open-data/plans/5.{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"] == f'attachment; filename="plan-5.{fmt}"'


def test_pages_load_nothing_from_outside_the_city_network(client, plan5):
    html = client.get(reverse("initiatives:plan_table", args=[5])).content.decode()
    assert "http://" not in html and "https://" not in html


def test_development_accounts_are_refused_outside_debug(settings, db):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("create_dev_users")


def test_the_browser_is_told_to_load_nothing_from_outside(client, plan5):
    policy = client.get(reverse("initiatives:plan_table", args=[5]))["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy

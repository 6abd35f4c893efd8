"""One initiative's page: the plan's text and roadmap, every year's entry with its history, the lineage from
the fourth plan to the fifth (and on to a draft sixth) followed both ways, and the glossary terms in place."""

import re

import pytest
from django.urls import reverse

from initiatives.models import Indicator, IndicatorTarget, Initiative, RoadmapCell
from plan.models import Plan
from reviews.cycles import start_cycle, take_step
from reviews.entries import save_entry
from reviews.models import StatusEntry
from tests.personas import make_department, make_user, open_cycle


def page_url(ordinal, number):
    return reverse("reviews:initiative", args=[ordinal, number])


def record(cycle, number, user, **values):
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=number)
    return save_entry(entry, values, user, entry.version)[0]


@pytest.fixture
def years(plan5, admin):
    """Item 3 (《新規》GIS(公開型)の導入) recorded in 2025 (compiled) and twice in 2026 (open)."""
    kikaku = make_department("企画課", plan5, numbers=[3, 19])
    previous = open_cycle(plan5, 2025, admin)
    record(previous, 3, admin, stage_reached="検討中", progress="計画より遅れている", achievement="一部達成")
    previous = take_step(previous, "compile", admin)
    cycle = open_cycle(plan5, 2026, admin)
    record(cycle, 3, admin, stage_reached="検討中", actions="公開型GISの仕様を検討した。")
    record(
        cycle,
        3,
        make_user("staff", username="joho"),
        progress="計画より遅れている",
        issues="公開するデータの個人情報の確認に時間がかかっている。",
    )
    return {"cycle": cycle, "previous": previous, "kikaku": kikaku}


def test_the_page_shows_the_plans_text_flags_goals_and_department(committee_client, years):
    response = committee_client.get(page_url(5, 3))
    assert response.status_code == 200
    html = response.content.decode()
    h1 = re.search(r"<h1>.*?</h1>", html, re.S).group()
    assert "《新規》" in h1 and "GIS(公開型)の導入" in h1
    assert "都市計画情報等の市が保有する地図データのインターネット公開を推進する" in html
    assert "第五次基本計画" in html and "第3編第3章1-3" in html
    assert re.search(r"<dt>官民データ活用</dt><dd>該当</dd>", html)
    assert re.search(r"<dt>自治体DX</dt><dd>該当しない</dd>", html)
    assert "（Ⅰ）ICTの活用により利便性を実感できる行政サービスの実現" in html
    assert "（Ⅱ）" in html and "企画課" in html


def test_the_roadmap_shows_each_year_planned_against_reached_in_words(committee_client, years):
    response = committee_client.get(page_url(5, 3))
    roadmap = response.context["roadmap"]
    assert [c["year"] for c in roadmap] == [2022, 2023, 2024, 2025, 2026]
    assert [(c["planned"].stage, c["planned"].continued) for c in roadmap] == [
        ("検討", False),
        ("検討", True),
        ("実施", False),
        ("実施", True),
        ("実施", True),
    ]
    assert [c["reached"] for c in roadmap] == ["", "", "", "検討中", "検討中"]
    assert [str(c["difference"]) for c in roadmap] == ["", "", "", "遅れ", "遅れ"]
    html = response.content.decode()
    assert "令和4年度<br>(2022)" in html and "調査なし" in html


def test_every_years_entry_is_shown_newest_first_with_its_history(committee_client, years):
    response = committee_client.get(page_url(5, 3))
    shown = response.context["years"]
    assert [y["year"] for y in shown] == [2026, 2025]
    # 2026: created with the cycle, then two saves by two people; the newest version first.
    history = shown[0]["history"]
    assert len(history) == 3
    assert history[0]["record"].history_user.username == "joho"
    assert {c.label for c in history[0]["changes"]} == {"進捗", "課題"}
    assert history[-1]["changes"] == []
    assert len(shown[1]["history"]) == 2
    html = response.content.decode()
    assert html.index('id="year-2026"') < html.index('id="year-2025"')
    assert "公開するデータの個人情報の確認に時間がかかっている。" in html
    assert "変更履歴（3件）" in html and "<details" in html
    assert reverse("reviews:entry", args=[years["cycle"].pk, 3]) in html
    assert reverse("reviews:dashboard", args=[years["previous"].pk]) in html


def test_the_lineage_is_followed_both_ways_from_the_fourth_plan_to_a_draft_sixth(
    committee_client, years, plan5, plan4
):
    sixth = Plan.objects.create(
        ordinal=6, title="第六次東大和市情報化推進計画（案）", first_fiscal_year=2027, last_fiscal_year=2031
    )
    successor = Initiative.objects.create(plan=sixth, number=4, name="電子決裁の全庁展開")
    fifth = Initiative.objects.get(plan=plan5, number=19)
    successor.carried_from.add(fifth)

    html = committee_client.get(page_url(5, 19)).content.decode()
    lineage = html[html.index('id="lineage-heading"') : html.index('id="years-heading"')]
    # The fourth plan's item it continues, with that item's final evaluation (FY2021).
    assert f'href="{page_url(4, 1)}"' in lineage
    assert "第四次東大和市情報化推進計画 項番 1「文書管理システムの導入」" in lineage
    assert "令和3年度までの取組内容" in lineage
    assert "直近で文書管理システムを導入した自治体に費用対効果を検証するための調査を実施し" in lineage
    assert "<dd>達成</dd>" in lineage and "<dd>継続</dd>" in lineage
    # And the draft sixth plan's initiative that continues it.
    assert f'href="{page_url(6, 4)}"' in lineage
    assert "第六次東大和市情報化推進計画（案） 項番 4「電子決裁の全庁展開」" in lineage

    # Back from the fourth plan's item, and back from the sixth plan's.
    html = committee_client.get(page_url(4, 1)).content.decode()
    assert f'href="{page_url(5, 19)}"' in html
    assert "第五次東大和市情報化推進計画 項番 19「文書管理・電子決裁システムの導入」" in html
    assert "令和3年度 (2021)" in html  # its own evaluation
    html = committee_client.get(page_url(6, 4)).content.decode()
    assert f'href="{page_url(5, 19)}"' in html


def test_glossary_terms_are_explained_in_place(committee_client, years):
    response = committee_client.get(page_url(5, 3))
    terms = [t.term for t in response.context["terms"]]
    assert terms == ["GIS (Geographic Information System; 地図情報システム)"]
    html = response.content.decode()
    term = response.context["terms"][0]
    # The definition sits beside the text in a <dfn> group, and each use of the term points to it.
    assert f'<div class="term" id="term-{term.pk}">' in html
    assert "<dfn>GIS (Geographic Information System; 地図情報システム)</dfn>" in html
    assert "デジタル化された地図" in html
    ref = f'<a class="term-ref" href="#term-{term.pk}" aria-describedby="term-{term.pk}-definition">GIS</a>'
    description = re.search(r'<dd class="description">(.*?)</dd>', html, re.S).group(1)
    assert description.startswith(f"公開型{ref}により都市計画情報等の市が保有する地図データ")
    assert f"公開型{ref}の仕様を検討した。" in html  # in the year's actions too


def test_a_term_in_a_later_years_actions_is_explained_too(committee_client, years, admin):
    record(years["cycle"], 3, admin, actions="庁内Wi-Fiとグループウェアで地図を共有した。")
    terms = [t.term for t in committee_client.get(page_url(5, 3)).context["terms"]]
    assert terms == [
        "グループウェア",
        "GIS (Geographic Information System; 地図情報システム)",
        "Wi-Fi(ワイファイ)",
    ]


def test_a_plan_without_a_glossary_borrows_the_newest_plans(committee_client, plan4, plan5):
    response = committee_client.get(page_url(4, 3))
    assert [t.term for t in response.context["terms"]] == ["マイナポータル"]
    html = response.content.decode()
    assert "第五次東大和市情報化推進計画の用語解説から" in html


def test_the_text_is_escaped_around_the_marked_terms(committee_client, plan5):
    hostile = "<b>GIS</b> & <script>alert(1)</script>"
    Initiative.objects.filter(plan=plan5, number=3).update(description=hostile)
    html = committee_client.get(page_url(5, 3)).content.decode()
    description = re.search(r'<dd class="description">(.*?)</dd>', html, re.S).group(1)
    assert description.startswith('&lt;b&gt;<a class="term-ref"')
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in description and "<script>" not in description


ROLES = ["admin", "staff", "committee", "department own", "department other", "none", "anonymous"]


@pytest.mark.parametrize(
    "role, expected", list(zip(ROLES, [200, 200, 200, 200, 403, 403, "login"], strict=True)), ids=ROLES
)
def test_who_may_read_an_initiative(client, years, role, expected):
    if role.startswith("department"):
        client.force_login(make_user("department", departments=[years["kikaku"]]))
    elif role != "anonymous":
        client.force_login(make_user(role))
    number = 1 if role == "department other" else 3
    response = client.get(page_url(5, number))
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected


def test_a_department_editor_sees_the_lineage_without_links_they_could_not_follow(client, years, plan5):
    client.force_login(make_user("department", departments=[years["kikaku"]]))
    html = client.get(page_url(5, 19)).content.decode()
    assert "文書管理システムの導入" in html
    assert f'href="{page_url(4, 1)}"' not in html
    assert client.get(page_url(4, 1)).status_code == 403
    # Their own entries open for editing from here; no dashboard links (the dashboard is not theirs).
    assert "令和8年度 (2026)の入力画面を開く" in client.get(page_url(5, 3)).content.decode()
    assert reverse("reviews:dashboard", args=[years["cycle"].pk]) not in html


def test_an_unknown_initiative_is_not_found(committee_client, plan5):
    assert committee_client.get(page_url(5, 99)).status_code == 404
    assert committee_client.get(page_url(9, 1)).status_code == 404


def test_the_worklist_and_the_entry_link_to_the_initiative_page(committee_client, years):
    cycle = years["cycle"]
    html = committee_client.get(reverse("reviews:worklist", args=[cycle.pk])).content.decode()
    link = f'<a class="initiative-link" href="{page_url(5, 3)}" aria-label="項番3の計画と経過">計画と経過</a>'
    assert link in html
    html = committee_client.get(reverse("reviews:entry", args=[cycle.pk, 3])).content.decode()
    assert f'href="{page_url(5, 3)}"' in html


def test_the_page_needs_the_same_queries_however_many_initiatives_and_cycles(
    committee_client, years, plan5, admin, django_assert_num_queries
):
    url = page_url(5, 19)
    # session, user, the user's groups (roles); the initiative with its plan and department, the plan's
    # references (for the 第五次基本計画 heading), goals, roadmap, evaluations, the earlier plans' items it
    # continues and their evaluations, the later plans' items that continue it; its entries with their cycles
    # and editors; all their history records in one query; the glossary.
    # … the plan's own columns, shown as the initiative's facts; the city's names (page header); the plan's
    # rating scales with their words (the names of the ratings, which words say late); the initiative's
    # indicators and their targets (each year's actuals against them); the plan's roadmap stages; the user's
    # unread notifications (page header).
    indicator = Indicator.objects.create(
        initiative=plan5.initiatives.get(number=19), name="電子決裁率", unit="％"
    )
    IndicatorTarget.objects.create(indicator=indicator, fiscal_year=2024, target=50)
    expected = 22
    with django_assert_num_queries(expected):
        assert committee_client.get(url).status_code == 200

    for number in range(100, 140):
        initiative = Initiative.objects.create(plan=plan5, number=number, name=f"追加 {number}")
        RoadmapCell.objects.create(initiative=initiative, fiscal_year=2024, stage="実施")
    for year in (2022, 2023, 2024):
        cycle = start_cycle(plan5, year, admin)
        take_step(cycle, "open", admin)
        record(cycle, 19, admin, stage_reached="実施中", actions=f"{year}年度の取組")
        record(cycle, 19, admin, achievement="一部達成")
    with django_assert_num_queries(expected):
        response = committee_client.get(url)
    assert [y["year"] for y in response.context["years"]] == [2026, 2025, 2024, 2023, 2022]
    assert [len(y["history"]) for y in response.context["years"]] == [1, 1, 3, 3, 3]

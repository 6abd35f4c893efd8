"""The committee's dashboard of a review cycle: counts and shares, what is late and why, the roadmap matrix,
breakdowns, the trend across the plan's cycles, and a link from every number to the entries behind it.

The fixture records a handful of entries by hand, so every expected number below can be counted on fingers.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from initiatives.models import Initiative, RoadmapCell
from plan.models import Goal
from reviews.cycles import start_cycle, take_step
from reviews.entries import save_entry
from reviews.models import StatusEntry
from tests.personas import make_department, make_user, open_cycle

AHEAD, ON_PLAN, BEHIND = "計画より進んでいる", "計画どおり", "計画より遅れている"


def record(cycle, number, user, **values):
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=number)
    save_entry(entry, values, user, entry.version)


@pytest.fixture
def survey(plan5, admin):
    """令和7年度 (2025), compiled, and 令和8年度 (2026), open, of the fifth plan, with a few entries.

    In 2026 the roadmap plans 実施 for every initiative except 8 (ICT-BCPの策定, 検討 throughout), so:
      1  実施中 計画どおり 達成    (done)     goals Ⅰ Ⅱ, 官民データ活用, 自治体DX
      3  検討中 計画より遅れている 未達成 (done) goals Ⅰ Ⅱ, 官民データ活用, 企画課
      8  実施中 計画より進んでいる 一部達成 (in progress) goals Ⅰ Ⅱ
      16 未着手 計画より遅れている —    (in progress) goal Ⅲ, 企画課
    and the other 22 are not entered. 2025 has 1 達成 / 計画どおり and 2 一部達成 / 計画より遅れている.
    """
    kikaku = make_department("企画課", plan5, numbers=[3, 16])
    previous = open_cycle(plan5, 2025, admin)
    record(previous, 1, admin, stage_reached="実施中", progress=ON_PLAN, achievement="達成")
    record(previous, 2, admin, stage_reached="検討中", progress=BEHIND, achievement="一部達成")
    record(previous, 3, admin, stage_reached="検討中", progress=BEHIND, achievement="一部達成")
    previous = take_step(previous, "compile", admin)

    cycle = open_cycle(plan5, 2026, admin)
    done = {"actions": "取り組んだ。", "direction": "継続"}
    record(cycle, 1, admin, stage_reached="実施中", progress=ON_PLAN, achievement="達成", **done)
    record(
        cycle,
        3,
        admin,
        stage_reached="検討中",
        progress=BEHIND,
        achievement="未達成",
        issues="公開するデータの個人情報の確認に時間がかかっている。",
        **done,
    )
    record(cycle, 8, admin, stage_reached="実施中", progress=AHEAD, achievement="一部達成")
    record(cycle, 16, admin, stage_reached="未着手", progress=BEHIND, issues="担当者の異動で着手が遅れた。")
    return {"cycle": cycle, "previous": previous, "kikaku": kikaku, "url": dashboard_url(cycle)}


def dashboard_url(cycle):
    return reverse("reviews:dashboard", args=[cycle.pk])


def counts(block):
    return {c["label"]: (c["count"], c["share"]) for c in block["counts"]}


def words(rows):
    return {c["label"]: c["count"] for c in rows}


def query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def shown_numbers(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return sorted(row.record.initiative.number for row in response.context["table"].rows)


def test_the_headline_counts_each_achievement_progress_and_state_with_its_share(committee_client, survey):
    response = committee_client.get(survey["url"])
    assert response.status_code == 200
    achievement, progress, state = response.context["headline"]
    assert response.context["total"] == 26
    assert counts(achievement) == {
        "達成": (1, 3.8),
        "一部達成": (1, 3.8),
        "未達成": (1, 3.8),
        "未入力": (23, 88.5),
    }
    assert counts(progress) == {
        AHEAD: (1, 3.8),
        ON_PLAN: (1, 3.8),
        BEHIND: (2, 7.7),
        "評価できない": (0, 0.0),
        "未入力": (22, 84.6),
    }
    assert counts(state) == {
        "未入力": (22, 84.6),
        "入力中": (4, 15.4),
        "提出済": (0, 0.0),
        "確認済": (0, 0.0),
        "差戻し": (0, 0.0),
    }


def test_every_headline_count_links_to_the_worklist_showing_exactly_those_entries(committee_client, survey):
    response = committee_client.get(survey["url"])
    worklist = reverse("reviews:worklist", args=[survey["cycle"].pk])
    for block in response.context["headline"]:
        for c in block["counts"]:
            assert c["url"].startswith(worklist + "?")
            assert query(c["url"]) == {block["id"]: c["word"] or "未入力"}
            assert len(shown_numbers(committee_client, c["url"])) == c["count"], c["url"]
    html = response.content.decode()
    assert f'href="{worklist}?achievement=%E9%81%94%E6%88%90"' in html  # 達成, as the page writes it


def test_the_late_come_first_with_planned_and_reached_stage_and_the_issue(committee_client, survey):
    response = committee_client.get(survey["url"])
    late = response.context["late"]
    assert [item["initiative"].number for item in late] == [3, 16]
    assert [item["planned"].stage for item in late] == ["実施", "実施"]
    assert [item["entry"].stage_reached for item in late] == ["検討中", "未着手"]
    html = response.content.decode()
    # The first screen: the counts, then the late beside the contradicted; the rest below.
    order = ("counts", "late", "contradicted", "charts", "matrix", "breakdown", "trend")
    headings = [html.index(f'<h2 id="{h}-heading"') for h in order]
    assert headings == sorted(headings)
    late_html = html[html.index('id="late-heading"') : html.index('id="contradicted-heading"')]
    assert "計画より遅れている個別計画（2件）" in late_html
    assert "公開するデータの個人情報の確認に時間がかかっている。" in late_html
    assert "担当者の異動で着手が遅れた。" in late_html
    assert "企画課" in late_html and "検討中" in late_html and "未着手" in late_html
    assert reverse("reviews:initiative", args=[5, 3]) in late_html


def test_the_matrix_names_the_difference_from_the_roadmap_in_words(committee_client, survey):
    response = committee_client.get(survey["url"])
    matrix = {row["initiative"].number: row for row in response.context["matrix"]}
    assert len(matrix) == 26
    assert [c["year"] for c in matrix[1]["cells"]] == [2022, 2023, 2024, 2025, 2026]

    def cell(number, year):
        return next(c for c in matrix[number]["cells"] if c["year"] == year)

    assert (cell(3, 2026)["difference"], cell(3, 2026)["reached"]) == ("遅れ", "検討中")
    assert (cell(8, 2026)["difference"], cell(8, 2026)["planned"].stage) == ("前倒し", "検討")
    assert cell(1, 2026)["difference"] == "計画どおり"
    assert cell(2, 2025)["difference"] == "遅れ"
    # A year without a survey shows the roadmap only; an entry not yet made says so.
    assert cell(3, 2022)["cycle"] is None and cell(3, 2022)["planned"].stage == "検討"
    assert cell(5, 2026)["entry"] is not None and cell(5, 2026)["difference"] == ""

    html = response.content.decode()
    row = re.search(r'<tr id="matrix-3">.*?</tr>', html, re.S).group()
    assert row.count("遅れ") == 2  # 2025 and 2026, in words
    assert reverse("reviews:initiative", args=[5, 3]) + "#year-2026" in row
    row = re.search(r'<tr id="matrix-8">.*?</tr>', html, re.S).group()
    assert "前倒し" in row


def test_breakdowns_by_goal_flag_and_department(committee_client, survey, plan5):
    response = committee_client.get(survey["url"])
    rows = {b["label"]: b for b in response.context["breakdowns"]}
    assert list(rows) == [
        "目標（Ⅰ）",
        "目標（Ⅱ）",
        "目標（Ⅲ）",
        "官民データ活用",
        "自治体DX",
        "企画課",
        "担当課（未設定）",
    ]
    goal_1 = rows["目標（Ⅰ）"]
    assert goal_1["count"] == 9
    assert words(goal_1["achievement"]) == {"達成": 1, "一部達成": 1, "未達成": 1, "未入力": 6}
    assert words(goal_1["progress"]) == {AHEAD: 1, ON_PLAN: 1, BEHIND: 1, "評価できない": 0, "未入力": 6}
    assert rows["目標（Ⅲ）"]["count"] == 17
    assert words(rows["目標（Ⅲ）"]["progress"])[BEHIND] == 1
    assert rows["官民データ活用"]["count"] == 10
    assert words(rows["官民データ活用"]["achievement"]) == {
        "達成": 1,
        "一部達成": 0,
        "未達成": 1,
        "未入力": 8,
    }
    assert rows["自治体DX"]["count"] == 6
    assert words(rows["自治体DX"]["achievement"])["達成"] == 1
    assert rows["企画課"]["count"] == 2
    assert words(rows["企画課"]["progress"])[BEHIND] == 2
    assert rows["担当課（未設定）"]["count"] == 24

    goal = Goal.objects.get(plan=plan5, code="I")
    assert query(goal_1["url"]) == {"goal": str(goal.pk)}
    assert query(rows["官民データ活用"]["url"]) == {"public_private_data": "1"}
    assert query(rows["企画課"]["url"]) == {"department": str(survey["kikaku"].pk)}
    assert query(rows["担当課（未設定）"]["url"]) == {"department": "null"}


def test_breakdown_links_carry_both_filters_and_lead_to_the_same_entries(committee_client, survey):
    response = committee_client.get(survey["url"])
    for b in response.context["breakdowns"]:
        assert len(shown_numbers(committee_client, b["url"])) == b["count"], b["url"]
        for c in [*b["achievement"], *b["progress"]]:
            if c["count"]:
                assert len(shown_numbers(committee_client, c["url"])) == c["count"], c["url"]
    rows = {b["label"]: b for b in response.context["breakdowns"]}
    behind = next(c for c in rows["企画課"]["progress"] if c["word"] == BEHIND)
    assert query(behind["url"]) == {"department": str(survey["kikaku"].pk), "progress": BEHIND}
    assert shown_numbers(committee_client, behind["url"]) == [3, 16]


def test_the_trend_shows_each_cycle_of_the_plan_oldest_first(committee_client, survey):
    response = committee_client.get(survey["url"])
    trend = response.context["trend"]
    assert [t["cycle"].fiscal_year for t in trend] == [2025, 2026]
    assert words(trend[0]["achievement"]) == {"達成": 1, "一部達成": 2, "未達成": 0, "未入力": 23}
    assert words(trend[0]["progress"]) == {AHEAD: 0, ON_PLAN: 1, BEHIND: 2, "評価できない": 0, "未入力": 23}
    assert words(trend[1]["achievement"]) == {"達成": 1, "一部達成": 1, "未達成": 1, "未入力": 23}
    partly_2025 = next(c for c in trend[0]["achievement"] if c["word"] == "一部達成")
    assert partly_2025["share"] == 7.7
    worklist_2025 = reverse("reviews:worklist", args=[survey["previous"].pk])
    assert partly_2025["url"] == f"{worklist_2025}?achievement=%E4%B8%80%E9%83%A8%E9%81%94%E6%88%90"
    assert shown_numbers(committee_client, partly_2025["url"]) == [2, 3]
    html = response.content.decode()
    assert "令和7年度 (2025)" in html and "令和8年度 (2026)" in html
    # The earlier year's dashboard is one click away, and shows the same trend.
    assert dashboard_url(survey["previous"]) in html
    earlier = committee_client.get(dashboard_url(survey["previous"]))
    assert [t["cycle"].fiscal_year for t in earlier.context["trend"]] == [2025, 2026]
    assert [item["initiative"].number for item in earlier.context["late"]] == [2, 3]


def test_the_charts_are_inline_svg_that_name_every_part_in_text(committee_client, survey):
    html = committee_client.get(survey["url"]).content.decode()
    charts = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(charts) == 7  # three headline axes, two breakdowns, two trends
    for chart in charts:
        assert 'role="img"' in chart and "<title" in chart and "<desc" in chart
    achievement = next(c for c in charts if 'id="chart-achievement-title"' in c)
    assert "達成 1件（3.8%）" in achievement and "未入力 23件（88.5%）" in achievement
    assert ">未入力 23<" in achievement  # written on the bar itself where it fits
    assert ">26件<" in achievement
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")


def test_the_dashboard_of_another_plan_follows_that_plans_own_years_and_items(committee_client, plan4, admin):
    cycle = open_cycle(plan4, 2021, admin)
    record(cycle, 1, admin, stage_reached="完了", progress=ON_PLAN, achievement="達成")
    response = committee_client.get(dashboard_url(cycle))
    assert [y["year"] for y in response.context["years"]] == [2019, 2020, 2021]
    assert len(response.context["matrix"]) == 17
    assert response.context["total"] == 17
    assert counts(response.context["headline"][0])["達成"] == (1, 5.9)


def test_the_worklist_and_the_cycle_list_link_to_the_dashboard(committee_client, survey):
    worklist = reverse("reviews:worklist", args=[survey["cycle"].pk])
    assert survey["url"] in committee_client.get(worklist).content.decode()
    assert survey["url"] in committee_client.get(reverse("reviews:cycle_list")).content.decode()


ROLES = ["admin", "staff", "committee", "department", "none", "anonymous"]


@pytest.mark.parametrize(
    "role, expected", list(zip(ROLES, [200, 200, 200, 403, 403, "login"], strict=True)), ids=ROLES
)
def test_who_may_read_the_dashboard(client, survey, role, expected):
    if role != "anonymous":
        client.force_login(make_user(role, departments=[survey["kikaku"]] if role == "department" else ()))
    response = client.get(survey["url"])
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected


def test_a_department_editor_sees_no_dashboard_link_they_could_not_follow(client, survey):
    client.force_login(make_user("department", departments=[survey["kikaku"]]))
    worklist = reverse("reviews:worklist", args=[survey["cycle"].pk])
    assert survey["url"] not in client.get(worklist).content.decode()
    assert survey["url"] not in client.get(reverse("reviews:cycle_list")).content.decode()


def test_an_unknown_cycle_is_not_found(committee_client, survey):
    assert committee_client.get(reverse("reviews:dashboard", args=[999_999])).status_code == 404


def test_the_dashboard_needs_the_same_queries_however_many_initiatives_and_cycles(
    committee_client, survey, plan5, admin, django_assert_num_queries
):
    # session, user, the user's groups (roles), the cycle with its plan; the plan's initiatives with their
    # department, their goals, their roadmap; the plan's goals; the plan's cycles; every entry of those cycles.
    # … the plan's own columns with their choices, which the breakdowns follow; the city's names (page header);
    # the plan's rating scales with their words, which the counts follow; the plan's roadmap stages, which
    # 自己評価と年次計画の差 compares the stage reached along; the user's unread
    # notifications (page header). Made afresh after a change, the page also moves
    # the two generations on (a read and the cache's count, lookup and update each), reads itself with them,
    # and stores itself (count, lookup, insert).
    expected = 16 + 19
    with django_assert_num_queries(expected):
        response = committee_client.get(survey["url"])
    assert response.status_code == 200
    # From the cache: session, user, roles, the cycle, the page with its generations, the city's names,
    # the unread notifications.
    warm = 7
    with django_assert_num_queries(warm):
        committee_client.get(survey["url"])

    goals = list(Goal.objects.filter(plan=plan5))
    extra = make_department("追加課")
    for number in range(100, 140):
        initiative = Initiative.objects.create(
            plan=plan5, number=number, name=f"追加の個別計画 {number}", department=extra
        )
        initiative.goals.set(goals[: 1 + number % len(goals)])
        for year in plan5.fiscal_years:
            RoadmapCell.objects.create(initiative=initiative, fiscal_year=year, stage="実施")
        entry = StatusEntry.objects.create(cycle=survey["cycle"], initiative=initiative)
        save_entry(entry, {"stage_reached": "検討中", "progress": BEHIND, "achievement": "未達成"}, admin, 0)
    start_cycle(plan5, 2024, admin)  # one more cycle, with an entry for every initiative
    with django_assert_num_queries(expected):
        response = committee_client.get(survey["url"])
    assert response.context["total"] == 66
    assert len(response.context["late"]) == 42
    assert [t["cycle"].fiscal_year for t in response.context["trend"]] == [2024, 2025, 2026]
    assert "追加の個別計画 139" in response.content.decode()
    with django_assert_num_queries(warm):
        assert "追加の個別計画 139" in committee_client.get(survey["url"]).content.decode()


# --- 自己評価と年次計画の差 -------------------------------------------------------------------------------


def test_the_contradicted_are_listed_beside_the_late_with_both_words_and_the_reason(
    committee_client, survey, admin
):
    # 5 is still studying what the roadmap plans to implement in 2026, and says it is on plan.
    reason = "準備は予定どおり終えており、実質的には計画どおりと判断した。"
    record(
        survey["cycle"],
        5,
        admin,
        stage_reached="検討中",
        progress=ON_PLAN,
        achievement="一部達成",
        progress_reason=reason,
    )
    response = committee_client.get(survey["url"])
    (item,) = response.context["contradicted"]
    assert (item["number"], item["given"], item["roadmap"], item["reason"]) == (5, ON_PLAN, BEHIND, reason)
    assert response.context["contradicted_count"] == 1
    html = response.content.decode()
    listed = html[html.index('id="contradicted-heading"') : html.index('id="charts-heading"')]
    assert "自己評価と年次計画の差がある個別計画（1件）" in listed
    assert "計画どおり（年次計画では 計画より遅れている）" in listed and reason in listed
    assert reverse("reviews:entry", args=[survey["cycle"].pk, 5]) in listed
    # In the matrix, the year's cell says what the roadmap gives beside the word the department gave.
    row = re.search(r'<tr id="matrix-5">.*?</tr>', html, re.S).group()
    assert "計画どおり" in row and "年次計画では 遅れ" in row
    assert "年次計画では" not in re.search(r'<tr id="matrix-3">.*?</tr>', html, re.S).group()


def test_no_contradiction_is_said_so(committee_client, survey):
    response = committee_client.get(survey["url"])
    assert response.context["contradicted"] == []
    assert "自己評価と年次計画の差がある個別計画はありません。" in response.content.decode()

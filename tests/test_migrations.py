"""Existing databases migrate in place: what was recorded before a migration is there after it."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_report_published_before_files_were_stored_gets_its_files_from_its_snapshot():
    old = migrate([("reviews", "0003_text_length_limits"), ("plan", "0007_city_settings")])
    plan = old.get_model("plan", "Plan").objects.create(ordinal=9, title="試験の計画")
    cycle = old.get_model("reviews", "ReviewCycle").objects.create(
        plan=plan, fiscal_year=2024, state="公開済"
    )
    report = {
        "title": "試験の計画 進捗状況報告 令和6年度 (2024)",
        "plan_title": "試験の計画",
        "fiscal_year_label": "令和6年度 (2024)",
        "rows": [],
        "summary": {
            "achievement": [],
            "progress": [],
            "direction": [],
            "state": [],
            "late": [],
            "by_goal": [],
            "by_flag": [],
        },
        "committee": {"date": None, "comment": ""},
        "headquarters": {"date": None, "comment": ""},
    }
    open_data = {
        "plan": {"ordinal": 9, "title": "試験の計画", "first_fiscal_year": 2024, "last_fiscal_year": 2024},
        "goals": [],
        "initiatives": [],
    }
    old.get_model("reviews", "Publication").objects.create(cycle=cycle, report=report, open_data=open_data)

    new = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    files = new.get_model("reviews", "PublishedFile").objects.all()
    assert sorted(f.format for f in files) == ["csv", "html", "json", "pdf", "xlsx"]
    assert bytes(files.get(format="pdf").content).startswith(b"%PDF")
    assert "試験の計画 進捗状況報告 令和6年度 (2024)" in bytes(files.get(format="html").content).decode()


@pytest.mark.django_db(transaction=True)
def test_groups_of_a_database_from_before_role_permissions_keep_their_roles():
    old = migrate([("reviews", "0004_published_files")])
    Group = old.get_model("auth", "Group")
    User = old.get_model("auth", "User")
    staff_group = Group.objects.get_or_create(name="情報管理課")[0]
    user = User.objects.create(username="clerk")
    user.groups.add(staff_group)

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from django.contrib.auth import get_user_model

    from reviews.roles import Role, roles_of

    assert roles_of(get_user_model().objects.get(username="clerk")) == {Role.STAFF}


@pytest.mark.django_db(transaction=True)
def test_the_fifth_plans_columns_become_its_definition_with_every_value_and_its_history():
    old = migrate([("initiatives", "0005_history"), ("plan", "0005_management_step")])
    Plan = old.get_model("plan", "Plan")
    Initiative = old.get_model("initiatives", "Initiative")
    HistoricalInitiative = old.get_model("initiatives", "HistoricalInitiative")
    fifth = Plan.objects.create(ordinal=5, title="第五次東大和市情報化推進計画")
    old.get_model("plan", "PlanReference").objects.create(
        plan=fifth, order=1, relation="上位計画", name="東大和市第五次基本計画"
    )
    fourth = Plan.objects.create(ordinal=4, title="第四次東大和市情報化推進計画")
    Plan.objects.create(ordinal=3, title="第三次の計画（個別計画なし）")
    marked = Initiative.objects.create(
        plan=fifth,
        number=1,
        name="行政手続きのオンライン化",
        basic_plan_section="第3編第3章1-3",
        public_private_data=True,
        municipal_dx=True,
    )
    old.get_model("initiatives", "RoadmapCell").objects.create(
        initiative=marked, fiscal_year=2022, stage="検討"
    )
    plain = Initiative.objects.create(plan=fifth, number=2, name="印のない個別計画")
    Initiative.objects.create(plan=fourth, number=1, name="第四次の項目")
    HistoricalInitiative.objects.create(
        id=marked.pk,
        plan=fifth,
        number=1,
        name="旧名",
        public_private_data=True,
        history_type="~",
        history_date="2024-04-01T09:00:00+09:00",
    )

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from initiatives.models import Initiative as NewInitiative
    from plan.models import PlanColumn

    columns = PlanColumn.objects.filter(plan__ordinal=5).order_by("position")
    assert [(c.key, c.header, c.kind, c.in_table) for c in columns] == [
        ("basic_plan_section", "第五次基本計画", "reference", True),
        ("public_private_data", "官民データ活用", "mark", True),
        ("municipal_dx", "自治体DX", "mark", True),
    ]
    # The fourth plan keeps the keys its open data always had, outside its table; a plan without
    # initiatives gets no columns.
    assert [c.in_table for c in PlanColumn.objects.filter(plan__ordinal=4)] == [False, False, False]
    assert not PlanColumn.objects.filter(plan__ordinal=3).exists()
    assert NewInitiative.objects.get(pk=marked.pk).column_values == {
        "basic_plan_section": "第3編第3章1-3",
        "public_private_data": True,
        "municipal_dx": True,
    }
    assert NewInitiative.objects.get(pk=plain.pk).column_values == {}
    history = NewInitiative.history.get(name="旧名")
    assert history.column_values == {"public_private_data": True}


@pytest.mark.django_db(transaction=True)
def test_an_existing_database_gets_the_city_names_its_pages_printed():
    old = migrate([("plan", "0006_plan_columns")])
    old.get_model("plan", "Plan").objects.create(ordinal=5, title="第五次東大和市情報化推進計画")

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from plan.models import CitySettings

    city = CitySettings.current()
    assert (city.city, city.committee_name) == ("東大和市", "東大和市情報システム委員会")


@pytest.mark.django_db(transaction=True)
def test_the_survey_words_become_each_plans_scales_and_the_kpis_its_initiatives_indicators():
    old = migrate(
        [
            ("reviews", "0005_role_permissions"),
            ("plan", "0007_city_settings"),
            ("initiatives", "0007_import_profile"),
        ]
    )
    Plan = old.get_model("plan", "Plan")
    Initiative = old.get_model("initiatives", "Initiative")
    ReviewCycle = old.get_model("reviews", "ReviewCycle")
    StatusEntry = old.get_model("reviews", "StatusEntry")
    HistoricalStatusEntry = old.get_model("reviews", "HistoricalStatusEntry")
    fifth = Plan.objects.create(ordinal=5, title="第五次東大和市情報化推進計画")
    Plan.objects.create(ordinal=3, title="第三次の計画（個別計画なし）")
    online = Initiative.objects.create(plan=fifth, number=1, name="行政手続きのオンライン化")
    other = Initiative.objects.create(plan=fifth, number=2, name="指標のない個別計画")
    entries = []
    for year, actual in ((2022, "12.50"), (2023, "30.00")):
        cycle = ReviewCycle.objects.create(plan=fifth, fiscal_year=year, state="調査中")
        entries.append(
            StatusEntry.objects.create(
                cycle=cycle,
                initiative=online,
                progress="計画どおり",
                achievement="一部達成",
                direction="継続",
                kpi_name="オンライン申請の割合",
                kpi_unit="%",
                kpi_target="50",
                kpi_actual=actual,
                version=1,
            )
        )
        StatusEntry.objects.create(cycle=cycle, initiative=other, achievement="達成")
    HistoricalStatusEntry.objects.create(
        id=entries[0].pk,
        cycle=entries[0].cycle,
        initiative=online,
        kpi_name="オンライン申請の割合",
        kpi_actual="10.00",
        version=0,
        history_type="+",
        history_date="2022-10-01T09:00:00+09:00",
    )
    published = ReviewCycle.objects.create(plan=fifth, fiscal_year=2024, state="公開済")
    old.get_model("reviews", "Publication").objects.create(
        cycle=published, report={"title": "公開した報告", "rows": []}, open_data={}
    )

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from initiatives.models import Indicator
    from plan.models import RatingScale
    from reviews.models import Publication
    from reviews.models import StatusEntry as NewEntry

    scales = {s.role: (s.name, s.values) for s in RatingScale.objects.filter(plan__ordinal=5)}
    assert scales == {
        "progress": ("進捗", ["計画より進んでいる", "計画どおり", "計画より遅れている", "評価できない"]),
        "achievement": ("達成状況", ["達成", "一部達成", "未達成"]),
        "direction": ("今後の方向性", ["継続", "拡充", "見直し", "取組終了"]),
    }
    assert not RatingScale.objects.filter(plan__ordinal=3).exists()
    from plan.models import Plan as NewPlan

    plan = NewPlan.objects.get(ordinal=5)
    assert [(s.word, s.reached) for s in plan.roadmap_stages] == [("検討", "検討中"), ("実施", "実施中")]
    assert (plan.continuation_mark, plan.reached_words) == (
        "⇒",
        ["未着手", "検討中", "実施中", "完了", "中止"],
    )
    [indicator] = Indicator.objects.all()
    assert (indicator.initiative_id, indicator.name, indicator.unit) == (
        online.pk,
        "オンライン申請の割合",
        "%",
    )
    assert [(t.fiscal_year, t.target) for t in indicator.targets.order_by("fiscal_year")] == [
        (2022, Decimal("50.00")),
        (2023, Decimal("50.00")),
    ]
    assert [NewEntry.objects.get(pk=e.pk).kpi_actuals for e in entries] == [
        {str(indicator.pk): "12.50"},
        {str(indicator.pk): "30.00"},
    ]
    assert NewEntry.objects.get(pk=entries[0].pk).achievement == "一部達成"
    assert NewEntry.history.get(id=entries[0].pk, version=0).kpi_actuals == {str(indicator.pk): "10.00"}
    report = Publication.objects.get().report
    assert report["ratings"] == {"progress": "進捗", "achievement": "達成状況", "direction": "今後の方向性"}
    assert (report["behind"], report["title"]) == ("計画より遅れている", "公開した報告")

"""A plan words its survey's ratings itself (rating scales) and measures its initiatives by indicators (KPIs):
the fifth plan keeps its words, a plan from the 浜松市DX preset rates A–D against yearly targets, a plan from the
群馬県 preset rates A–D from baseline to target, and every screen and file of the survey follows."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from initiatives.models import Indicator, IndicatorTarget, Initiative, RoadmapCell
from plan.definitions import add_columns, add_roadmap, add_scales, presets
from plan.models import Plan
from reviews import scales
from reviews import survey_workbooks as workbooks
from reviews.entries import save_entry
from reviews.models import StatusEntry
from reviews.reports import cycle_report
from tests.personas import make_department, open_cycle
from tests.test_entry_editing import worklist_row

YEAR = 2027


def plan_from_preset(key, predecessor):
    """A sixth plan drafted from a preset: three initiatives planned 実施 in 2027, each with an indicator."""
    preset = presets()[key]
    plan = Plan.objects.create(
        ordinal=6,
        title="第六次東大和市情報化推進計画",
        first_fiscal_year=YEAR,
        last_fiscal_year=YEAR + 4,
        adopted="令和9年3月",
        predecessor=predecessor,
    )
    add_columns(plan, preset["columns"])
    add_scales(plan, preset["scales"])
    add_roadmap(plan, preset["roadmap"])
    for number in (1, 2, 3):
        initiative = Initiative.objects.create(plan=plan, number=number, name=f"取組 {number}")
        RoadmapCell.objects.create(initiative=initiative, fiscal_year=YEAR, stage="実施")
    return Plan.objects.get(pk=plan.pk)


def indicator(plan, number, target, **fields):
    made = Indicator.objects.create(
        initiative=plan.initiatives.get(number=number), name=f"指標 {number}", **fields
    )
    IndicatorTarget.objects.create(indicator=made, fiscal_year=YEAR, target=target)
    return made


def entry_of(cycle, number):
    return StatusEntry.objects.get(cycle=cycle, initiative__number=number)


def post_entry(client, cycle, number, **values):
    entry = entry_of(cycle, number)
    data = dict.fromkeys((f for f in StatusEntry.EDITABLE_FIELDS if f != "kpi_actuals"), "")
    data |= {"based_on_version": entry.version, **values}
    return client.post(reverse("reviews:entry", args=[cycle.pk, number]), data)


# --- The shipped scales ---------------------------------------------------------------------------------


def test_the_fourth_and_fifth_plans_rate_in_the_words_they_always_had(plan4, plan5):
    for plan in (plan4, plan5):
        assert {role: (s.name, s.values) for role, s in plan.rating_scales.items()} == {
            "progress": ("進捗", ["計画より進んでいる", "計画どおり", "計画より遅れている", "評価できない"]),
            "achievement": ("達成状況", ["達成", "一部達成", "未達成"]),
            "direction": ("今後の方向性", ["継続", "拡充", "見直し", "取組終了"]),
        }
    assert [w for w in plan5.scale("direction").values if plan5.scale("direction").carries_on(w)] == [
        "継続",
        "拡充",
    ]
    assert not any(w.min_rate is not None for s in plan5.rating_scales.values() for w in s.words.all())


def test_every_preset_words_all_three_ratings():
    for preset in presets().values():
        assert sorted(s["role"] for s in preset["scales"]) == ["achievement", "direction", "progress"]
        for scale in preset["scales"]:
            assert len({w["word"] for w in scale["words"]}) == len(scale["words"]) >= 3


# --- 達成率 -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "target", "actual", "rate"),
    [
        ({}, 80, 60, Decimal(75)),  # higher is better: actual ÷ target
        ({"lower_is_better": True}, 30, 60, Decimal(50)),  # lower is better: target ÷ actual
        ({"baseline": 10}, 20, 15, Decimal(50)),  # halfway from the baseline to the target
        ({"baseline": 60, "lower_is_better": True}, 30, 45, Decimal(50)),  # down from 60 to 45 of 30
        ({"baseline": 10}, 20, 5, Decimal(-50)),  # went back
        ({}, 0, 5, None),  # nothing to divide by
        ({}, 80, None, None),  # no actual yet
        ({}, None, 5, None),  # no target this year
        ({"lower_is_better": True}, 30, 0, None),
    ],
)
def test_the_achievement_rate_reads_the_indicators_direction_and_baseline(fields, target, actual, rate):
    measured = Indicator(name="x", **{k: Decimal(v) if k == "baseline" else v for k, v in fields.items()})
    assert measured.rate(target, actual) == rate


# --- A 浜松市DX-style plan: A–D against the year's targets --------------------------------------------------


@pytest.fixture
def hamamatsu(plan5):
    return plan_from_preset("hamamatsu", plan5)


@pytest.mark.parametrize(
    ("actual", "stage_reached", "word"),
    [
        ("120", "実施中", "A"),  # above the target
        ("100", "実施中", "B"),  # on the target
        ("50", "実施中", "C"),  # below it
        ("", "未着手", "C"),  # no actual: the roadmap says behind, the scale's word for behind is C
        ("", "実施中", "B"),
        ("", "中止", "D"),  # 評価できない
    ],
)
def test_the_progress_rating_is_proposed_from_the_kpi_then_from_the_roadmap(
    client, hamamatsu, admin, staff, actual, stage_reached, word
):
    cycle = open_cycle(hamamatsu, YEAR, admin)
    measured = indicator(hamamatsu, 1, 100)
    client.force_login(staff)
    response = post_entry(client, cycle, 1, stage_reached=stage_reached, **{f"kpi_{measured.pk}": actual})
    assert response.status_code == 302
    saved = entry_of(cycle, 1)
    assert saved.progress == word
    assert saved.kpi_actuals == ({str(measured.pk): f"{actual}.00"} if actual else {})


def test_the_form_offers_the_plans_words_under_its_names_and_refuses_others(client, hamamatsu, admin, staff):
    cycle = open_cycle(hamamatsu, YEAR, admin)
    client.force_login(staff)
    page = client.get(reverse("reviews:entry", args=[cycle.pk, 1]))
    form = page.context["form"]
    assert form["progress"].label == "評価"
    assert [value for value, _label in form.fields["progress"].choices] == ["", "A", "B", "C", "D"]
    assert form.fields["direction"].choices[-1] == ("終了", "終了")

    response = post_entry(client, cycle, 1, progress="計画どおり", direction="取組終了")
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"progress", "direction"}
    assert entry_of(cycle, 1).version == 0


def test_the_worklist_dashboard_and_report_count_in_the_plans_words(client, hamamatsu, admin, staff):
    cycle = open_cycle(hamamatsu, YEAR, admin)
    for number, progress in ((1, "A"), (2, "C"), (3, "C")):
        save_entry(entry_of(cycle, number), {"stage_reached": "実施中", "progress": progress}, staff, 0)

    report = cycle_report(cycle)
    assert report["ratings"] == {"progress": "評価", "achievement": "達成状況", "direction": "今後の方向性"}
    assert report["behind"] == "C"
    assert [(c["word"], c["count"]) for c in report["summary"]["progress"]] == [
        ("A", 1),
        ("B", 0),
        ("C", 2),
        ("D", 0),
    ]
    assert [r["number"] for r in report["summary"]["late"]] == [2, 3]

    client.force_login(staff)
    worklist = client.get(reverse("reviews:worklist", args=[cycle.pk]), {"progress": "C"})
    assert [r.record.initiative.number for r in worklist.context["table"].rows] == [2, 3]
    assert worklist.context["filter"].form.fields["progress"].label == "評価"
    dashboard = client.get(reverse("reviews:dashboard", args=[cycle.pk])).content.decode()
    assert "評価（年次計画との比較）" in dashboard
    html = client.get(reverse("reviews:report", args=[cycle.pk])).content.decode()
    assert "年次計画に対する評価" in html
    assert '<th scope="col">C</th>' in html  # the late column, in the plan's word for late


def test_the_workbook_offers_the_plans_words_and_reads_the_actuals(client, hamamatsu, admin, staff):
    department = make_department("総務課", hamamatsu, numbers=[1, 2, 3])
    cycle = open_cycle(hamamatsu, YEAR, admin)
    measured = indicator(hamamatsu, 2, 40, unit="件")
    client.force_login(staff)
    data = client.get(reverse("reviews:workbook_download", args=[cycle.pk, department.pk])).content
    book = load_workbook(io.BytesIO(data))
    sheet = book[workbooks.SURVEY_SHEET]
    assert [c.value for c in sheet[workbooks.HEADER_ROW]][4] == "評価"
    validations = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert validations["E4:E6"] == '"A,B,C,D"'
    assert validations["I4:I6"] == '"継続,拡充,見直し,終了"'
    assert (
        "評価を空欄にすると、指標（KPI）の達成率から、達成率がなければ計画上の段階と実施状況から提案した値になります。"
        in sheet["D2"].value
    )

    kpi = book[workbooks.KPI_SHEET]
    kpi["G4"] = 50  # 50 of 40 件
    sheet["D5"] = "実施中"
    out = io.BytesIO()
    book.save(out)
    upload = client.post(
        reverse("reviews:workbook_upload", args=[cycle.pk]),
        {"department": department.pk, "file": io.BytesIO(out.getvalue())},
    )
    assert upload.status_code == 200, upload.content.decode()
    [row] = [r for r in upload.context["rows"] if r.status == "changed"]
    assert (row.number, row.values["progress"], row.proposed) == (2, "A", "評価")
    client.post(reverse("reviews:workbook_confirm", args=[cycle.pk]), upload.context["confirm_form"].initial)
    saved = entry_of(cycle, 2)
    assert (saved.progress, saved.kpi_actuals) == ("A", {str(measured.pk): "50.00"})


# --- A 群馬県-style plan: A–D from the baseline to the target ----------------------------------------------


@pytest.mark.parametrize(
    ("actual", "word"), [("20", "A"), ("25", "A"), ("15", "B"), ("10", "C"), ("5", ""), ("", "")]
)
def test_the_achievement_rating_is_proposed_from_the_way_from_baseline_to_target(
    client, plan5, admin, staff, actual, word
):
    gunma = plan_from_preset("gunma", plan5)
    cycle = open_cycle(gunma, YEAR, admin)
    measured = indicator(gunma, 1, 20, baseline=10, baseline_year=2025)
    client.force_login(staff)
    page = client.get(reverse("reviews:entry", args=[cycle.pk, 1]))
    assert page.context["form"]["achievement"].label == "評価"
    assert "基準値 10.00、令和7年度 (2025)" in page.context["form"][f"kpi_{measured.pk}"].help_text

    post_entry(client, cycle, 1, stage_reached="実施中", **{f"kpi_{measured.pk}": actual})
    assert entry_of(cycle, 1).achievement == word  # 後退 (D) is the clerk's to choose


def test_the_entry_page_shows_each_indicator_with_its_target_actual_and_rate(client, plan5, admin, staff):
    gunma = plan_from_preset("gunma", plan5)
    cycle = open_cycle(gunma, YEAR, admin)
    measured = indicator(gunma, 1, 20, baseline=10, unit="％")
    Indicator.objects.create(initiative=measured.initiative, position=2, name="満足度", unit="点")
    save_entry(entry_of(cycle, 1), {"kpi_actuals": {measured.key: "15.00"}}, staff, 0)
    client.force_login(admin)
    take_step_url = reverse("reviews:cycle_step", args=[cycle.pk])
    client.post(take_step_url, {"step": "compile"})  # read-only now

    rows = client.get(reverse("reviews:entry", args=[cycle.pk, 1])).context["indicator_rows"]
    assert [(r["indicator"].name, r["target"], r["actual"], r["rate"]) for r in rows] == [
        ("指標 1", Decimal("20.00"), Decimal("15.00"), Decimal(50)),
        ("満足度", None, None, None),
    ]
    page = client.get(reverse("reviews:initiative", args=[6, 1])).content.decode()
    assert "50.0%" in page and "15.00％" in page


def test_a_changed_actual_is_in_the_entrys_history_by_indicator(client, plan5, admin, staff):
    gunma = plan_from_preset("gunma", plan5)
    cycle = open_cycle(gunma, YEAR, admin)
    measured = indicator(gunma, 1, 20)
    entry, _changes = save_entry(entry_of(cycle, 1), {"kpi_actuals": {measured.key: "15.00"}}, staff, 0)
    entry, changes = save_entry(entry, {"kpi_actuals": {measured.key: "18.00"}}, admin, 1)
    assert [(c.label, c.old, c.new) for c in changes] == [("実績値（指標 1）", "15.00", "18.00")]
    # Clearing one indicator's actual leaves another's.
    other = indicator(gunma, 1, 5)
    entry, _changes = save_entry(entry, {"kpi_actuals": {other.key: "3.00"}}, admin, 2)
    entry, _changes = save_entry(entry, {"kpi_actuals": {measured.key: None}}, admin, 3)
    assert entry.kpi_actuals == {other.key: "3.00"}


# --- Carrying on into the next plan follows the words ---------------------------------------------------


def test_which_directions_carry_on_is_the_plans(plan5):
    scale = plan5.scale("direction")
    assert scales.RATED_FIELDS == ["progress", "achievement", "direction"]
    word = scale.words.get(word="見直し")
    word.carries_on = True
    word.save()
    plan = Plan.objects.get(pk=plan5.pk)
    assert plan.scale("direction").carries_on("見直し")
    assert not plan.scale("direction").carries_on("取組終了")


def test_the_dashboards_charts_tell_each_word_of_the_plans_scales_apart(
    client, hamamatsu, plan5, admin, staff
):
    from reviews.charts import scale_styles

    # The fifth plan's words keep their colours and patterns.
    fifth = scale_styles(plan5)
    assert fifth["達成"] == fifth["計画どおり"] == ("#a8d5aa", "")
    assert fifth["計画より遅れている"] == fifth["未達成"] == ("#f3b1aa", "cross")
    assert fifth["計画より進んでいる"] == ("#a9cbef", "vertical")
    # A–D: the word for late looks late, and no two words of a scale look alike.
    styles = scale_styles(hamamatsu)
    assert styles["C"] == fifth["計画より遅れている"] and styles["A"] == fifth["計画より進んでいる"]
    assert len({styles[w] for w in ("A", "B", "C", "D")}) == 4

    cycle = open_cycle(hamamatsu, YEAR, admin)
    save_entry(entry_of(cycle, 1), {"stage_reached": "実施中", "progress": "C"}, staff, 0)
    client.force_login(staff)
    headline = client.get(reverse("reviews:dashboard", args=[cycle.pk])).context["headline"]
    [progress] = [block for block in headline if block["id"] == "progress"]
    assert {item["fill"] for item in progress["chart"]["legend"]} >= {
        "#a9cbef",
        "#a8d5aa",
        "#f3b1aa",
        "#d8cbee",
    }


def test_a_gunma_style_plan_imports_its_table_surveys_and_reports_in_its_own_words(
    client, admin_client, plan5, admin, staff
):
    """Mapped import of a 群馬県-style table with an indicator, the survey by workbook, the report's A–D."""
    from tests.test_import_mapping import CONFIRM_URL, KPI_HEADERS, KPI_ROWS, mapped, upload, workbook

    preset = presets()["gunma"]
    gunma = Plan.objects.create(
        ordinal=6, title="第六次東大和市情報化推進計画", first_fiscal_year=YEAR, last_fiscal_year=YEAR + 4
    )
    add_columns(gunma, preset["columns"])
    add_scales(gunma, preset["scales"])
    add_roadmap(gunma, preset["roadmap"])
    response = upload(admin_client, gunma, workbook(KPI_HEADERS, KPI_ROWS))
    mapping = {f"col_{n}": c["proposed"] for n, c in enumerate(response.context["unknown"].columns)}
    preview = mapped(admin_client, response, mapping)
    admin_client.post(CONFIRM_URL, preview.context["confirm_form"].initial)
    assert gunma.initiatives.count() == 2

    department = make_department("総務課", gunma, numbers=[1, 2])
    cycle = open_cycle(gunma, YEAR, admin)
    client.force_login(staff)
    data = client.get(reverse("reviews:workbook_download", args=[cycle.pk, department.pk])).content
    book = load_workbook(io.BytesIO(data))
    survey, kpi = book[workbooks.SURVEY_SHEET], book[workbooks.KPI_SHEET]
    assert [c.value for c in survey[workbooks.HEADER_ROW]][5] == "評価"
    assert [c.value for c in kpi[4]][:7] == [1, "窓口DX", "書かない窓口の利用率", "％", 10, 20, None]
    survey["D4"], survey["D5"] = "実施中", "検討中"
    survey["F5"] = "D"  # 後退: the clerk's own word
    kpi["G4"] = "１５"  # halfway from the baseline 10 to the target 20
    out = io.BytesIO()
    book.save(out)
    preview = client.post(
        reverse("reviews:workbook_upload", args=[cycle.pk]),
        {"department": department.pk, "file": io.BytesIO(out.getvalue())},
    )
    assert preview.status_code == 200, preview.content.decode()
    client.post(reverse("reviews:workbook_confirm", args=[cycle.pk]), preview.context["confirm_form"].initial)
    assert [
        e.achievement for e in StatusEntry.objects.filter(cycle=cycle).order_by("initiative__number")
    ] == [
        "B",
        "D",
    ]

    report = cycle_report(cycle)
    assert [(c["word"], c["count"]) for c in report["summary"]["achievement"]] == [
        ("A", 0),
        ("B", 1),
        ("C", 0),
        ("D", 1),
    ]
    assert report["rows"][0]["indicators"] == [
        {"name": "書かない窓口の利用率", "unit": "％", "target": "20.00", "actual": "15.00", "rate": "50.0"}
    ]
    html = client.get(reverse("reviews:report", args=[cycle.pk])).content.decode()
    assert '<th scope="col" class="c-mark">評価</th>' in html
    assert "指標（KPI）の実績" in html and "50.0%" in html


def test_in_english_the_shipped_words_are_translated_and_a_plans_own_words_shown_as_stated(
    client, hamamatsu, plan5, admin, staff
):
    client.post(reverse("set_language"), {"language": "en", "next": "/plans/5/"})
    fifth = client.get(reverse("initiatives:plan_table", args=[5])).content.decode()
    assert ">Study<" in fifth and ">Implement<" in fifth and ">検討<" not in fifth

    cycle = open_cycle(hamamatsu, YEAR, admin)
    save_entry(entry_of(cycle, 1), {"stage_reached": "実施中", "progress": "C"}, staff, 0)
    client.force_login(staff)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    row = worklist_row(client.get(reverse("reviews:worklist", args=[cycle.pk])), 1)
    # C is behind while the stage reached is on the roadmap: the row flags the difference after the word.
    assert row["progress"].startswith("C ")
    assert [row[c] for c in ("planned_stage", "stage_reached")] == [
        "Implement",
        "Implementing",
    ]


def test_the_admin_refuses_words_the_plan_does_not_have(admin_client, plan4, plan5):
    from initiatives.models import Evaluation

    initiative = plan4.initiatives.get(number=1)
    evaluation = initiative.evaluations.get()
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data |= {
        "plan": plan4.pk,
        "target_stage": "着手",
        "goals": [g.pk for g in initiative.goals.all()],
        "roadmap-TOTAL_FORMS": 0,
        "roadmap-INITIAL_FORMS": 0,
        "evaluations-TOTAL_FORMS": 1,
        "evaluations-INITIAL_FORMS": 1,
        "evaluations-0-id": evaluation.pk,
        "evaluations-0-initiative": initiative.pk,
        "evaluations-0-fiscal_year": evaluation.fiscal_year,
        "evaluations-0-actions": evaluation.actions,
        "evaluations-0-achievement": "A",
        "evaluations-0-direction": evaluation.direction,
        "indicators-TOTAL_FORMS": 0,
        "indicators-INITIAL_FORMS": 0,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "「着手」はこの計画の年次計画の段階ではありません（検討、実施）。" in html
    assert "「A」はこの計画の達成状況の語ではありません（達成、一部達成、未達成）。" in html
    assert Evaluation.objects.get(pk=evaluation.pk).achievement == evaluation.achievement

"""Initiatives, roadmap cells and evaluations keep a change history, as status entries do: every way they are
written (the admin's import and forms, the import command, the seed, publication, the next plan) leaves a
history row saying who and why."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from initiatives.models import Evaluation, Initiative, RoadmapCell
from initiatives.spreadsheet import write_plan_workbook
from plan.models import Plan
from reviews.cycles import take_step
from reviews.entries import save_entry
from reviews.models import StatusEntry
from reviews.next_plan import start_next_plan
from tests.personas import column_value, make_user, open_cycle
from workbooks import XLSX_CONTENT_TYPE


def edited_workbook(plan, number, **cells):
    """The plan's own export with cells of initiative N changed: {header: value}."""
    book = load_workbook(io.BytesIO(write_plan_workbook(plan, Initiative.objects.for_plan_table(plan))))
    sheet = book.active
    columns = {}
    for header_row in (3, 4):
        columns |= {c.value: c.column for c in sheet[header_row] if c.value}
    row = next(r[0].row for r in sheet.iter_rows(min_row=5) if r[0].value == number)
    for header, value in cells.items():
        sheet.cell(row=row, column=columns[header]).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def latest(history):
    return history.order_by("-history_id").first()


def test_an_import_by_the_admin_leaves_history_rows_with_the_user_and_the_file(
    admin_client, admin_user, plan5
):
    stored = RoadmapCell.objects.get(initiative__plan=plan5, initiative__number=7, fiscal_year=2026)
    stage = "検討" if stored.stage == "実施" else "実施"
    data = edited_workbook(
        plan5, 7, **{"個別計画名": "市公式ホームページ等の拡充", "令和8年度\n(2026)": stage}
    )
    file = SimpleUploadedFile("計画表.xlsx", data, content_type=XLSX_CONTENT_TYPE)
    preview = admin_client.post(
        reverse("admin:initiatives_initiative_import"), {"plan": plan5.pk, "file": file}
    )
    initiative = Initiative.objects.get(plan=plan5, number=7)
    records_before = initiative.history.count()

    admin_client.post(
        reverse("admin:initiatives_initiative_import_confirm"), preview.context["confirm_form"].initial
    )

    assert initiative.history.count() == records_before + 1
    record = latest(initiative.history)
    assert (record.history_type, record.name) == ("~", "市公式ホームページ等の拡充")
    assert record.history_user == admin_user
    assert record.history_change_reason == "計画表（xlsx）の取込: 計画表.xlsx"
    assert record.prev_record.name == "市公式ホームページ等の検討"
    cell = latest(RoadmapCell.history.filter(initiative_id=initiative.pk, fiscal_year=2026))
    assert (cell.stage, cell.history_user, cell.history_change_reason) == (
        stage,
        admin_user,
        "計画表（xlsx）の取込: 計画表.xlsx",
    )


def test_the_import_command_leaves_history_rows_with_its_reason_and_no_user(plan5, tmp_path):
    path = tmp_path / "plan5.xlsx"
    path.write_bytes(edited_workbook(plan5, 7, **{"個別計画名": "市公式ホームページ等の拡充"}))

    call_command("import_plan", str(path), "--plan", "5", stdout=io.StringIO())

    record = latest(Initiative.objects.get(plan=plan5, number=7).history)
    assert (record.name, record.history_user) == ("市公式ホームページ等の拡充", None)
    assert record.history_change_reason == "計画表（xlsx）の取込: import_plan plan5.xlsx"


def test_the_seed_leaves_a_first_history_row_for_everything_it_creates(plan5, plan4):
    for model in (Initiative, RoadmapCell, Evaluation):
        created = model.history.filter(history_type="+")
        assert created.count() == model.objects.count() > 0, model
        assert set(created.values_list("history_change_reason", flat=True)) == {
            "計画書のデータの読込（load_seed）"
        }
    noted = Initiative.objects.exclude(source_note="").first()
    assert latest(noted.history).source_note == noted.source_note

    records = [model.history.count() for model in (Initiative, RoadmapCell, Evaluation)]

    call_command("load_seed", stdout=io.StringIO())  # nothing changes, so nothing is added

    assert [model.history.count() for model in (Initiative, RoadmapCell, Evaluation)] == records


def test_an_edit_in_the_admin_leaves_history_for_the_initiative_and_its_roadmap(client, plan5):
    admin = make_user("admin", username="kanri")
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    initiative = Initiative.objects.get(plan=plan5, number=1)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    data = {
        "plan": plan5.pk,
        "number": initiative.number,
        "name": "新しい名称",
        "description": initiative.description,
        "column_basic_plan_section": column_value(initiative, "basic_plan_section"),
        "target_stage": initiative.target_stage,
        "goals": [g.pk for g in initiative.goals.all()],
        "source_note": initiative.source_note,
        **({"is_new": "on"} if initiative.is_new else {}),
        **{
            f"column_{flag}": "on"
            for flag in ("public_private_data", "municipal_dx")
            if column_value(initiative, flag)
        },
        "evaluations-TOTAL_FORMS": 0,
        "evaluations-INITIAL_FORMS": 0,
        "indicators-TOTAL_FORMS": 0,
        "indicators-INITIAL_FORMS": 0,
    }
    cells = list(initiative.roadmap.order_by("fiscal_year"))
    new_stage = "検討" if cells[0].stage == "実施" else "実施"
    data |= {"roadmap-TOTAL_FORMS": len(cells), "roadmap-INITIAL_FORMS": len(cells)}
    for i, cell in enumerate(cells):
        data |= {
            f"roadmap-{i}-id": cell.pk,
            f"roadmap-{i}-initiative": initiative.pk,
            f"roadmap-{i}-fiscal_year": cell.fiscal_year,
            f"roadmap-{i}-stage": new_stage if i == 0 else cell.stage,
        }
        if cell.continued and i:
            data[f"roadmap-{i}-continued"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    record = latest(initiative.history)
    assert (record.name, record.history_user) == ("新しい名称", admin)
    cell = latest(RoadmapCell.history.filter(id=cells[0].pk))
    assert (cell.stage, cell.history_user) == (new_stage, admin)
    history_page = client.get(reverse("admin:initiatives_initiative_history", args=[initiative.pk]))
    assert "新しい名称" in history_page.content.decode()
    assert "kanri" in history_page.content.decode()


def publish(cycle, user):
    cycle = take_step(cycle, "compile", user)
    cycle = take_step(cycle, "committee", user, date=datetime.date(2021, 6, 1))
    cycle = take_step(cycle, "headquarters", user, date=datetime.date(2021, 7, 1))
    return take_step(cycle, "publish", user)


def test_publication_leaves_evaluation_history_with_the_publisher(plan4):
    """The fourth plan's FY2021 evaluations come from the document; publishing a survey of that year changes
    one and leaves the others as they were."""
    admin = make_user("admin", username="kanri")
    cycle = open_cycle(plan4, 2021, admin)
    document = Evaluation.objects.get(initiative__plan=plan4, initiative__number=1, fiscal_year=2021)
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=1)
    save_entry(entry, {"achievement": "一部達成", "direction": "見直し", "actions": "見直した。"}, admin, 0)
    untouched = Evaluation.history.exclude(id=document.pk).count()

    publish(cycle, admin)

    record = latest(document.history)
    assert (record.history_type, record.achievement, record.history_user) == ("~", "一部達成", admin)
    assert record.history_change_reason == f"{cycle.title}の公開"
    assert Evaluation.history.exclude(id=document.pk).count() == untouched


def test_the_next_plans_initiatives_begin_their_history_with_who_made_the_draft(plan5):
    admin = make_user("admin", username="kanri")
    cycle = open_cycle(plan5, plan5.last_fiscal_year, admin)
    for number in (1, 2):
        entry = StatusEntry.objects.get(cycle=cycle, initiative__number=number)
        save_entry(entry, {"achievement": "達成", "direction": "継続", "actions": "進めた。"}, admin, 0)
    cycle = take_step(cycle, "compile", admin)
    cycle = take_step(cycle, "committee", admin, date=datetime.date(2026, 6, 1))
    cycle = take_step(cycle, "headquarters", admin, date=datetime.date(2026, 7, 1))
    cycle = take_step(cycle, "publish", admin)
    evaluation = Evaluation.objects.get(initiative__plan=plan5, initiative__number=1, fiscal_year=2026)
    assert (latest(evaluation.history).history_type, latest(evaluation.history).history_user) == ("+", admin)

    draft = start_next_plan(Plan.objects.get(pk=plan5.pk), admin).draft

    records = Initiative.history.filter(plan_id=draft.pk)
    assert sorted(records.values_list("number", "history_type", "history_user", "history_change_reason")) == [
        (1, "+", admin.pk, "次期計画（案）の作成"),
        (2, "+", admin.pk, "次期計画（案）の作成"),
    ]

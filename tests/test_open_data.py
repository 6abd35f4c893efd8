"""The plan as open data: export_plan's JSON (a published interface) and CSV, and text that looks like a formula.

Where a fact can be checked against the plan document itself (fixtures/source/…txt), it is read from there
and not from the seed, following fixtures/source/READING.md: table rows are TAB-separated lines.
"""

import csv
import io
import json
import re
from functools import cache
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from initiatives.models import Department, Initiative, RoadmapCell
from plan.models import Plan

DOCUMENT = Path(__file__).resolve().parent.parent / "fixtures" / "source" / "第五次東大和市情報化推進計画.txt"
FIXTURES = DOCUMENT.parent.parent

# The documented shape: every key, and the types its value may have.
PLAN_KEYS = {
    "ordinal": int,
    "title": str,
    "first_fiscal_year": int,
    "last_fiscal_year": int,
    "continuation_mark": str,  # added with the plans' own roadmap words
}
GOAL_KEYS = {"code": str, "title": str}
COLUMN_KEYS = {"key": str, "header": str, "kind": str}
INITIATIVE_KEYS = {
    "number": int,
    "name": str,
    "is_new": bool,
    "description": str,
    "basic_plan_section": str,
    "public_private_data": bool,
    "municipal_dx": bool,
    "goals": list,
    "department": (str, type(None)),
    "target_stage": str,
    "roadmap": list,
    "evaluations": list,
    "carried_from": list,
    "indicators": list,  # added with the plans' indicators (KPIs); the seed's initiatives have none
}
ROADMAP_KEYS = {"fiscal_year": int, "stage": str, "continued": bool}
EVALUATION_KEYS = {"fiscal_year": int, "achievement": str, "direction": str, "actions": str}
CARRIED_FROM_KEYS = {"plan": int, "number": int}


# --- Helpers --------------------------------------------------------------------------------------------


@cache
def document_table(width):
    """The document's table rows with `width` fields: {項番: [fields]}, wrapped cells joined back."""
    rows = {}
    last = None
    for line in DOCUMENT.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) != width or fields[0] == "項番" or fields[3].startswith("令和"):
            continue  # not a row of this table, or the header repeated on a new page
        if fields[0].strip().isdigit():
            last = int(fields[0])
            rows[last] = fields
        elif last is not None and not fields[0].strip():
            rows[last] = [a + b.strip() for a, b in zip(rows[last], fields, strict=True)]
    return rows


def export(ordinal, fmt, tmp_path):
    path = tmp_path / f"plan-{ordinal}.{fmt}"
    call_command("export_plan", ordinal, f"--format={fmt}", f"--output={path}")
    return path


def export_json(ordinal, tmp_path):
    return json.loads(export(ordinal, "json", tmp_path).read_text(encoding="utf-8"))


def export_csv_rows(ordinal, tmp_path):
    raw = export(ordinal, "csv", tmp_path).read_bytes()
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def check_shape(value, keys, where):
    assert isinstance(value, dict), where
    assert set(value) == set(keys), f"{where}: keys {sorted(value)}"
    for key, allowed in keys.items():
        allowed = allowed if isinstance(allowed, tuple) else (allowed,)
        # bool is an int to isinstance(): compare the exact type, so that True is no 項番.
        assert type(value[key]) in allowed, f"{where}.{key} = {value[key]!r}"


# --- The JSON -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ordinal", [5, 4])
def test_the_json_export_has_the_documented_shape_exactly(seeded, ordinal, tmp_path):
    Initiative.objects.filter(plan__ordinal=ordinal, number=1).update(
        department=Department.objects.create(name="情報管理課")
    )

    data = export_json(ordinal, tmp_path)

    assert set(data) == {"plan", "goals", "columns", "initiatives"}
    check_shape(data["plan"], PLAN_KEYS, "plan")
    for n, column in enumerate(data["columns"]):
        check_shape(column, COLUMN_KEYS, f"columns[{n}]")
    # The plan's own columns, each a key of every initiative: the fifth plan's three, as the keys were.
    assert [c["key"] for c in data["columns"]] == [
        "basic_plan_section",
        "public_private_data",
        "municipal_dx",
    ]
    assert isinstance(data["goals"], list)
    for n, goal in enumerate(data["goals"]):
        check_shape(goal, GOAL_KEYS, f"goals[{n}]")
    assert isinstance(data["initiatives"], list)
    assert len(data["initiatives"]) == {5: 26, 4: 17}[ordinal]
    for item in data["initiatives"]:
        where = f"initiative {item.get('number')}"
        check_shape(item, INITIATIVE_KEYS, where)
        assert all(type(code) is str for code in item["goals"]), where
        for cell in item["roadmap"]:
            check_shape(cell, ROADMAP_KEYS, f"{where} roadmap")
            assert cell["stage"] in ("検討", "実施")
        for evaluation in item["evaluations"]:
            check_shape(evaluation, EVALUATION_KEYS, f"{where} evaluations")
        for link in item["carried_from"]:
            check_shape(link, CARRIED_FROM_KEYS, f"{where} carried_from")
    assert [i["number"] for i in data["initiatives"]] == sorted(i["number"] for i in data["initiatives"])
    assert data["initiatives"][0]["department"] == "情報管理課"
    assert data["initiatives"][1]["department"] is None


def test_the_json_export_describes_the_plans_themselves(seeded, tmp_path):
    fifth, fourth = export_json(5, tmp_path), export_json(4, tmp_path)

    assert fifth["plan"] == {
        "ordinal": 5,
        "title": "第五次東大和市情報化推進計画",
        "first_fiscal_year": 2022,
        "last_fiscal_year": 2026,
        "continuation_mark": "⇒",
    }
    assert [g["code"] for g in fifth["goals"]] == ["I", "II", "III"]
    assert fifth["goals"][2]["title"] == "効果的・効率的な行政の推進"
    assert fourth["plan"] == {
        "ordinal": 4,
        "title": "第四次東大和市情報化推進計画",
        "first_fiscal_year": 2019,
        "last_fiscal_year": 2021,
        "continuation_mark": "⇒",
    }


@pytest.mark.parametrize("ordinal", [5, 4])
def test_the_json_export_of_the_seeded_plan_is_the_shipped_seed(seeded, ordinal, tmp_path):
    shipped = json.loads((FIXTURES / f"plan-{ordinal}.json").read_text(encoding="utf-8"))

    assert export_json(ordinal, tmp_path) == shipped


def test_names_carry_no_new_mark_and_is_new_says_which_the_document_marks_new(seeded, tmp_path):
    data = export_json(5, tmp_path)
    marked_in_document = {n for n, fields in document_table(11).items() if "《新規》" in fields[1]}

    assert len(marked_in_document) == 14
    assert not [i["name"] for i in data["initiatives"] if "新規" in i["name"]]
    assert {i["number"] for i in data["initiatives"] if i["is_new"]} == marked_in_document
    assert data["initiatives"][2]["name"] == "GIS(公開型)の導入"


def test_the_fifth_plans_target_stage_is_the_stage_of_the_last_years_roadmap_cell(seeded, tmp_path):
    data = export_json(5, tmp_path)

    for item in data["initiatives"]:
        marks = document_table(11)[item["number"]][3:8]  # 令和4年度 … 令和8年度
        stage = None
        for mark in marks:
            stage = stage if mark == "⇒" else mark
        assert item["roadmap"][-1]["fiscal_year"] == 2026
        assert item["target_stage"] == item["roadmap"][-1]["stage"] == stage, item["number"]
    stages = {i["number"]: i["target_stage"] for i in data["initiatives"]}
    assert stages[8] == "検討"  # ICT-BCPの策定 stays at 検討 to the end
    assert stages[2] == "実施"  # 施設予約システム starts at 検討 and reaches 実施 in 令和7年度


def test_the_target_stage_follows_a_change_in_the_last_year(plan5, tmp_path):
    initiative = plan5.initiatives.get(number=1)  # 実施 ⇒ ⇒ ⇒ ⇒
    RoadmapCell.objects.filter(initiative=initiative, fiscal_year=2026).update(stage="検討", continued=False)

    item = export_json(5, tmp_path)["initiatives"][0]

    assert item["roadmap"][0]["stage"] == "実施"
    assert item["target_stage"] == "検討"


def test_the_fourth_plan_has_one_fy2021_evaluation_per_item_and_its_target_stage_is_torikumi_mokuhyo(
    seeded, tmp_path
):
    data = export_json(4, tmp_path)
    document = document_table(7)

    assert sorted(document) == list(range(1, 18))
    assert [i["number"] for i in data["initiatives"]] == list(range(1, 18))
    for item in data["initiatives"]:
        _number, _name, _content, target, actions, achievement, direction = document[item["number"]]
        assert item["roadmap"] == []
        assert item["target_stage"] == target, item["number"]
        (evaluation,) = item["evaluations"]
        assert evaluation["fiscal_year"] == 2021
        assert (evaluation["achievement"], evaluation["direction"]) == (achievement, direction), item[
            "number"
        ]
        assert re.sub(r"\s", "", evaluation["actions"]) == re.sub(r"\s", "", actions), item["number"]


# --- The CSV --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ordinal", [5, 4])
def test_the_csv_has_a_byte_order_mark_and_one_row_per_initiative(seeded, ordinal, tmp_path):
    raw = export(ordinal, "csv", tmp_path).read_bytes()
    rows = export_csv_rows(ordinal, tmp_path)

    assert raw.startswith("\ufeff".encode())
    assert not raw[3:].startswith("\ufeff".encode())
    header, *body = rows
    assert header[:2] == ["項番", "個別計画名"]
    assert [row[0] for row in body] == [str(n) for n in range(1, {5: 26, 4: 17}[ordinal] + 1)]
    assert all(len(row) == len(header) for row in body)
    assert raw.count(b"\r\n") == len(rows)


def test_the_csv_shows_the_roadmap_marks_and_flags_as_the_plan_prints_them(seeded, tmp_path):
    header, *body = export_csv_rows(5, tmp_path)
    row = dict(zip(header, body[1], strict=True))  # 施設予約システムの導入

    assert [row[f"年次計画 令和{y - 2018}年度 ({y})"] for y in range(2022, 2027)] == [
        "検討",
        "⇒",
        "⇒",
        "実施",
        "⇒",
    ]
    assert (row["官民データ活用"], row["自治体DX"], row["新規"]) == ("●", "", "")
    assert row["継続元"] == "4-12"


# --- Text that looks like a formula ---------------------------------------------------------------------

FORMULA_LIKE = [
    '=HYPERLINK("https://example.com","詳細")',
    "+81 電話による問い合わせの自動応答",
    "-（計画内容は令和5年度に決定）-",
    "@電子申請の推進",
]


def set_formula_like_text(plan, value):
    initiative = plan.initiatives.get(number=1)
    initiative.name = value
    initiative.description = value
    initiative.save()


@pytest.mark.parametrize("value", FORMULA_LIKE)
def test_formula_like_text_stays_text_in_the_exported_workbook(plan5, tmp_path, value):
    set_formula_like_text(plan5, value)

    sheet = load_workbook(export(5, "xlsx", tmp_path)).active
    (row,) = [r for r in sheet.iter_rows() if r[0].value == 1]
    header = next(r for r in sheet.iter_rows() if r[0].value == "項番")
    columns = {cell.value: cell.column - 1 for cell in header if cell.value}

    for cell in (row[columns["個別計画名"]], row[columns["計画内容"]]):
        assert cell.value == value
        assert isinstance(cell.value, str)
        assert cell.data_type == "s"
        assert cell.quotePrefix


@pytest.mark.parametrize("value", FORMULA_LIKE)
def test_formula_like_text_gets_a_leading_apostrophe_in_the_csv(plan5, tmp_path, value):
    set_formula_like_text(plan5, value)

    header, first, *_rest = export_csv_rows(5, tmp_path)
    row = dict(zip(header, first, strict=True))

    assert row["個別計画名"] == "'" + value
    assert row["計画内容"] == "'" + value
    assert export_json(5, tmp_path)["initiatives"][0]["name"] == value  # JSON is data: as stored


@pytest.mark.parametrize("value", FORMULA_LIKE)
def test_formula_like_text_comes_back_unchanged_from_the_exported_workbook(plan5, tmp_path, value):
    set_formula_like_text(plan5, value)
    path = export(5, "xlsx", tmp_path)
    out = io.StringIO()

    call_command("import_plan", str(path), "--plan=5", stdout=out)

    assert "変更なし: 1 " + value in out.getvalue()
    assert out.getvalue().rstrip().endswith("新規作成 0件、更新 0件、変更なし 26件")
    initiative = plan5.initiatives.get(number=1)
    assert (initiative.name, initiative.description) == (value, value)


def test_a_table_note_starting_with_an_equals_sign_stays_text_in_the_exported_workbook(plan5, tmp_path):
    Plan.objects.filter(pk=plan5.pk).update(table_notes='=HYPERLINK("https://example.com","注記")')

    sheet = load_workbook(export(5, "xlsx", tmp_path)).active
    (cell,) = [c for row in sheet.iter_rows() for c in row if c.value and "注記" in str(c.value)]

    assert cell.data_type == "s"


def test_export_plan_writes_to_the_stdout_it_is_given(plan5, capsys):
    out = io.StringIO()

    call_command("export_plan", 5, stdout=out)

    capsys.readouterr()
    assert json.loads(out.getvalue())["plan"]["ordinal"] == 5

"""A plan defines its own columns: copied from a preset or another plan, changed in the admin, and followed by
the import, the exports, the open data, the plan page, the worklist filters and the report's breakdowns."""

import csv
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from initiatives.importing import PlanImportError, apply_rows
from initiatives.models import Initiative
from initiatives.open_data import plan_to_csv, plan_to_dict
from initiatives.spreadsheet import read_plan_workbook, write_plan_workbook
from plan.definitions import add_columns, presets
from plan.models import Plan, PlanColumn
from reviews.models import StatusEntry
from reviews.reports import cycle_report
from tests.personas import open_cycle

YEARS = [2027, 2028, 2029, 2030, 2031]


def sixth_plan_workbook(rows):
    """A table typed in a layout of the sixth plan: its own columns after the roadmap."""
    book = Workbook()
    sheet = book.active
    sheet.append(["第六次東大和市情報化推進計画 個別計画"])
    sheet.append(
        [
            "項番",
            "個別計画名",
            "計画内容",
            "年次計画",
            None,
            None,
            None,
            None,
            "第五次基本計画",
            "官民データ活用",
            "SDGs",
        ]
    )
    sheet.append([None, None, None, *(f"令和{y - 2018}年度" for y in YEARS), None, None, None])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ROWS = [
    [
        1,
        "行政手続きのオンライン化",
        "電子申請の拡大",
        "検討",
        "実施",
        "⇒",
        "⇒",
        "⇒",
        "第3編第3章1-3",
        "●",
        "SDGs 9、SDGs 16",
    ],
    [2, "窓口の改善", "書かない窓口", "実施", "⇒", None, None, None, "", "", "ＳＤＧｓ 11"],
    [3, "庁内ネットワーク", "更新", None, None, "実施", "⇒", "⇒", "", "", ""],
]


def imported(plan6, rows=ROWS):
    return apply_rows(plan6, read_plan_workbook(sixth_plan_workbook(rows), plan6))


def test_the_sixth_plan_starts_as_a_copy_and_keeps_only_what_the_administrator_left(plan6):
    assert [(c.key, c.header, c.kind) for c in plan6.columns.all()] == [
        ("basic_plan_section", "第五次基本計画", "reference"),
        ("public_private_data", "官民データ活用", "mark"),
        ("sdgs", "SDGs", "multi_choice"),
    ]
    assert [c.word for c in plan6.columns.get(key="sdgs").choices.all()][:2] == ["SDGs 1", "SDGs 2"]
    assert plan6.columns.get(key="sdgs").choices.count() == 17
    # The fifth plan's own definition is untouched.
    assert Plan.objects.get(ordinal=5).columns.filter(key="municipal_dx").exists()


def test_a_table_in_the_new_layout_imports_by_its_headers(plan6):
    result = imported(plan6)

    assert result.summary() == "新規作成 3件、更新 0件、変更なし 0件"
    first, second, third = Initiative.objects.filter(plan=plan6).order_by("number")
    assert first.column_values == {
        "basic_plan_section": "第3編第3章1-3",
        "public_private_data": True,
        "sdgs": ["SDGs 9", "SDGs 16"],
    }
    assert second.column_values == {"sdgs": ["SDGs 11"]}  # full-width letters read as the list's word
    assert third.column_values == {}
    assert [(c.fiscal_year, c.mark_in(plan6)) for c in first.roadmap.order_by("fiscal_year")] == [
        (2027, "検討"),
        (2028, "実施"),
        (2029, "⇒"),
        (2030, "⇒"),
        (2031, "⇒"),
    ]


def test_a_word_not_in_the_columns_list_is_refused_naming_row_and_column(plan6):
    rows = [list(r) for r in ROWS]
    rows[1][10] = "SDGs 18"

    with pytest.raises(PlanImportError) as excinfo:
        imported(plan6, rows)

    assert excinfo.value.messages[0].startswith("5行目 K列（SDGs）: 「SDGs 18」はSDGsとして使えません。")
    assert not Initiative.objects.filter(plan=plan6).exists()


def test_the_exports_and_the_open_data_carry_the_plans_own_columns(plan6):
    imported(plan6)
    initiatives = Initiative.objects.for_plan_table(plan6)

    sheet = load_workbook(io.BytesIO(write_plan_workbook(plan6, initiatives))).active
    headers = [c.value for c in sheet[3]]
    at = headers.index("第五次基本計画")
    assert headers[at : at + 4] == ["第五次基本計画", "官民データ活用", "SDGs", "目標"]
    assert [c.value for c in sheet[5]][at : at + 3] == ["第3編第3章1-3", "●", "SDGs 9、SDGs 16"]
    assert "自治体DX" not in headers

    data = plan_to_dict(plan6)
    assert [c["key"] for c in data["columns"]] == ["basic_plan_section", "public_private_data", "sdgs"]
    assert data["initiatives"][0]["sdgs"] == ["SDGs 9", "SDGs 16"]
    assert data["initiatives"][2]["public_private_data"] is False
    assert "municipal_dx" not in data["initiatives"][0]

    table = list(csv.reader(io.StringIO(plan_to_csv(plan6).lstrip("\ufeff"))))
    assert table[0][4:7] == ["第五次基本計画", "官民データ活用", "SDGs"]
    assert table[1][4:7] == ["第3編第3章1-3", "●", "SDGs 9、SDGs 16"]


def test_an_exported_table_imports_back_with_no_changes(plan6):
    imported(plan6)
    exported = write_plan_workbook(plan6, Initiative.objects.for_plan_table(plan6))

    result = apply_rows(plan6, read_plan_workbook(exported, plan6), dry_run=True)

    assert result.summary() == "新規作成 0件、更新 0件、変更なし 3件"


def test_the_plan_page_shows_the_plans_own_columns(client, plan6):
    imported(plan6)

    html = client.get(reverse("initiatives:plan_table", args=[6])).content.decode()

    assert ">SDGs</th>" in html and ">自治体DX</th>" not in html
    assert ">SDGs 9、SDGs 16</td>" in html


def test_the_worklist_filters_and_the_report_break_down_by_each_word_of_a_choice_column(client, plan6, admin):
    imported(plan6)
    cycle = open_cycle(plan6, 2027, admin)
    client.force_login(admin)

    response = client.get(reverse("reviews:worklist", args=[cycle.pk]), {"sdgs": "SDGs 11"})
    shown = [row.record.initiative.number for row in response.context["table"].rows]
    assert shown == [2]
    response = client.get(reverse("reviews:worklist", args=[cycle.pk]), {"public_private_data": "0"})
    assert sorted(row.record.initiative.number for row in response.context["table"].rows) == [2, 3]

    by_flag = {g["flag"]: g["count"] for g in cycle_report(cycle)["summary"]["by_flag"]}
    assert by_flag["官民データ活用"] == 1
    assert by_flag["SDGs 9"] == by_flag["SDGs 11"] == by_flag["SDGs 16"] == 1
    assert by_flag["SDGs 1"] == 0
    assert StatusEntry.objects.filter(cycle=cycle).count() == 3


def test_the_admin_copies_a_preset_into_a_plan_once(admin_client, plan6):
    url = reverse("admin:plan_plan_definition", args=[plan6.pk])
    page = admin_client.get(url).content.decode()
    assert "浜松市DX型（重点取組事項）" in page and "群馬県型（施策と SDGs）" in page

    response = admin_client.post(url, {"source": "preset:hamamatsu"}, follow=True)
    assert "列を追加しました: 重点取組事項、重点" in response.content.decode()
    assert plan6.columns.get(key="dx_focus").choices.count() == 7

    response = admin_client.post(url, {"source": "preset:hamamatsu"}, follow=True)
    assert "同じキーの列がすでにあるため、そのままにしました: 重点取組事項、重点" in response.content.decode()
    assert plan6.columns.count() == 5


def test_a_column_holding_values_keeps_its_key_and_kind(plan6):
    imported(plan6)
    column = plan6.columns.get(key="sdgs")
    column.kind = "text"
    with pytest.raises(ValidationError, match="キーと種類は変えられません"):
        column.full_clean()
    column.refresh_from_db()
    column.header = "SDGsの目標"
    column.full_clean()  # the header, as printed, may change


def test_a_column_cannot_take_a_key_the_open_data_already_uses(plan6):
    column = PlanColumn(plan=plan6, position=9, key="goals", header="目標", kind="text")
    with pytest.raises(ValidationError, match="決まった項目の名前"):
        column.full_clean()


def test_the_presets_are_valid_definitions():
    for key, preset in presets().items():
        assert preset["name"] and preset["columns"], key
        kinds = {c["kind"] for c in preset["columns"]}
        assert kinds <= {"text", "reference", "mark", "choice", "multi_choice", "number"}, key
        for column in preset["columns"]:
            if column["kind"] in ("choice", "multi_choice"):
                assert column["choices"], (key, column["key"])
    assert (
        json.dumps(presets()["higashiyamato"]["columns"][1], ensure_ascii=False).count("官民データ活用") == 1
    )


def test_the_admin_lists_the_initiatives_marked_in_a_column(admin_client, plan5):
    url = reverse("admin:initiatives_initiative_changelist")
    page = admin_client.get(url).content.decode()
    assert "第5次 自治体DX" in page and "第5次 官民データ活用" in page

    response = admin_client.get(url, {"marked": "5:municipal_dx"})

    shown = {i.number for i in response.context["cl"].result_list}
    assert shown == set(
        plan5.initiatives.filter(column_values__municipal_dx=True).values_list("number", flat=True)
    )
    assert 0 < len(shown) < 26


def test_a_column_kept_internal_is_in_no_public_page_or_file(client, plan6):
    imported(plan6)
    plan6.columns.filter(key="public_private_data").update(is_public=False)

    html = client.get(reverse("initiatives:plan_table", args=[6])).content.decode()
    assert "官民データ活用" not in html
    sheet = load_workbook(io.BytesIO(client.get("/open-data/plans/6.xlsx").content)).active
    assert "官民データ活用" not in [c.value for c in sheet[3]]
    assert "官民データ活用" not in client.get("/open-data/plans/6.csv").content.decode("utf-8-sig")
    data = json.loads(client.get("/open-data/plans/6.json").content)
    assert "public_private_data" not in data["initiatives"][0]
    # Still the initiative's value, for the staff who keep it.
    assert Initiative.objects.get(plan=plan6, number=1).column_values["public_private_data"] is True


def test_reading_a_table_needs_the_same_queries_however_many_rows(plan6, django_assert_num_queries):
    # The plan's columns, their choices, the plan's import profile, the plans' titles (is the sheet another's?),
    # the plan's roadmap stages (the words of the year columns), the plan's goals (read once, not once a row).
    small = sixth_plan_workbook(ROWS)
    large = sixth_plan_workbook([[n, f"個別計画 {n}", *ROWS[0][2:]] for n in range(1, 61)])
    for data in (small, large):
        plan = Plan.objects.get(pk=plan6.pk)  # as a request gets it, nothing prefetched
        with django_assert_num_queries(6):
            read_plan_workbook(data, plan)


def test_a_number_column_keeps_a_zero(plan6):
    add_columns(plan6, [{"key": "budget", "header": "予算（千円）", "kind": "number"}])
    rows = [[*row, "0" if row[0] == 1 else "1,200"] for row in ROWS]
    book = load_workbook(io.BytesIO(sixth_plan_workbook(rows)))
    book.active.cell(row=2, column=12, value="予算（千円）")
    out = io.BytesIO()
    book.save(out)

    apply_rows(plan6, read_plan_workbook(out.getvalue(), plan6))

    values = dict(Initiative.objects.filter(plan=plan6).values_list("number", "column_values"))
    assert values[1]["budget"] == 0
    assert values[2]["budget"] == 1200

"""A plan table in a layout the reader has never seen: the administrator maps its headers once, the mapping is
saved as the plan's import profile, and the same layout imports without asking the next time."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook

from audit.models import AuditEvent, AuditKind
from initiatives.models import ImportProfile, Initiative
from workbooks import XLSX_CONTENT_TYPE

IMPORT_URL = reverse("admin:initiatives_initiative_import")
MAPPING_URL = reverse("admin:initiatives_initiative_import_mapping")
CONFIRM_URL = reverse("admin:initiatives_initiative_import_confirm")
HEADERS = ["No.", "事業名", "事業概要", "R9", "R10", "R11", "R12", "R13", "持続可能な開発目標", "備考"]
ROWS = [
    [1, "窓口DX", "書かない窓口を始める", "検討", "実施", "⇒", "⇒", "⇒", "SDGs 9、SDGs 11", "R8から前倒し"],
    ["２", "電子契約", "契約を電子で結ぶ", None, "検討", "実施", "⇒", "⇒", "", ""],
]
MAPPING = {
    "col_0": "number",
    "col_1": "name",
    "col_2": "description",
    **{f"col_{3 + n}": f"year:{2027 + n}" for n in range(5)},
    "col_8": "column:sdgs",
    "col_9": "ignore",
}


def workbook(headers=HEADERS, rows=ROWS):
    book = Workbook()
    sheet = book.active
    sheet.append(["第六次計画 事業一覧（企画課作成）"])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, plan, data):
    return client.post(
        IMPORT_URL,
        {"plan": plan.pk, "file": SimpleUploadedFile("jigyo.xlsx", data, content_type=XLSX_CONTENT_TYPE)},
    )


def mapped(client, response, mapping=MAPPING):
    form = response.context["mapping_form"]
    return client.post(
        MAPPING_URL, {**{k: form.initial[k] for k in ("plan", "token", "file_name")}, **mapping}
    )


def test_an_unknown_layout_shows_its_headers_with_a_proposed_reading_and_writes_nothing(admin_client, plan6):
    response = upload(admin_client, plan6, workbook())

    assert response.status_code == 200
    html = response.content.decode()
    assert "この表の形はまだ読み方が決まっていません。2行目の見出し" in html
    for header in ("No.", "事業名", "持続可能な開発目標", "備考"):
        assert f">{header}</th>" in html
    assert "書かない窓口を始める" in html  # the first row's values, to tell the columns apart
    proposed = {c["header"]: c["proposed"] for c in response.context["unknown"].columns}
    # Proposed from the header's text; what it cannot tell is left unread until the administrator says.
    assert proposed == {
        "No.": "number",
        "事業名": "name",
        "事業概要": "description",
        **{f"R{y - 2018}": f"year:{y}" for y in range(2027, 2032)},
        "持続可能な開発目標": "ignore",
        "備考": "ignore",
    }
    assert not Initiative.objects.filter(plan=plan6).exists()
    assert not ImportProfile.objects.exists()


def test_the_saved_mapping_previews_imports_and_reads_the_same_layout_next_time(admin_client, plan6):
    response = mapped(admin_client, upload(admin_client, plan6, workbook()))

    assert response.status_code == 200
    assert "新規作成 2件、更新 0件、変更なし 0件" in response.content.decode()
    assert not Initiative.objects.filter(plan=plan6).exists()  # a preview only
    profile = ImportProfile.objects.get(plan=plan6)
    assert profile.mapping["No."] == "number" and profile.mapping["持続可能な開発目標"] == "column:sdgs"
    assert AuditEvent.objects.filter(
        kind=AuditKind.PLAN_IMPORT, detail__contains="見出しの対応を保存"
    ).exists()

    admin_client.post(CONFIRM_URL, response.context["confirm_form"].initial)
    first, second = Initiative.objects.filter(plan=plan6).order_by("number")
    assert (first.name, first.description) == ("窓口DX", "書かない窓口を始める")
    assert first.column_values == {"sdgs": ["SDGs 9", "SDGs 11"]}
    assert [c.mark_in(plan6) for c in first.roadmap.order_by("fiscal_year")] == [
        "検討",
        "実施",
        "⇒",
        "⇒",
        "⇒",
    ]
    assert second.number == 2 and [c.fiscal_year for c in second.roadmap.all()] == [2028, 2029, 2030, 2031]

    # Next year, the same layout: no questions, straight to the preview.
    response = upload(admin_client, plan6, workbook())
    assert "mapping_form" not in response.context
    assert "新規作成 0件、更新 0件、変更なし 2件" in response.content.decode()


def test_a_mapping_without_the_number_column_is_refused_and_saves_nothing(admin_client, plan6):
    response = mapped(admin_client, upload(admin_client, plan6, workbook()), {**MAPPING, "col_0": "ignore"})

    assert response.status_code == 400
    assert "「項番」の列をちょうど1つ選んでください。" in response.content.decode()
    assert not ImportProfile.objects.exists()


def test_two_columns_for_one_field_are_refused(admin_client, plan6):
    response = mapped(
        admin_client, upload(admin_client, plan6, workbook()), {**MAPPING, "col_9": "description"}
    )

    assert response.status_code == 400
    assert "同じ項目に2つの列を選んでいます: 計画内容（内容）" in response.content.decode()


def test_a_known_layout_with_one_unknown_column_proposes_the_known_ones(admin_client, plan6):
    headers = [
        "項番",
        "個別計画名",
        "計画内容",
        "令和9年度",
        "令和10年度",
        "令和11年度",
        "令和12年度",
        "令和13年度",
        "SDGs",
        "備考",
    ]

    response = upload(admin_client, plan6, workbook(headers))

    proposed = {c["header"]: c["proposed"] for c in response.context["unknown"].columns}
    assert proposed == {
        "項番": "number",
        "個別計画名": "name",
        "計画内容": "description",
        **{f"令和{y - 2018}年度": f"year:{y}" for y in range(2027, 2032)},
        "SDGs": "column:sdgs",
        "備考": "ignore",
    }
    assert "2行目 J列: 見出し「備考」を何として読むか決まっていません。" in response.content.decode()


def test_the_command_refuses_an_unmapped_layout_naming_what_to_do(plan6, tmp_path):
    path = tmp_path / "jigyo.xlsx"
    path.write_bytes(workbook())

    stderr = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_plan", str(path), "--plan=6", stdout=io.StringIO(), stderr=stderr)

    assert "何も保存していません" in str(excinfo.value)
    assert (
        "管理画面の取込で、どの列が何を表すかを選んで保存すると、この形の表を読み込めます。"
        in stderr.getvalue()
    )
    assert not Initiative.objects.filter(plan=plan6).exists()


# A 群馬県-style table: 指標, 策定時 (the baseline, with its year), 現状値 (last year's actual), 目標値 per year.
KPI_HEADERS = [
    "No.",
    "事業名",
    "R9",
    "R10",
    "R11",
    "R12",
    "R13",
    "指標",
    "単位",
    "策定時（R7）",
    "現状値",
    "目標値（R9）",
    "目標値（R13）",
]
KPI_ROWS = [
    [1, "窓口DX", "検討", "実施", "⇒", "⇒", "⇒", "書かない窓口の利用率", "％", "１０", 12, 20, "８０"],
    [2, "電子契約", None, "検討", "実施", "⇒", "⇒", "", "", None, None, None, None],
]


def test_a_table_with_indicators_maps_them_with_their_baseline_and_yearly_targets(admin_client, plan6):
    response = upload(admin_client, plan6, workbook(KPI_HEADERS, KPI_ROWS))
    proposed = {c["header"]: c["proposed"] for c in response.context["unknown"].columns}
    assert {h: proposed[h] for h in KPI_HEADERS[7:]} == {
        "指標": "kpi:name",
        "単位": "kpi:unit",
        "策定時（R7）": "kpi:baseline",
        "現状値": "ignore",  # an actual is the survey's, not the plan's
        "目標値（R9）": "kpi:target:2027",
        "目標値（R13）": "kpi:target:2031",
    }
    html = response.content.decode()
    assert "評価の列は、この計画の尺度の語として読みます" in html and "達成／一部達成／未達成" in html

    mapping = {f"col_{n}": value for n, value in enumerate(proposed.values())}
    preview = mapped(admin_client, response, mapping)
    assert preview.status_code == 200, preview.content.decode()
    admin_client.post(CONFIRM_URL, preview.context["confirm_form"].initial)

    first, second = Initiative.objects.filter(plan=plan6).order_by("number")
    [indicator] = first.indicators.all()
    assert (indicator.name, indicator.unit, indicator.baseline, indicator.baseline_year) == (
        "書かない窓口の利用率",
        "％",
        10,
        2025,
    )
    assert [(t.fiscal_year, t.target) for t in indicator.targets.order_by("fiscal_year")] == [
        (2027, 20),
        (2031, 80),
    ]
    assert not second.indicators.exists()
    history = indicator.history.get()
    assert history.history_change_reason and history.history_user is not None

    # The same table again changes nothing; a new target is an update, named in the preview.
    again = upload(admin_client, plan6, workbook(KPI_HEADERS, KPI_ROWS))
    assert "新規作成 0件、更新 0件、変更なし 2件" in again.content.decode()
    changed = [row[:] for row in KPI_ROWS]
    changed[0][12] = 90
    preview = upload(admin_client, plan6, workbook(KPI_HEADERS, changed))
    assert "書かない窓口の利用率の目標値（令和13年度 (2031)）" in preview.content.decode()


def test_a_target_that_is_not_a_number_is_named_by_its_cell(admin_client, plan6):
    rows = [KPI_ROWS[0][:12] + ["約80"]]
    response = upload(admin_client, plan6, workbook(KPI_HEADERS, rows))
    mapping = {f"col_{n}": c["proposed"] for n, c in enumerate(response.context["unknown"].columns)}
    preview = mapped(admin_client, response, mapping)
    assert preview.status_code == 400
    assert "3行目 M列（目標値（R13））: 「約80」は数値ではありません。" in preview.content.decode()
    assert not Initiative.objects.filter(plan=plan6).exists()


def test_a_plan_with_indicators_exports_them_and_reads_its_own_export_back_unchanged(admin_client, plan6):
    from openpyxl import load_workbook

    from initiatives.models import Indicator, IndicatorTarget
    from initiatives.spreadsheet import read_plan_workbook, write_plan_workbook

    upload_and_confirm = mapped(admin_client, upload(admin_client, plan6, workbook()))
    admin_client.post(CONFIRM_URL, upload_and_confirm.context["confirm_form"].initial)
    first = Initiative.objects.get(plan=plan6, number=1)
    indicator = Indicator.objects.create(
        initiative=first, name="書かない窓口の利用率", unit="％", baseline=10, baseline_year=2025
    )
    IndicatorTarget.objects.create(indicator=indicator, fiscal_year=2027, target=20)
    IndicatorTarget.objects.create(indicator=indicator, fiscal_year=2031, target="80.5")

    data = write_plan_workbook(plan6, Initiative.objects.for_plan_table(plan6))
    sheet = load_workbook(io.BytesIO(data)).active
    headers = [c.value for c in sheet[3]]
    assert headers[-9:] == [
        "指標（KPI）",
        "指標の単位",
        "基準値",
        "基準年度",
        *(f"目標値 令和{y - 2018}年度 ({y})" for y in range(2027, 2032)),
    ]
    assert [c.value for c in sheet[5]][-9:] == [
        "書かない窓口の利用率",
        "％",
        10,
        "令和7年度 (2025)",
        20,
        None,
        None,
        None,
        80.5,
    ]

    ImportProfile.objects.filter(plan=plan6).delete()  # its own export needs no mapping
    rows = read_plan_workbook(data, plan6)
    assert rows[0].indicator == {
        "name": "書かない窓口の利用率",
        "unit": "％",
        "baseline": 10,
        "baseline_year": 2025,
        "targets": {2027: 20, 2031: Decimal("80.5")},
    }
    assert rows[1].indicator == {}
    response = admin_client.post(
        IMPORT_URL,
        {"plan": plan6.pk, "file": SimpleUploadedFile("export.xlsx", data, content_type=XLSX_CONTENT_TYPE)},
    )
    assert "新規作成 0件、更新 0件、変更なし 2件" in response.content.decode()

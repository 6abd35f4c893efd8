"""Survey workbooks for departments: download one per department, fill it in, upload, preview, confirm.

Two made-up departments own some of the fifth plan's initiatives (the document names none): 総務課 owns
16, 19 and 25, 企画課 owns 1 and 3. The survey is 令和6年度 (2024), open for entry.
"""

import datetime
import io
import logging
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.timezone import localtime
from openpyxl import load_workbook

from initiatives.models import Department, Indicator, IndicatorTarget, Initiative
from reviews import survey_workbooks as workbooks
from reviews.cycles import start_cycle, take_step
from reviews.entries import save_entry
from reviews.models import ReviewCycle, StatusEntry
from reviews.roles import Role
from tests.test_plan_import import billion_laughs, rewrite_zip, xml_part
from workbooks import XLSX_CONTENT_TYPE

YEAR = 2024
SOMU_NUMBERS = [16, 19, 25]
KIKAKU_NUMBERS = [1, 3]
FIRST_ROW = workbooks.HEADER_ROW + 1
REASON = "調査票（xlsx）の取込"

NOT_XLSX = "Excel形式（.xlsx）のファイルではありません"
TOO_BIG_FILE = "ファイルが大きすぎます"
BOMB = "ファイルの展開後のサイズが大きすぎるため読み込みません（圧縮爆弾の疑い）"
MACRO = "マクロを含むブック（.xlsm など）は受け付けません"
DTD = "ブックの中のXMLに文書型定義（DOCTYPE）や実体（ENTITY）の宣言があるため"
NOTHING_SAVED = "この調査票は取り込めません。何も保存していません。"


# --- Builders -------------------------------------------------------------------------------------------


@pytest.fixture
def somu(plan5):
    department = Department.objects.create(name="総務課")
    Initiative.objects.filter(plan=plan5, number__in=SOMU_NUMBERS).update(department=department)
    return department


@pytest.fixture
def kikaku(plan5):
    department = Department.objects.create(name="企画課")
    Initiative.objects.filter(plan=plan5, number__in=KIKAKU_NUMBERS).update(department=department)
    return department


@pytest.fixture
def indicators(plan5):
    """利用率 (target 80 ％ this year) for 16, 電子決裁率 (no target this year) for 19; 25 has none."""
    usage = Indicator.objects.create(initiative=plan5.initiatives.get(number=16), name="利用率", unit="％")
    IndicatorTarget.objects.create(indicator=usage, fiscal_year=YEAR, target=80)
    e_approval = Indicator.objects.create(
        initiative=plan5.initiatives.get(number=19), name="電子決裁率", unit="％"
    )
    IndicatorTarget.objects.create(indicator=e_approval, fiscal_year=YEAR + 1, target=50)
    return {16: usage, 19: e_approval}


@pytest.fixture
def cycle(plan5, somu, kikaku, indicators, admin_user):
    return take_step(start_cycle(plan5, YEAR, admin_user), "open", admin_user)


def person(django_user_model, username, role, *departments):
    user = django_user_model.objects.create_user(username, password="x")
    user.groups.add(role.group())
    for department in departments:
        department.members.add(user)
    return user


@pytest.fixture
def staff(django_user_model):
    return person(django_user_model, "staff", Role.STAFF)


@pytest.fixture
def somu_editor(django_user_model, somu):
    return person(django_user_model, "somu-editor", Role.DEPARTMENT, somu)


@pytest.fixture
def committee_member(django_user_model):
    return person(django_user_model, "committee", Role.COMMITTEE)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def entry(cycle, number):
    return StatusEntry.objects.select_related("updated_by").get(cycle=cycle, initiative__number=number)


def download_url(cycle, department):
    return reverse("reviews:workbook_download", args=[cycle.pk, department.pk])


def download(client, cycle, department):
    response = client.get(download_url(cycle, department))
    assert response.status_code == 200, response.status_code
    return response.content


def sheet_of(data):
    return load_workbook(io.BytesIO(data))[workbooks.SURVEY_SHEET]


def fill(data, rows=None, *, append=()):
    """The workbook with cells typed in: rows = {項番: {header: value}}; append = extra rows {header: value}."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[workbooks.SURVEY_SHEET]
    columns = {cell.value: cell.column for cell in sheet[workbooks.HEADER_ROW]}
    for number, cells in (rows or {}).items():
        row = next(r[0].row for r in sheet.iter_rows(min_row=FIRST_ROW) if r[0].value == number)
        for header, value in cells.items():
            sheet.cell(row=row, column=columns[header]).value = value
    for cells in append:
        row = sheet.max_row + 1
        for header, value in cells.items():
            sheet.cell(row=row, column=columns[header]).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fill_actuals(data, actuals):
    """The workbook with 実績値 typed on its 指標 sheet: actuals = {項番: value}."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[workbooks.KPI_SHEET]
    columns = {cell.value: cell.column for cell in sheet[workbooks.HEADER_ROW]}
    for number, value in actuals.items():
        row = next(r[0].row for r in sheet.iter_rows(min_row=FIRST_ROW) if r[0].value == number)
        sheet.cell(row=row, column=columns["実績値"]).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, cycle, department, data, name="調査票.xlsx"):
    file = SimpleUploadedFile(name, data, content_type=XLSX_CONTENT_TYPE)
    return client.post(
        reverse("reviews:workbook_upload", args=[cycle.pk]), {"department": department.pk, "file": file}
    )


def confirm(client, cycle, preview):
    return client.post(
        reverse("reviews:workbook_confirm", args=[cycle.pk]),
        preview.context["confirm_form"].initial,
        follow=True,
    )


def statuses(preview):
    return {row.number: row.status for row in preview.context["rows"]}


def stored(cycle):
    """Every entry of the cycle as stored, with its version: equal snapshots mean nothing was written."""
    return list(
        StatusEntry.objects.filter(cycle=cycle)
        .order_by("initiative__number")
        .values("initiative__number", "version", *StatusEntry.EDITABLE_FIELDS)
    )


A_GOOD_ANSWER = {
    "実施状況": "実施中",
    "達成状況": "一部達成",
    "取組内容": "①グループウェアを全庁に展開した。\n②操作研修を3回行った。",
    "今後の方向性": "継続",
}
AN_ACTUAL = "１,234.5"  # typed with a full-width digit and a thousands comma


# --- Downloading ----------------------------------------------------------------------------------------


def test_the_workbook_lists_only_the_departments_initiatives_with_the_planned_stage(
    staff_client, cycle, somu
):
    sheet = sheet_of(download(staff_client, cycle, somu))

    assert sheet["A1"].value == "達成状況調査 令和6年度 (2024) — 総務課"
    assert sheet["A2"].value == cycle.plan.title
    headers = [c.value for c in sheet[workbooks.HEADER_ROW]]
    assert headers == [c.header for c in workbooks.COLUMNS]
    assert headers[:5] == ["項番", "個別計画名", "計画上の段階", "実施状況", "進捗"]
    rows = list(sheet.iter_rows(min_row=FIRST_ROW, max_col=3, values_only=True))
    assert rows == [
        (16, "グループウェアの導入", "実施"),
        (19, "文書管理・電子決裁システムの導入", "実施"),
        (25, "庶務事務システムの導入", "実施"),
    ]


def test_the_planned_stage_is_the_roadmaps_for_the_cycles_year(staff_client, plan5, kikaku, admin_user):
    cycle = take_step(start_cycle(plan5, 2023, admin_user), "open", admin_user)
    sheet = sheet_of(download(staff_client, cycle, kikaku))
    # 項番 3 studies in 2023 and implements from 2024.
    assert [r for r in sheet.iter_rows(min_row=FIRST_ROW, max_col=3, values_only=True)][1] == (
        3,
        "GIS(公開型)の導入",
        "検討",
    )


def test_the_status_columns_offer_the_citys_words_as_drop_down_lists(staff_client, cycle, somu):
    sheet = sheet_of(download(staff_client, cycle, somu))
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}

    for letter, words in [
        ("D", ["未着手", "検討中", "実施中", "完了", "中止"]),
        ("E", ["計画より進んでいる", "計画どおり", "計画より遅れている", "評価できない"]),
        ("F", ["達成", "一部達成", "未達成"]),
        ("I", ["継続", "拡充", "見直し", "取組終了"]),
    ]:
        validation = validations[f"{letter}4:{letter}6"]
        assert validation.type == "list"
        assert validation.formula1 == '"' + ",".join(words) + '"'
        assert validation.allow_blank
        assert validation.showErrorMessage
    assert len(validations) == 4


def test_the_version_column_is_hidden_and_the_fixed_columns_locked(staff_client, cycle, somu, staff):
    save_entry(entry(cycle, 19), {"actions": "途中まで入力"}, staff, based_on_version=0)
    sheet = sheet_of(download(staff_client, cycle, somu))

    assert sheet["L3"].value == "版"
    assert sheet.column_dimensions["L"].hidden
    assert [sheet[f"L{r}"].value for r in (4, 5, 6)] == [0, 1, 0]
    assert sheet.protection.sheet
    assert sheet["A4"].protection.locked and sheet["C4"].protection.locked
    assert not sheet["D4"].protection.locked and not sheet["G4"].protection.locked
    assert sheet["G5"].value == "途中まで入力"


def test_the_workbook_prints_on_a4_landscape_with_its_header_frozen(staff_client, cycle, somu):
    sheet = sheet_of(download(staff_client, cycle, somu))
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == "9"  # A4
    assert sheet.freeze_panes == "C4"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.column_dimensions["G"].width == 50
    assert sheet["G4"].alignment.wrap_text


def test_the_workbook_records_its_cycle_and_department_on_a_hidden_sheet(staff_client, cycle, somu):
    response = staff_client.get(download_url(cycle, somu))
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    info = book[workbooks.INFO_SHEET]
    assert info.sheet_state == "veryHidden"
    values = {row[0]: row[1] for row in info.iter_rows(values_only=True)}
    assert values["調査ID"] == cycle.pk
    assert values["担当課ID"] == somu.pk
    assert values["担当課"] == "総務課"


def test_text_that_looks_like_a_formula_stays_text_and_comes_back_unchanged(staff_client, cycle, somu, staff):
    save_entry(entry(cycle, 16), {"actions": '=HYPERLINK("x")', "issues": "-検討中"}, staff, 0)
    data = download(staff_client, cycle, somu)
    sheet = sheet_of(data)
    assert sheet["G4"].value == '=HYPERLINK("x")'
    assert sheet["G4"].data_type == "s"

    preview = upload(staff_client, cycle, somu, data)
    assert set(statuses(preview).values()) == {workbooks.RowStatus.UNCHANGED}


def test_every_status_field_has_a_column_and_the_actuals_a_sheet():
    names = {c.name for c in workbooks.COLUMNS}
    assert set(StatusEntry.EDITABLE_FIELDS) - names == {"kpi_actuals"}
    assert "actual" in {c.name for c in workbooks.KPI_COLUMNS}


def test_the_indicators_sheet_lists_each_indicator_with_its_target_and_only_the_actual_open(
    staff_client, cycle, somu, indicators
):
    book = load_workbook(io.BytesIO(download(staff_client, cycle, somu)))
    sheet = book[workbooks.KPI_SHEET]
    assert [c.value for c in sheet[workbooks.HEADER_ROW]][:7] == [
        "項番",
        "個別計画名",
        "指標名",
        "単位",
        "基準値",
        "目標値",
        "実績値",
    ]
    rows = list(sheet.iter_rows(min_row=FIRST_ROW, max_col=7, values_only=True))
    assert rows == [
        (16, "グループウェアの導入", "利用率", "％", None, 80, None),
        (19, "文書管理・電子決裁システムの導入", "電子決裁率", "％", None, None, None),
    ]
    assert sheet.protection.sheet
    assert sheet["F4"].protection.locked and not sheet["G4"].protection.locked
    assert sheet.column_dimensions["H"].hidden and sheet["H4"].value == indicators[16].pk


# --- The round trip -------------------------------------------------------------------------------------


def test_a_filled_in_workbook_is_previewed_then_written_on_confirmation(
    staff_client, cycle, somu, staff, indicators
):
    data = fill(
        download(staff_client, cycle, somu),
        {16: A_GOOD_ANSWER, 19: {"実施状況": "完了", "進捗": "計画どおり", "達成状況": "達成"}},
    )
    data = fill_actuals(data, {16: AN_ACTUAL})
    before = stored(cycle)

    preview = upload(staff_client, cycle, somu, data)

    assert preview.status_code == 200
    assert statuses(preview) == {16: "changed", 19: "changed", 25: "unchanged"}
    html = preview.content.decode()
    assert "変更あり 2件、変更なし 1件、取り込まない行 0件" in html
    assert "<strong>実施状況</strong>: （空欄） → <ins>実施中</ins>" in html
    assert (
        "<strong>進捗</strong>: （空欄） → <ins>計画どおり</ins>" in html
    )  # proposed: 実施 planned, 実施中 reached
    assert "<strong>実績値（利用率）</strong>: （空欄） → <ins>1234.50</ins>" in html
    assert "進捗が空欄だったため" in html
    assert stored(cycle) == before

    response = confirm(staff_client, cycle, preview)

    assert "総務課の調査票を取り込み、2件の入力を保存しました。" in response.content.decode()
    saved = entry(cycle, 16)
    assert saved.stage_reached == "実施中"
    assert saved.progress == "計画どおり"
    assert saved.achievement == "一部達成"
    assert saved.actions == "①グループウェアを全庁に展開した。\n②操作研修を3回行った。"
    assert saved.direction == "継続"
    assert saved.kpi_actuals == {str(indicators[16].pk): "1234.50"}
    assert (saved.version, saved.updated_by) == (1, staff)
    assert entry(cycle, 19).state == "入力中"  # 取組内容 and 今後の方向性 are still missing
    record = saved.history.order_by("-history_id").first()
    assert record.history_change_reason == REASON
    assert record.history_user == staff
    assert entry(cycle, 25).version == 0


def test_a_workbook_downloaded_again_after_import_comes_back_unchanged(staff_client, cycle, somu):
    data = fill_actuals(
        fill(download(staff_client, cycle, somu), {16: A_GOOD_ANSWER}), {16: AN_ACTUAL, 19: 0}
    )
    preview = upload(staff_client, cycle, somu, data)
    confirm(staff_client, cycle, preview)
    assert entry(cycle, 19).kpi_actuals  # a zero is an actual

    preview = upload(staff_client, cycle, somu, download(staff_client, cycle, somu))

    assert set(statuses(preview).values()) == {"unchanged"}
    assert preview.context["confirm_form"] is None
    assert "保存する変更はありません。" in preview.content.decode()


def test_text_saved_in_the_browser_with_windows_line_ends_comes_back_unchanged(
    staff_client, cycle, somu, staff
):
    save_entry(entry(cycle, 16), {"actions": "一行目\r\n二行目"}, staff, 0)
    preview = upload(staff_client, cycle, somu, download(staff_client, cycle, somu))
    assert statuses(preview)[16] == "unchanged"


def test_the_import_is_logged_with_who_which_department_and_the_counts(staff_client, cycle, somu, caplog):
    preview = upload(
        staff_client, cycle, somu, fill(download(staff_client, cycle, somu), {25: {"課題": "予算"}})
    )
    with caplog.at_level(logging.INFO, logger="reviews.survey_workbooks"):
        confirm(staff_client, cycle, preview)
    [line] = [r.getMessage() for r in caplog.records if r.name == "reviews.survey_workbooks"]
    assert "by staff" in line and f"cycle {cycle.pk}" in line and "総務課" in line
    assert "1 written" in line and "変更あり 1件、変更なし 2件" in line


def test_a_confirmed_file_cannot_be_applied_twice(staff_client, cycle, somu):
    preview = upload(
        staff_client, cycle, somu, fill(download(staff_client, cycle, somu), {25: {"課題": "予算"}})
    )
    confirm(staff_client, cycle, preview)
    response = confirm(staff_client, cycle, preview)
    assert "確認待ちのファイルが見つかりません" in response.content.decode()
    assert entry(cycle, 25).version == 1


# --- Bad workbooks: refused whole, each problem named by row and column ---------------------------------


def refused(client, cycle, department, data, **kwargs):
    before = stored(cycle)
    response = upload(client, cycle, department, data, **kwargs)
    assert response.status_code == 400
    assert stored(cycle) == before
    html = response.content.decode()
    assert NOTHING_SAVED in html
    return response.context["errors"]


def test_a_word_not_in_the_list_is_named_with_the_words_allowed(staff_client, cycle, somu):
    data = fill(download(staff_client, cycle, somu), {16: {"実施状況": "済"}})
    assert refused(staff_client, cycle, somu, data) == [
        "4行目 D列（実施状況）: 「済」は使えません。「未着手」「検討中」「実施中」「完了」「中止」のいずれかを選んでください。"
    ]


def test_one_bad_row_among_good_ones_writes_nothing(staff_client, cycle, somu):
    data = fill(
        download(staff_client, cycle, somu),
        {16: A_GOOD_ANSWER, 19: {"今後の方向性": "やめる"}, 25: {"進捗": "順調"}},
    )
    errors = refused(staff_client, cycle, somu, data)
    assert [e.split(":")[0] for e in errors] == ["5行目 I列（今後の方向性）", "6行目 E列（進捗）"]


@pytest.mark.parametrize("value", ["約80", "80%", "1,23", "八十", "NaN"])
def test_a_number_that_is_not_one_is_named_by_its_cell(staff_client, cycle, somu, value):
    data = fill_actuals(download(staff_client, cycle, somu), {19: value})
    assert refused(staff_client, cycle, somu, data) == [
        f"指標シート 5行目 G列（実績値）: 「{value}」は数値として読めません。数字だけを入力してください（単位は「単位」の列へ）。"
    ]


def test_numbers_with_too_many_decimals_or_digits_are_refused(staff_client, cycle, somu):
    data = fill_actuals(download(staff_client, cycle, somu), {16: 0.125, 19: 10**13})
    assert refused(staff_client, cycle, somu, data) == [
        "指標シート 4行目 G列（実績値）: 0.125 は小数点以下が2桁を超えています。",
        "指標シート 5行目 G列（実績値）: 数値が大きすぎます（整数部分は12桁まで）。",
    ]


def test_an_indicator_row_of_another_departments_initiative_is_refused(staff_client, cycle, somu, plan5):
    other = Indicator.objects.create(initiative=plan5.initiatives.get(number=1), name="申請件数")
    book = load_workbook(io.BytesIO(download(staff_client, cycle, somu)))
    sheet = book[workbooks.KPI_SHEET]
    sheet.append([1, "", "申請件数", "", None, None, 5, other.pk])
    out = io.BytesIO()
    book.save(out)
    assert refused(staff_client, cycle, somu, out.getvalue()) == [
        "指標シート 6行目 A列（項番）: この行は総務課の個別計画の指標ではありません。調査票をダウンロードし直して記入してください。"
    ]


def test_text_longer_than_the_field_allows_is_refused(staff_client, cycle, somu):
    data = fill(download(staff_client, cycle, somu), {25: {"課題": "あ" * 5001}})
    assert refused(staff_client, cycle, somu, data) == [
        "6行目 H列（課題）: 5001文字あります。5000文字以内にしてください。"
    ]


def test_a_row_for_another_departments_initiative_is_refused(staff_client, cycle, somu):
    data = fill(
        download(staff_client, cycle, somu),
        {16: A_GOOD_ANSWER},
        append=[{"項番": 1, "実施状況": "完了", "版": 0}, {"項番": 2, "実施状況": "完了", "版": 0}],
    )
    assert refused(staff_client, cycle, somu, data) == [
        "7行目 A列（項番）: 項番 1「行政手続きのオンライン化」は企画課の個別計画です。総務課の調査票では取り込めません。",
        "8行目 A列（項番）: 項番 2「施設予約システムの導入」は担当課が未設定の個別計画です。総務課の調査票では取り込めません。",
    ]
    assert entry(cycle, 1).stage_reached == ""


def test_a_row_whose_number_is_changed_to_another_departments_is_refused(staff_client, cycle, somu):
    data = fill(download(staff_client, cycle, somu), {25: {"項番": "３"}})
    [error] = refused(staff_client, cycle, somu, data)
    assert error.startswith("6行目 A列（項番）: 項番 3「GIS(公開型)の導入」は企画課の個別計画です。")


def test_unknown_duplicate_and_missing_numbers_are_refused(staff_client, cycle, somu):
    data = fill(
        download(staff_client, cycle, somu),
        append=[{"項番": 99, "版": 0}, {"項番": 16, "課題": "x", "版": 0}, {"課題": "番号なし"}],
    )
    assert refused(staff_client, cycle, somu, data) == [
        "7行目 A列（項番）: 項番 99 はこの調査にありません。",
        "8行目 A列（項番）: 項番 16 が4行目と重複しています。",
        "9行目 A列（項番）: 項番が空です。",
    ]


def test_a_forged_version_is_refused(staff_client, cycle, somu):
    data = fill(download(staff_client, cycle, somu), {16: {"版": 7, "課題": "x"}, 19: {"版": "最新"}})
    errors = refused(staff_client, cycle, somu, data)
    assert [e.split(":")[0] for e in errors] == ["4行目 L列（版）", "5行目 L列（版）"]


def test_a_workbook_of_another_department_is_refused(staff_client, cycle, somu, kikaku):
    data = download(staff_client, cycle, kikaku)
    assert refused(staff_client, cycle, somu, data) == [
        "この調査票は企画課のものです。総務課の調査票として取り込むことはできません。担当課の選択を確認してください。"
    ]


def test_a_workbook_of_another_cycle_is_refused(staff_client, cycle, somu, admin_user):
    other = take_step(start_cycle(cycle.plan, 2023, admin_user), "open", admin_user)
    data = download(staff_client, other, somu)
    [error] = refused(staff_client, cycle, somu, data)
    assert error.startswith(
        "この調査票は「第五次東大和市情報化推進計画 達成状況調査 令和5年度 (2023)」のものです。"
    )


def test_a_workbook_that_is_not_a_survey_is_refused(staff_client, cycle, somu):
    from initiatives.spreadsheet import write_plan_workbook

    data = write_plan_workbook(cycle.plan, Initiative.objects.for_plan_table(cycle.plan))
    [error] = refused(staff_client, cycle, somu, data)
    assert "本システムの調査票ではない" in error


def test_a_workbook_whose_columns_were_deleted_is_refused(staff_client, cycle, somu):
    book = load_workbook(io.BytesIO(download(staff_client, cycle, somu)))
    book[workbooks.SURVEY_SHEET].delete_cols(5)  # 進捗
    out = io.BytesIO()
    book.save(out)
    [error] = refused(staff_client, cycle, somu, out.getvalue())
    assert error.startswith("3行目: 見出し「進捗」の列がありません。")


def test_a_file_that_is_not_xlsx_is_refused(staff_client, cycle, somu):
    [error] = refused(staff_client, cycle, somu, "項番,実施状況\n16,完了\n".encode(), name="調査票.csv")
    assert NOT_XLSX in error


def test_a_macro_enabled_workbook_is_refused(staff_client, cycle, somu):
    data = download(staff_client, cycle, somu)
    data = rewrite_zip(data, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)})
    [error] = refused(staff_client, cycle, somu, data, name="調査票.xlsm")
    assert MACRO in error


def test_a_file_over_the_size_limit_is_refused(staff_client, cycle, somu, settings):
    data = download(staff_client, cycle, somu)
    settings.SPREADSHEET_MAX_BYTES = len(data) - 1
    [error] = refused(staff_client, cycle, somu, data)
    assert TOO_BIG_FILE in error


def test_a_zip_bomb_is_refused(staff_client, cycle, somu):
    data = download(staff_client, cycle, somu)
    content_types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml")
    bomb = rewrite_zip(data, {"[Content_Types].xml": content_types + b" " * (16 * 1024 * 1024)})
    [error] = refused(staff_client, cycle, somu, bomb)
    assert BOMB in error


def test_a_sheet_with_a_doctype_is_refused(staff_client, cycle, somu):
    data = download(staff_client, cycle, somu)
    sheet = (
        b'<?xml version="1.0"?>' + billion_laughs("worksheet") + xml_part(data, "xl/worksheets/sheet1.xml")
    )
    [error] = refused(staff_client, cycle, somu, rewrite_zip(data, {"xl/worksheets/sheet1.xml": sheet}))
    assert DTD in error


# --- Stale rows -----------------------------------------------------------------------------------------


def test_a_row_changed_in_the_browser_after_download_is_flagged_and_not_applied(
    staff_client, cycle, somu, staff
):
    data = download(staff_client, cycle, somu)
    save_entry(entry(cycle, 16), {"actions": "画面から入力した内容"}, staff, based_on_version=0)
    data = fill(data, {16: {"取組内容": "調査票に書いた内容"}, 19: {"課題": "人手不足"}})

    preview = upload(staff_client, cycle, somu, data)

    assert statuses(preview) == {16: "stale", 19: "changed", 25: "unchanged"}
    html = preview.content.decode()
    assert "取り込まない（古い調査票）" in html
    stamp = localtime(entry(cycle, 16).updated_at).strftime("%Y-%m-%d %H:%M")
    assert f"staff さんが {stamp} にこの入力を変更しています（調査票は第0版、現在は第1版）" in html
    assert "<del>画面から入力した内容</del> → <ins>調査票に書いた内容</ins>" in html

    confirm(staff_client, cycle, preview)

    assert entry(cycle, 16).actions == "画面から入力した内容"
    assert entry(cycle, 16).version == 1
    assert entry(cycle, 19).issues == "人手不足"


def test_a_row_left_as_it_was_is_unchanged_even_if_the_entry_moved_on(staff_client, cycle, somu, staff):
    data = download(staff_client, cycle, somu)
    save_entry(entry(cycle, 25), {"actions": "画面から入力した内容"}, staff, based_on_version=0)

    preview = upload(staff_client, cycle, somu, fill(data, {19: {"課題": "人手不足"}}))

    assert statuses(preview) == {16: "unchanged", 19: "changed", 25: "unchanged"}
    confirm(staff_client, cycle, preview)
    assert entry(cycle, 25).actions == "画面から入力した内容"


def test_a_save_between_preview_and_confirmation_rolls_everything_back(staff_client, cycle, somu, staff):
    data = fill(download(staff_client, cycle, somu), {16: A_GOOD_ANSWER, 19: {"課題": "人手不足"}})
    preview = upload(staff_client, cycle, somu, data)
    assert statuses(preview) == {16: "changed", 19: "changed", 25: "unchanged"}
    save_entry(entry(cycle, 19), {"issues": "画面から"}, staff, based_on_version=0)
    before = stored(cycle)

    response = confirm(staff_client, cycle, preview)

    assert "確認画面を表示した後に、項番 19 がほかの人によって保存されました。何も保存していません。" in (
        response.content.decode()
    )
    assert stored(cycle) == before
    assert entry(cycle, 16).version == 0


# --- Who may use which workbook -------------------------------------------------------------------------


def test_a_department_editor_downloads_and_returns_their_own_departments_workbook(
    client, cycle, somu, somu_editor
):
    client.force_login(somu_editor)
    preview = upload(client, cycle, somu, fill(download(client, cycle, somu), {19: {"課題": "人手不足"}}))
    confirm(client, cycle, preview)
    assert entry(cycle, 19).issues == "人手不足"
    assert entry(cycle, 19).updated_by == somu_editor


def test_a_department_editor_cannot_use_another_departments_workbook(
    client, cycle, somu, kikaku, somu_editor, staff_client, caplog
):
    data = fill(download(staff_client, cycle, kikaku), {1: {"課題": "x"}})
    preview = upload(staff_client, cycle, kikaku, data)
    client.force_login(somu_editor)
    before = stored(cycle)

    with caplog.at_level(logging.WARNING, logger="reviews.access"):
        assert client.get(download_url(cycle, kikaku)).status_code == 403
        assert upload(client, cycle, kikaku, data).status_code == 403
        response = client.post(
            reverse("reviews:workbook_confirm", args=[cycle.pk]), preview.context["confirm_form"].initial
        )
        assert response.status_code == 403

    assert stored(cycle) == before
    refusals = [r.getMessage() for r in caplog.records if r.name == "reviews.access"]
    assert len(refusals) == 3
    assert all("user=somu-editor" in line and f"department {kikaku.pk}" in line for line in refusals)


def test_a_committee_member_cannot_download_or_upload(client, cycle, somu, committee_member, staff_client):
    data = download(staff_client, cycle, somu)
    client.force_login(committee_member)
    assert client.get(download_url(cycle, somu)).status_code == 403
    assert upload(client, cycle, somu, data).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, cycle, somu):
    response = client.get(download_url(cycle, somu))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_department_owning_nothing_in_the_plan_has_no_workbook(staff_client, cycle):
    empty = Department.objects.create(name="議会事務局")
    assert staff_client.get(download_url(cycle, empty)).status_code == 404


def test_a_compiled_cycle_refuses_upload_and_confirmation(staff_client, cycle, somu, staff):
    preview = upload(
        staff_client, cycle, somu, fill(download(staff_client, cycle, somu), {19: {"課題": "x"}})
    )
    take_step(cycle, "compile", staff)
    before = stored(cycle)

    response = confirm(staff_client, cycle, preview)
    assert "この調査は「取りまとめ済」のため、調査票を取り込めません。何も保存していません。" in (
        response.content.decode()
    )
    data = fill(download(staff_client, cycle, somu), {19: {"課題": "x"}})  # downloading is still allowed
    response = upload(staff_client, cycle, somu, data)
    assert response.status_code == 302
    assert stored(cycle) == before


# --- The worklist offers the workbooks ------------------------------------------------------------------


def test_the_worklist_offers_staff_every_departments_workbook(staff_client, cycle, somu, kikaku):
    html = staff_client.get(reverse("reviews:worklist", args=[cycle.pk])).content.decode()
    assert f'href="{download_url(cycle, kikaku)}">企画課の調査票（2件）</a>' in html
    assert f'href="{download_url(cycle, somu)}">総務課の調査票（3件）</a>' in html
    assert reverse("reviews:workbook_upload", args=[cycle.pk]) in html


def test_the_worklist_offers_a_department_editor_only_their_own(client, cycle, somu, kikaku, somu_editor):
    client.force_login(somu_editor)
    response = client.get(reverse("reviews:worklist", args=[cycle.pk]))
    html = response.content.decode()
    assert download_url(cycle, somu) in html
    assert download_url(cycle, kikaku) not in html
    upload_form = html.split('class="stacked-form workbook-upload"')[1].split("</form>")[0]
    assert f'<option value="{somu.pk}">総務課</option>' in upload_form
    assert "企画課" not in upload_form


def test_downloading_takes_the_same_few_queries_however_many_initiatives(
    staff_client, cycle, somu, plan5, django_assert_num_queries
):
    Initiative.objects.filter(plan=plan5, number__gt=3).update(department=somu)
    # session, user, the user's groups, the cycle, the department, the entries with their planned stages; the
    # plan's rating scales with their words (the columns' names and drop-down lists); the initiatives'
    # indicators and their targets (the 指標 sheet); the plan's roadmap stages (the words of 実施状況); the
    # plan's previous survey (last year's 取組内容; none here, so no query for its entries).
    with django_assert_num_queries(12):
        sheet = sheet_of(download(staff_client, cycle, somu))
    assert sheet.max_row == workbooks.HEADER_ROW + 23


# --- Last year at hand, and the progress contradicting the roadmap ---------------------------------------


def test_the_workbook_carries_last_years_text_locked(client, plan5, somu, admin_user, staff):
    before = take_step(start_cycle(plan5, YEAR - 1, admin_user), "open", admin_user)
    save_entry(entry(before, 16), {"actions": "前年度は掲示板を試行した。"}, staff, based_on_version=0)
    cycle = take_step(start_cycle(plan5, YEAR, admin_user), "open", admin_user)
    client.force_login(staff)
    sheet = sheet_of(download(client, cycle, somu))
    columns = {cell.value: cell.column_letter for cell in sheet[workbooks.HEADER_ROW]}
    letter = columns["前年度の取組内容"]
    row = next(r[0].row for r in sheet.iter_rows(min_row=FIRST_ROW) if r[0].value == 16)
    assert sheet[f"{letter}{row}"].value == "前年度は掲示板を試行した。"
    assert sheet[f"{letter}{row}"].protection.locked
    # Typing over it (the sheet is unprotected in some clients) changes nothing: it is never read back.
    data = fill(download(client, cycle, somu), {16: {"前年度の取組内容": "書き換え", "課題": "予算"}})
    preview = upload(client, cycle, somu, data)
    confirm(client, cycle, preview)
    assert entry(before, 16).actions == "前年度は掲示板を試行した。"
    assert entry(cycle, 16).issues == "予算"


def test_a_contradicted_progress_without_a_reason_is_refused_by_row_and_column(staff_client, cycle, somu):
    planned = entry_planned(cycle, 16)
    behind = {"検討": "未着手", "実施": "検討中"}[planned]
    data = fill(download(staff_client, cycle, somu), {16: {"実施状況": behind, "進捗": "計画どおり"}})
    errors = refused(staff_client, cycle, somu, data)
    assert errors == [
        f"4行目 J列（自己評価と年次計画の差の理由）: 進捗は「計画どおり」ですが、実施状況「{behind}」は年次計画では"
        "「計画より遅れている」にあたります（自己評価と年次計画の差）。理由を記入してください。"
    ]
    data = fill(
        download(staff_client, cycle, somu),
        {16: {"実施状況": behind, "進捗": "計画どおり", "自己評価と年次計画の差の理由": "調達を前倒し済み"}},
    )
    confirm(staff_client, cycle, upload(staff_client, cycle, somu, data))
    assert entry(cycle, 16).progress_reason == "調達を前倒し済み"


def test_a_workbook_made_before_the_reason_column_still_reads(staff_client, cycle, somu):
    book = load_workbook(io.BytesIO(fill(download(staff_client, cycle, somu), {16: {"課題": "予算"}})))
    sheet = book[workbooks.SURVEY_SHEET]
    columns = {cell.value: cell.column for cell in sheet[workbooks.HEADER_ROW]}
    sheet.delete_cols(columns["自己評価と年次計画の差の理由"], 2)  # and 前年度の取組内容
    out = io.BytesIO()
    book.save(out)
    preview = upload(staff_client, cycle, somu, out.getvalue())
    assert preview.status_code == 200, preview.context.get("errors")
    confirm(staff_client, cycle, preview)
    assert entry(cycle, 16).issues == "予算"


def entry_planned(cycle, number):
    from initiatives.models import RoadmapCell

    return RoadmapCell.objects.get(
        initiative__plan=cycle.plan, initiative__number=number, fiscal_year=cycle.fiscal_year
    ).stage


def test_importing_a_workbook_submits_what_it_completed(client, cycle, somu, somu_editor):
    client.force_login(somu_editor)
    complete = {
        "実施状況": "実施中",
        "達成状況": "一部達成",
        "取組内容": "運用を開始した。",
        "今後の方向性": "継続",
    }
    data = fill(download(client, cycle, somu), {16: complete, 19: {"課題": "予算"}})
    preview = upload(client, cycle, somu, data)
    assert 'name="submit" id="id_submit" checked' in preview.content.decode()  # offered, ticked
    response = client.post(
        reverse("reviews:workbook_confirm", args=[cycle.pk]),
        {**preview.context["confirm_form"].initial, "submit": "on"},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert "項番 16 を提出しました。" in texts
    assert "項番 19 は必要な項目がそろっていないため、提出していません。" in texts
    assert (entry(cycle, 16).state, entry(cycle, 19).state) == ("提出済", "入力中")
    assert entry(cycle, 16).events.get().user == somu_editor


def test_importing_without_submitting_leaves_entries_in_progress(client, cycle, somu, somu_editor):
    client.force_login(somu_editor)
    complete = {
        "実施状況": "実施中",
        "達成状況": "一部達成",
        "取組内容": "運用を開始した。",
        "今後の方向性": "継続",
    }
    preview = upload(client, cycle, somu, fill(download(client, cycle, somu), {16: complete}))
    client.post(reverse("reviews:workbook_confirm", args=[cycle.pk]), preview.context["confirm_form"].initial)
    assert entry(cycle, 16).state == "入力中"


def test_the_workbook_says_when_it_is_due(staff_client, cycle, somu):
    assert (
        sheet_of(download(staff_client, cycle, somu))["A1"].value == "達成状況調査 令和6年度 (2024) — 総務課"
    )
    ReviewCycle.objects.filter(pk=cycle.pk).update(due_date=datetime.date(2024, 12, 20))
    title = sheet_of(download(staff_client, cycle, somu))["A1"].value
    assert title == "達成状況調査 令和6年度 (2024) — 総務課（提出期限 2024年12月20日）"

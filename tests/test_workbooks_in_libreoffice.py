"""Every workbook the application writes shows and prints whole in LibreOffice: each row is as high as its
wrapped text, two-line headers included (issue 13).

LibreOffice does not grow a row to its wrapped text unless the file sets the height, and a line that does not
fit is not printed at all; so each workbook is converted to PDF and every line of every cell is looked for in
it (tests/libreoffice.py). The texts are long and have line breaks: the seed's 計画内容, and a year's results
typed with \\n and with \\r\\n (as a browser's form and Excel on Windows send them).
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

import workbooks
from initiatives.models import Initiative
from initiatives.spreadsheet import write_plan_workbook
from reviews.cycles import take_step
from reviews.entries import save_entry
from reviews.models import StatusEntry
from tests.jobs import job_file
from tests.libreoffice import convert, missing_cells, overlapping_words, pdf_words
from tests.personas import make_department, open_cycle
from workbooks.row_heights import MAX_ROW_HEIGHT

pytestmark = pytest.mark.django_db

DEPARTMENT_NUMBERS = [1, 2, 3, 9, 26]


def long_results(initiative):
    """A department's answer as typed: paragraphs, a numbered list, Latin words, both kinds of line end."""
    name = initiative.name
    return {
        "stage_reached": "実施中",
        "progress": "計画どおり",
        "achievement": "一部達成",
        "direction": "継続",
        "actions": (
            f"{name}について、年次計画に沿って関係課と協議を重ね、対象となる手続と業務の洗い出しを行った。\n"
            "①申請書の様式を見直し、電子申請に対応した。\r\n"
            "②職員向けの操作説明会を3回開催し、延べ120人が参加した（Web会議 Microsoft Teams を利用）。\r\n"
            "③利用者アンケートの結果を踏まえ、画面の表示と案内の文言を改善した。"
        ),
        "issues": (
            "システムの改修に想定より時間がかかり、一部の手続は次年度の対応となった。\n"
            "関係課との調整の進め方を見直す。"
        ),
        "progress_reason": "",
    }


@pytest.fixture
def published(plan5, admin, pdf_rendered_once):
    """The fifth plan's last year surveyed with long answers, deliberated and published: its results are the
    plan table's 取組内容 and the report's rows."""
    department = make_department("総務課", plan5, DEPARTMENT_NUMBERS)
    cycle = open_cycle(plan5, plan5.last_fiscal_year, admin)
    for entry in StatusEntry.objects.filter(cycle=cycle).select_related("initiative"):
        save_entry(entry, long_results(entry.initiative), admin, entry.version)
    cycle = take_step(cycle, "compile", admin)
    cycle = take_step(cycle, "committee", admin, date=datetime.date(2027, 6, 1))
    cycle = take_step(cycle, "headquarters", admin, date=datetime.date(2027, 7, 1))
    with pdf_rendered_once():
        cycle = take_step(cycle, "publish", admin)
    return cycle, department


def assert_prints_whole(data, tmp_path):
    words = pdf_words(convert(data, tmp_path, "pdf"), tmp_path)
    assert words, "LibreOffice printed nothing"
    assert missing_cells(data, words) == []
    assert overlapping_words(words) == []


def test_the_plan_table_export_prints_every_line_of_every_cell(published, plan5, tmp_path):
    path = tmp_path / "export.xlsx"
    call_command("export_plan", 5, "--format=xlsx", f"--output={path}")
    data = path.read_bytes()
    # The table has the long texts this test is about: the seed's 計画内容 and the year's 取組内容.
    assert "令和8年度までの取組内容" in str(list(workbooks.open_workbook(data).active.values)[2])

    assert_prints_whole(data, tmp_path)


def test_the_open_data_workbook_prints_every_line_of_every_cell(client, published, tmp_path):
    response = client.get(reverse("initiatives:download", args=[5, "xlsx"]))
    assert response.status_code == 200

    assert_prints_whole(response.content, tmp_path)


def test_the_departments_survey_workbook_prints_every_line_of_every_cell(client, published, admin, tmp_path):
    cycle, department = published
    client.force_login(admin)
    response = client.get(reverse("reviews:workbook_download", args=[cycle.pk, department.pk]))
    assert response.status_code == 200

    assert_prints_whole(response.content, tmp_path)


def test_the_published_report_workbook_prints_every_line_of_every_cell(client, published, plan5, tmp_path):
    cycle, _department = published
    response = client.get(reverse("published:file", args=[5, cycle.fiscal_year, "xlsx"]))
    assert response.status_code == 200

    assert_prints_whole(
        b"".join(response.streaming_content) if response.streaming else response.content, tmp_path
    )


def test_the_report_workbook_made_on_request_prints_every_line_of_every_cell(
    client, published, admin, tmp_path
):
    cycle, _department = published
    client.force_login(admin)
    # Made by the task worker; its job's page gives the file.
    response = job_file(client, client.get(reverse("reviews:report_file", args=[cycle.pk, "xlsx"])))
    assert response.status_code == 200

    assert_prints_whole(response.content, tmp_path)


def test_the_final_table_workbook_prints_every_line_of_every_cell(client, published, admin, tmp_path):
    client.force_login(admin)
    response = client.get(reverse("reviews:final_table_xlsx", args=[5]))
    assert response.status_code == 200

    assert_prints_whole(response.content, tmp_path)


def test_without_the_row_heights_libreoffice_cuts_the_long_cells_and_overlaps_the_headers(
    published, plan5, tmp_path, monkeypatch
):
    """What the tests above guard against, shown once: the same table without heights loses its texts."""
    monkeypatch.setattr(workbooks, "fit_row_heights", lambda sheet: None)
    data = write_plan_workbook(plan5, Initiative.objects.for_plan_table(plan5))
    words = pdf_words(convert(data, tmp_path, "pdf"), tmp_path)

    cut = {text for _sheet, _cell, text in missing_cells(data, words)}
    assert {i.description for i in plan5.initiatives.all()} <= cut
    assert overlapping_words(words)


# --- The estimate itself --------------------------------------------------------------------------------


def test_a_cell_with_line_breaks_gets_wrapping_and_top_alignment(plan5, published):
    book = load_workbook(io.BytesIO(write_plan_workbook(plan5, Initiative.objects.for_plan_table(plan5))))
    sheet = book.active
    header = [c.value for c in sheet[3]]
    actions = sheet.cell(row=5, column=header.index("令和8年度までの取組内容") + 1)
    assert "\n" in actions.value
    assert actions.alignment.wrap_text and actions.alignment.vertical == "top"
    # Six lines at least (four paragraphs, two of them wrapped), each of 11-point text.
    assert sheet.row_dimensions[5].height >= 6 * 11 * 1.2


def test_no_row_is_higher_than_excel_allows(plan5):
    book = Workbook()
    sheet = book.active
    sheet.column_dimensions["A"].width = 10
    workbooks.write_cell(sheet, 1, 1, "長い文章。" * 2000)
    workbooks.write_cell(sheet, 2, 1, "短い")
    book = load_workbook(io.BytesIO(workbooks.workbook_bytes(book)))

    assert book.active.row_dimensions[1].height == MAX_ROW_HEIGHT
    assert book.active.row_dimensions[2].height < 25


def test_full_width_characters_take_twice_the_width_of_latin_ones():
    from workbooks.row_heights import wrapped_lines

    assert wrapped_lines("あ" * 10, 20) == 1
    assert wrapped_lines("あ" * 11, 20) == 2
    assert wrapped_lines("a" * 20, 20) == 1
    assert wrapped_lines("一行目\n二行目\r\n三行目", 20) == 3
    # A Latin word wraps whole, not letter by letter.
    assert wrapped_lines("aaaa " * 3 + "bbbbbbbb", 20) == 2

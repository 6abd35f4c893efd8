"""Exporting the plan table and importing it back changes nothing, also once a year's results with line breaks
are in it, and also after LibreOffice saved the export; a changed line break shows in the preview (issue 13)."""

import io

from openpyxl import load_workbook

from initiatives.models import Evaluation, Initiative
from initiatives.spreadsheet import write_plan_workbook
from tests.libreoffice import convert
from tests.test_admin_import import CONFIRM_URL, upload

# A year's results as departments typed them: a browser's form sends \r\n, and trailing spaces stay.
RESULTS = {
    1: "申請の電子化を進めた。\n対象の手続を20件に広げた。",
    2: "①予約システムを導入した。\r\n②利用者説明会を開催した。  \r\nWeb 予約 works on phones.",
}


def with_results(plan):
    for number, actions in RESULTS.items():
        Evaluation.objects.create(
            initiative=plan.initiatives.get(number=number),
            fiscal_year=plan.last_fiscal_year,
            actions=actions,
            achievement="達成",
            direction="継続",
        )


def evaluations(plan):
    return list(Evaluation.objects.filter(initiative__plan=plan).order_by("pk").values())


def export(plan):
    return write_plan_workbook(plan, Initiative.objects.for_plan_table(plan))


def test_an_unchanged_export_with_line_breaks_previews_no_change_and_confirming_changes_nothing(
    admin_client, plan5
):
    with_results(plan5)
    before = evaluations(plan5)

    response = upload(admin_client, plan5, export(plan5))
    assert "新規作成 0件、更新 0件、変更なし 26件" in response.content.decode()
    admin_client.post(CONFIRM_URL, response.context["confirm_form"].initial, follow=True)

    assert evaluations(plan5) == before


def test_a_copy_saved_by_libreoffice_imports_unchanged(admin_client, plan5, tmp_path):
    with_results(plan5)
    saved = convert(export(plan5), tmp_path, "xlsx", name="export.xlsx")
    # LibreOffice writes the line ends as \n; the text is otherwise the one stored.
    sheet = load_workbook(io.BytesIO(saved)).active
    assert any(isinstance(c.value, str) and "②利用者説明会" in c.value for row in sheet for c in row)

    response = upload(admin_client, plan5, saved)

    assert "新規作成 0件、更新 0件、変更なし 26件" in response.content.decode()


def test_a_removed_line_break_is_a_change_the_preview_shows_as_a_line_break(admin_client, plan5):
    with_results(plan5)
    book = load_workbook(io.BytesIO(export(plan5)))
    sheet = book.active
    header = [c.value for c in sheet[3]]
    cell = sheet.cell(row=5, column=header.index("令和8年度までの取組内容") + 1)
    cell.value = "申請の電子化を進めた。対象の手続を20件に広げた。"
    out = io.BytesIO()
    book.save(out)

    response = upload(admin_client, plan5, out.getvalue())
    html = response.content.decode()

    assert "新規作成 0件、更新 1件、変更なし 25件" in html
    # The old text's line break is shown and read out; the change is named as one of white space only.
    assert "（空白・改行だけの違い）" in html
    assert (
        '<del>申請の電子化を進めた。<span aria-hidden="true" class="line-break">↵</span>'
        '<span class="visually-hidden">改行</span><br>対象の手続を20件に広げた。</del>'
    ) in html
    assert "<ins>申請の電子化を進めた。対象の手続を20件に広げた。</ins>" in html


def test_a_table_typed_from_the_document_still_joins_its_wrapped_lines(plan5):
    """Without the export's mark a line break is the printed table's wrapping, as before."""
    from initiatives.spreadsheet import read_plan_workbook

    book = load_workbook(io.BytesIO(export(plan5)))
    book.custom_doc_props.props.clear()
    sheet = book.active
    header = [c.value for c in sheet[3]]
    sheet.cell(row=5, column=header.index("計画内容") + 1).value = "申請の電子化を\n進める。"
    out = io.BytesIO()
    book.save(out)

    rows = read_plan_workbook(out.getvalue(), plan5)

    assert rows[0].description == "申請の電子化を進める。"

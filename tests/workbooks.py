"""Workbooks typed by hand from the plan document, the way a city clerk would lay out its tables in Excel.

The content comes from the exported JSON of the seeded plan (plan_to_dict), so it matches the document; the
layout is this module's own and owes nothing to the application's writer (write_plan_workbook):

- the fifth plan's table (第3章 2): a title row, a blank row, a two-row header where 「年次計画」 is merged
  over the five fiscal years and every other header cell is merged down over both rows, data rows with
  《新規》 before the name, 検討/実施/⇒ in the roadmap, ● in the flag columns, line breaks typed inside long
  cells, full-width digits in 項番, and the table's notes below it after a blank row;
- the fourth plan's table (第2章 4 (2)): a title row, a blank row, a one-row header 項番, 項目, 内容, 取組目標,
  令和3年度までの取組内容, 達成状況, 今後の方向性, then the rows.

A table is a list of rows, each a dict from column key to cell value, so a test can alter one cell and then
build the workbook: ``rows[2]["個別計画名"] = "…"``, ``rows[0][2023] = "完了"``. The fifth plan's roadmap
columns are keyed by the western fiscal year.
"""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

TITLE_ROW = 1
HEADER_ROW = 3

# --- The fifth plan: 第3章 2 ----------------------------------------------------------------------------

FIFTH_TITLE = "2 第五次東大和市情報化推進計画[個別計画]"
FIFTH_YEARS = [2022, 2023, 2024, 2025, 2026]
FIFTH_FIRST_DATA_ROW = HEADER_ROW + 2
# Column key -> header text as the clerk types it (a narrow column gets a line break in its header).
FIFTH_HEADERS = {
    "項番": "項番",
    "個別計画名": "個別計画名",
    "計画内容": "計画内容",
    **{year: f"令和{year - 2018}年度\n({year})" for year in FIFTH_YEARS},
    "第五次基本計画": "第五次\n基本計画",
    "官民データ活用": "官民データ\n活用",
    "自治体DX": "自治体\nDX",
}
# The application's own columns, which a clerk may add to the right of the document's table.
LINK_HEADERS = {"目標": "目標", "担当課": "担当課", "継続元": "継続元"}
FIFTH_NOTES = [
    "第五次基本計画 … 「東大和市第五次基本計画」において関係する章節",
    "官民データ活用 … 「市町村官民データ活用推進計画」としての位置づけを併せ持つ個別計画",
    "自治体DX … 「自治体DX推進計画」に対応する個別計画",
]

# --- The fourth plan: 第2章 4 (2) -----------------------------------------------------------------------

FOURTH_TITLE = "(2) 第四次東大和市情報化推進計画における取組状況と今後の方向性"
FOURTH_FIRST_DATA_ROW = HEADER_ROW + 1
FOURTH_HEADERS = {
    "項番": "項番",
    "項目": "項目",
    "内容": "内容",
    "取組目標": "取組\n目標",
    "令和3年度までの取組内容": "令和3年度までの\n取組内容",
    "達成状況": "達成\n状況",
    "今後の方向性": "今後の\n方向性",
}

NEW_MARK = "《新規》"
FLAG = "●"
CONTINUED = "⇒"
NUMERALS = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ"}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def full_width(number):
    """「２６」 for 26: 項番 as typed with the input method in full-width mode."""
    return str(number).translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def wrap(text, width):
    """The text with line breaks typed into it about every `width` characters, as a clerk does in a narrow cell.

    A break goes only between two Japanese characters (never next to a space or an ASCII character, never
    before a circled number), where the reader must drop it. The spaces that run the numbered actions
    together (「…した。 ②…」) become line breaks too, as they are in the printed table.
    """
    for mark in CIRCLED:
        text = text.replace(f" {mark}", f"\n{mark}")
    out, run = "", 0
    for index, char in enumerate(text):
        if char == "\n":
            run = 0
        elif run >= width and _breakable(text[index - 1], char):
            out += "\n"
            run = 0
        out += char
        run += char != "\n"
    return out


def _breakable(before, after):
    return not (
        before.isascii() or after.isascii() or before.isspace() or after.isspace() or after in CIRCLED
    )


def fifth_plan_rows(plan_dict, *, links=False):
    """The rows of the fifth plan's table as the document prints them, from the plan's exported JSON."""
    rows = []
    for item in plan_dict["initiatives"]:
        name = item["name"]
        if item["is_new"]:
            # Some are typed with the mark on a line of its own, as the printed table wraps them.
            name = NEW_MARK + ("\n" if item["number"] % 2 else "") + name
        cells = {cell["fiscal_year"]: cell for cell in item["roadmap"]}
        row = {
            "項番": full_width(item["number"]),
            "個別計画名": wrap(name, 12),
            "計画内容": wrap(item["description"], 20),
            **{
                year: (CONTINUED if cells[year]["continued"] else cells[year]["stage"])
                if year in cells
                else ""
                for year in FIFTH_YEARS
            },
            "第五次基本計画": wrap(item["basic_plan_section"], 3),
            "官民データ活用": FLAG if item["public_private_data"] else "",
            "自治体DX": FLAG if item["municipal_dx"] else "",
        }
        if links:
            row |= _link_cells(item, plan_dict)
        rows.append(row)
    return rows


def fourth_plan_rows(plan_dict, *, links=False):
    """The rows of the fourth plan's table (its items and their evaluation to FY2021), from the exported JSON."""
    rows = []
    for item in plan_dict["initiatives"]:
        evaluation = next(e for e in item["evaluations"] if e["fiscal_year"] == 2021)
        row = {
            "項番": full_width(item["number"]),
            "項目": wrap(item["name"], 12),
            "内容": wrap(item["description"], 20),
            "取組目標": item["target_stage"],
            "令和3年度までの取組内容": wrap(evaluation["actions"], 25),
            "達成状況": evaluation["achievement"],
            "今後の方向性": evaluation["direction"],
        }
        if links:
            row |= _link_cells(item, plan_dict)
        rows.append(row)
    return rows


def _link_cells(item, plan_dict):
    predecessor = plan_dict["plan"]["ordinal"] - 1
    return {
        "目標": "・".join(NUMERALS[code] for code in item["goals"]),
        "担当課": item["department"] or "",
        "継続元": "、".join(
            str(c["number"]) if c["plan"] == predecessor else f"{c['plan']}-{c['number']}"
            for c in item["carried_from"]
        ),
    }


def fifth_plan_workbook(rows, *, title=FIFTH_TITLE, notes=FIFTH_NOTES):
    """The fifth plan's table as an .xlsx file (bytes)."""
    headers = dict(FIFTH_HEADERS)
    if any("目標" in row for row in rows):
        headers |= LINK_HEADERS
    sheet, workbook = _sheet(title, len(headers))
    keys = list(headers)
    first_year = keys.index(FIFTH_YEARS[0]) + 1
    last_year = keys.index(FIFTH_YEARS[-1]) + 1
    for col, key in enumerate(keys, start=1):
        if key in FIFTH_YEARS:
            _header(sheet, HEADER_ROW + 1, col, headers[key])
        else:
            _header(sheet, HEADER_ROW, col, headers[key])
            sheet.merge_cells(start_row=HEADER_ROW, start_column=col, end_row=HEADER_ROW + 1, end_column=col)
    _header(sheet, HEADER_ROW, first_year, "年次計画")
    sheet.merge_cells(start_row=HEADER_ROW, start_column=first_year, end_row=HEADER_ROW, end_column=last_year)
    return _finish(workbook, sheet, keys, rows, FIFTH_FIRST_DATA_ROW, notes)


def fourth_plan_workbook(rows, *, title=FOURTH_TITLE, notes=()):
    """The fourth plan's table as an .xlsx file (bytes)."""
    headers = dict(FOURTH_HEADERS)
    if any("目標" in row for row in rows):
        headers |= LINK_HEADERS
    sheet, workbook = _sheet(title, len(headers))
    for col, text in enumerate(headers.values(), start=1):
        _header(sheet, HEADER_ROW, col, text)
    return _finish(workbook, sheet, list(headers), rows, FOURTH_FIRST_DATA_ROW, notes)


def column_of(table, key):
    """The column letter where the builder puts a column: column_of("fifth", 2023) == "E"."""
    headers = {"fifth": FIFTH_HEADERS, "fourth": FOURTH_HEADERS}[table] | LINK_HEADERS
    return get_column_letter(list(headers).index(key) + 1)


def fifth_row(index):
    """The sheet row number of the fifth-plan table's row at `index` (0-based)."""
    return FIFTH_FIRST_DATA_ROW + index


def fourth_row(index):
    return FOURTH_FIRST_DATA_ROW + index


_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _sheet(title, width):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.cell(row=TITLE_ROW, column=1, value=title).font = Font(bold=True, size=12)
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=width)
    # Row 2 is left blank, as between the heading and the table in the document.
    return sheet, workbook


def _header(sheet, row, col, text):
    cell = sheet.cell(row=row, column=col, value=text)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    cell.border = _BOX


def _finish(workbook, sheet, keys, rows, first_row, notes):
    for offset, row in enumerate(rows):
        for col, key in enumerate(keys, start=1):
            value = row.get(key, "")
            cell = sheet.cell(row=first_row + offset, column=col, value=value if value != "" else None)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = _BOX
    # The notes follow the table after a blank row, a blank row between each, as in the document.
    notes_row = first_row + len(rows) + 1
    for offset, note in enumerate(notes):
        sheet.cell(row=notes_row + 2 * offset, column=1, value=note)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

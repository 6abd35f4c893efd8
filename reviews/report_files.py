"""The progress report as files: a self-contained HTML document, an xlsx workbook and a PDF.

All three are drawn from the report data of reviews/reports.py, so they carry the same numbers.
"""

import io
import json
import logging
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pypdf import PdfReader, PdfWriter

from initiatives.open_data import open_data_csv
from plan.models import CitySettings
from reviews import reports
from workbooks import (
    CENTER,
    HEADER_FILL,
    WRAP,
    XLSX_CONTENT_TYPE,
    print_a4_landscape,
    workbook_bytes,
    write_cell,
)

logger = logging.getLogger(__name__)

REPORT_CSS = settings.BASE_DIR / "static" / "css" / "report.css"

# (header, width in characters, key of a report row); the report is a city document, so its words are Japanese.
TABLE_COLUMNS = [
    ("項番", 6, "number"),
    ("個別計画名", 22, "name"),
    ("計画内容", 36, "description"),
    (None, 9, "planned_stage"),  # 令和N年度の計画
    ("実施状況", 9, "stage_reached"),
    (None, 12, "progress"),  # the names of the ratings are the report's (report["ratings"])
    ("取組内容", 44, "actions"),
    ("課題", 32, "issues"),
    (None, 9, "achievement"),
    (None, 10, "direction"),
    ("自己評価と年次計画の差", 30, "contradiction"),
    ("担当課", 14, "department"),
]


FORMATS = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": XLSX_CONTENT_TYPE,
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
}


def report_file(report, fmt, open_data=None):
    """The report as the bytes of one format; csv and json are the open data that goes with it.

    A file is the city's document (<html lang="ja">), in Japanese whoever asks for it: the task worker that
    makes it may run in the requester's language.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _report_file(report, fmt, open_data)


def _report_file(report, fmt, open_data):
    if fmt == "html":
        return report_html(report).encode("utf-8")
    if fmt == "pdf":
        return report_pdf(report)
    if fmt == "xlsx":
        return report_xlsx(report)
    if fmt == "csv":
        return open_data_csv(open_data).encode("utf-8")
    if fmt == "json":
        return json.dumps(open_data, ensure_ascii=False, indent=2).encode("utf-8")
    raise ValueError(fmt)


def report_html(report, part=None):
    """A standalone HTML document: the form staff carry to the city website's CMS, and the PDF's source.
    part: one piece of a large report's PDF (report_pdf), with its rows and whether it begins or ends it."""
    context = {
        "report": report,
        "report_css": REPORT_CSS.read_text(encoding="utf-8"),
        "city": CitySettings.current(),
        "pdf_part": part,
    }
    return render_to_string("reviews/report_document.html", context)


class PdfTooLarge(Exception):
    """The PDF took longer, more memory or more bytes than the settings allow."""


def report_pdf(report):
    """The report as a PDF. A report of more than REPORT_PDF_PART_ROWS rows is laid out in pieces of that many
    rows, each in a child process of its own (REPORT_PDF_PROCESSES at a time), joined into one document and
    numbered as one: WeasyPrint's time and memory grow faster than a table's length, and each piece is
    bounded on its own."""
    rows = report["rows"]
    size = settings.REPORT_PDF_PART_ROWS
    if len(rows) <= size:
        return render_pdf(report_html(report))
    starts = range(0, len(rows), size)
    parts = [
        report_html(report, {"rows": rows[i : i + size], "first": i == 0, "last": i + size >= len(rows)})
        for i in starts
    ]
    with ThreadPoolExecutor(max_workers=settings.REPORT_PDF_PROCESSES) as pool:
        pdfs = list(pool.map(render_pdf, parts))
    return _joined(pdfs)


# The page numbers of a report made in pieces, drawn once the pieces are joined: the same place, size and
# colour as report.css gives them.
PAGE_NUMBERS = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
@page {{ size: A4 landscape; margin: 12mm 10mm 14mm;
  @bottom-center {{ content: counter(page) " / " counter(pages); font-size: 9pt; color: #4a4a4a;
    font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; }} }}
body {{ font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; }}
div {{ break-after: page; }} div:last-child {{ break-after: auto; }}
</style></head><body>{pages}</body></html>"""


def _joined(pdfs):
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    count = len(writer.pages)
    numbers = PdfReader(io.BytesIO(render_pdf(PAGE_NUMBERS.format(pages="<div></div>" * count))))
    for page, number in zip(writer.pages, numbers.pages, strict=True):
        page.merge_page(number)
    out = io.BytesIO()
    writer.write(out)
    content = out.getvalue()
    if len(content) > settings.REPORT_PDF_MAX_BYTES:
        raise PdfTooLarge("size")
    return content


def render_pdf(html):
    """WeasyPrint in a child process, bounded by REPORT_PDF_TIMEOUT (seconds), REPORT_PDF_MAX_MEMORY (bytes of
    address space) and REPORT_PDF_MAX_BYTES (size of the PDF); PdfTooLarge when it overruns any of them."""
    limits = [str(settings.REPORT_PDF_MAX_BYTES), str(settings.REPORT_PDF_MAX_MEMORY)]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "reviews.pdf_worker", *limits],
            input=html.encode("utf-8"),
            capture_output=True,
            timeout=settings.REPORT_PDF_TIMEOUT,
            cwd=settings.BASE_DIR,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PdfTooLarge("timeout") from None
    if done.returncode != 0:
        logger.warning(
            "PDF not made: exit %s: %s", done.returncode, done.stderr.decode(errors="replace")[-500:]
        )
        raise PdfTooLarge(f"exit {done.returncode}")
    return done.stdout


def report_xlsx(report):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "進捗状況報告"
    title = sheet.cell(row=1, column=1, value=report["title"])
    title.font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(TABLE_COLUMNS))
    header_row = 3
    headers = [header or _column_header(report, key) for header, _width, key in TABLE_COLUMNS]
    for col, ((_header, width, _key), header) in enumerate(zip(TABLE_COLUMNS, headers, strict=True), start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
        cell = write_cell(sheet, header_row, col, header, CENTER)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for offset, row in enumerate(report["rows"], start=1):
        values = [_table_value(row, key) for _header, _width, key in TABLE_COLUMNS]
        for col, ((_header, _width, key), value) in enumerate(
            zip(TABLE_COLUMNS, values, strict=True), start=1
        ):
            write_cell(sheet, header_row + offset, col, value, CENTER if key in CENTERED else WRAP)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    print_a4_landscape(sheet)
    _summary_sheet(workbook.create_sheet("集計"), report)
    measured = [row for row in report["rows"] if row.get("indicators")]
    if measured:
        _indicator_sheet(workbook.create_sheet("指標"), report, measured)
    return workbook_bytes(workbook)


def _indicator_sheet(sheet, report, rows):
    """指標（KPI）の実績: one line per indicator, numbers as numbers."""
    sheet.cell(row=1, column=1, value=f"{report['title']} 指標（KPI）の実績").font = Font(bold=True, size=12)
    headers = [("項番", 6), ("個別計画名", 28), ("指標名", 30), ("単位", 8), ("目標値", 12), ("実績値", 12)]
    headers.append(("達成率（%）", 12))
    for col, (text, width) in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
        cell = write_cell(sheet, 3, col, text, CENTER)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    line = 3
    for row in rows:
        for indicator in row["indicators"]:
            line += 1
            values = [row["number"], row["name"], indicator["name"], indicator["unit"]]
            values += [_number(indicator[k]) for k in ("target", "actual", "rate")]
            for col, value in enumerate(values, start=1):
                write_cell(sheet, line, col, value, CENTER if col in (1, 4) else WRAP)
    print_a4_landscape(sheet)


def _table_value(row, key):
    if key == "achievement":
        return row[key] or "未入力"
    if key == "contradiction":
        return flag_text(row)
    # A report frozen before a column was in it leaves the column empty.
    return row.get(key, "")


def contradiction_words(flag):
    """自己評価と年次計画の差 as the report prints it: 計画どおり（年次計画では 計画より遅れている）."""
    return f"{flag['given']}（年次計画では {flag['roadmap']}）"


def flag_text(row):
    """The entry's 自己評価と年次計画の差 with its reason, "" where there is none."""
    flag = row.get("contradiction")
    if not flag:
        return ""
    reason = row.get("progress_reason")
    return contradiction_words(flag) + (f"\n理由: {reason}" if reason else "")


def _number(text):
    return None if text is None else Decimal(text)


CENTERED = {"number", "planned_stage", "stage_reached", "progress", "achievement", "direction"}


def _column_header(report, key):
    if key == "planned_stage":
        return f"{report['fiscal_year_label']}の計画"
    return reports.ratings_of(report)[key]


def progress_caption(report):
    """年次計画に対する進捗: the progress rating, said to be against the roadmap where its words compare with it."""
    name = reports.ratings_of(report)["progress"]
    return f"年次計画に対する{name}" if reports.behind_of(report) else name


def _summary_sheet(sheet, report):
    summary = report["summary"]
    sheet.column_dimensions["A"].width = 40
    for letter in "BCDEF":
        sheet.column_dimensions[letter].width = 12
    row = 1
    sheet.cell(row=row, column=1, value=report["title"]).font = Font(bold=True, size=12)
    row += 2
    for caption, counts in (
        (reports.ratings_of(report)["achievement"], summary["achievement"]),
        (progress_caption(report), summary["progress"]),
        (reports.ratings_of(report)["direction"], summary["direction"]),
        ("入力状況", summary["state"]),
    ):
        for col, text in enumerate((caption, "件数", "割合（%）"), start=1):
            write_cell(sheet, row, col, text, CENTER).font = Font(bold=True)
        for item in counts:
            row += 1
            write_cell(sheet, row, 1, item["word"] or "未入力")
            write_cell(sheet, row, 2, item["count"], CENTER)
            write_cell(sheet, row, 3, item["share"], CENTER)
        row += 2
    write_cell(sheet, row, 1, "年次計画より遅れている個別計画").font = Font(bold=True)
    for item in summary["late"] or [{"number": "", "name": "ありません"}]:
        row += 1
        write_cell(sheet, row, 1, f"{item['number']} {item['name']}".strip())
    if "contradicted" in summary:  # a report frozen before the flag has no list of it
        row += 2
        write_cell(sheet, row, 1, "自己評価と年次計画の差がある個別計画").font = Font(bold=True)
        if not summary["contradicted"]:
            row += 1
            write_cell(sheet, row, 1, "ありません")
        for item in summary["contradicted"]:
            row += 1
            text = contradiction_words(item) + (f"\n理由: {item['reason']}" if item["reason"] else "")
            write_cell(sheet, row, 1, f"{item['number']} {item['name']}")
            write_cell(sheet, row, 2, text)
            sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=6)
    row += 2
    words = [c["word"] or "未入力" for c in summary["achievement"]]
    for col, text in enumerate(["区分", "件数", *words], start=1):
        write_cell(sheet, row, col, text, CENTER).font = Font(bold=True)
    groups = [(f"目標（{g['numeral']}）{g['title']}", g) for g in summary["by_goal"]]
    groups += [(g["flag"], g) for g in summary["by_flag"]]
    for label, group in groups:
        row += 1
        write_cell(sheet, row, 1, label)
        write_cell(sheet, row, 2, group["count"], CENTER)
        for col, item in enumerate(group["achievement"], start=3):
            write_cell(sheet, row, col, item["count"], CENTER)
    city = CitySettings.current()
    for key, fallback in (("committee", city.committee_name), ("headquarters", city.headquarters_name)):
        # A report frozen before the names were in it takes the city's current ones.
        caption = f"{report[key].get('name') or fallback}の意見"
        if report[key]["comment"] or report[key]["date"]:
            row += 2
            write_cell(sheet, row, 1, f"{caption}（{report[key]['date'] or ''} 審議）").font = Font(bold=True)
            row += 1
            write_cell(sheet, row, 1, report[key]["comment"])
    print_a4_landscape(sheet)


# The document's column widths, in the units of the plan workbook (initiatives/spreadsheet.py).
WIDTHS = [6, 28, 48, 9, 60, 10, 11]


def final_workbook(plan, report):
    """The final table as the next plan prints it, in the document's own Japanese words."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "最終評価"
    headers = report["headers"]
    title = sheet.cell(row=1, column=1, value=reports.caption(plan))
    title.font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    header_row = 2
    for col, (text, width) in enumerate(zip(headers, WIDTHS, strict=True), start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
        cell = write_cell(sheet, header_row, col, text, CENTER)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for offset, row in enumerate(report["rows"], start=1):
        values = [
            row["number"],
            row["name"],
            row["description"],
            row["target_stage"],
            row["actions"],
            row["achievement"],
            row["direction"],
        ]
        for col, value in enumerate(values, start=1):
            centered = col in (1, 4, 6, 7)
            write_cell(sheet, header_row + offset, col, value, CENTER if centered else WRAP)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    print_a4_landscape(sheet)
    return workbook_bytes(workbook)

"""Workbooks (.xlsx) as the city's clerks send and receive them: read safely, written plainly.

Shared by every workbook the application reads or writes (the plan table, the survey workbooks, the
reports). Reading refuses a hostile file before openpyxl sees it; writing never leaves a formula or a
control character in a cell, sets every sheet to print on A4 landscape, and sets every row's height to its
wrapped text (workbooks.row_heights), which LibreOffice does not do by itself.
"""

import io
import re
import unicodedata
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.worksheet.properties import PageSetupProperties

from workbooks.row_heights import fit_row_heights

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CIRCLED_NUMBER = re.compile(r"^[①-⑳]")
CANNOT_OPEN = gettext_lazy(
    "ブックを開けませんでした。ファイルが壊れているか、Excel形式（.xlsx）ではありません。"
)


class WorkbookError(Exception):
    """The workbook cannot be taken. Holds every problem found, each a message a clerk can act on."""

    def __init__(self, messages):
        self.messages = [str(m) for m in messages]
        super().__init__("\n".join(self.messages))


class UnreadableWorkbook(WorkbookError):
    """The file itself cannot be read as the workbook it should be."""

    def __init__(self, message):
        super().__init__([message])


# --- Reading --------------------------------------------------------------------------------------------


def check_xlsx_file(data):
    """Refuse a file that is not a plain .xlsx workbook of sensible size, before openpyxl reads it.

    openpyxl checks no sizes: a small file can expand to hundreds of megabytes. Everything is checked on
    the zip's own directory and on the bytes actually inflated, and no entry may declare a DTD or entities.
    """
    limit_mb = settings.SPREADSHEET_MAX_BYTES / (1024 * 1024)
    if len(data) > settings.SPREADSHEET_MAX_BYTES:
        raise UnreadableWorkbook(
            _("ファイルが大きすぎます（%(size).2f MB）。%(limit).2f MB 以下のファイルにしてください。")
            % {"size": len(data) / (1024 * 1024), "limit": limit_mb}
        )
    not_xlsx = _(
        "Excel形式（.xlsx）のファイルではありません。Excelで「Excel ブック (*.xlsx)」として保存してください。"
    )
    if not data.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnreadableWorkbook(not_xlsx)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise UnreadableWorkbook(not_xlsx) from None
    names = {e.filename for e in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise UnreadableWorkbook(not_xlsx)
    too_big = _("ファイルの展開後のサイズが大きすぎるため読み込みません（圧縮爆弾の疑い）。")
    declared = sum(e.file_size for e in entries)
    if (
        len(entries) > settings.SPREADSHEET_MAX_ENTRIES
        or declared > settings.SPREADSHEET_MAX_UNCOMPRESSED_BYTES
        or declared > settings.SPREADSHEET_MAX_RATIO * max(len(data), 1)
    ):
        raise UnreadableWorkbook(too_big)
    macro = _(
        "マクロを含むブック（.xlsm など）は受け付けません。マクロのない「Excel ブック (*.xlsx)」で保存してください。"
    )
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise UnreadableWorkbook(macro)
    inflated = 0
    for entry in entries:
        # The directory's sizes can lie: count what really comes out, and stop at the limit.
        try:
            with archive.open(entry) as member:
                declares = False
                tail = b""
                while chunk := member.read(64 * 1024):
                    inflated += len(chunk)
                    if inflated > settings.SPREADSHEET_MAX_UNCOMPRESSED_BYTES:
                        raise UnreadableWorkbook(too_big)
                    # Anywhere in the part, not only its head: a long comment can push a declaration far down,
                    # and whether a reader parses a given part is the reader's business, not a safeguard.
                    # The last bytes of the previous chunk catch a declaration split between two chunks.
                    window = tail + chunk
                    declares = declares or b"<!DOCTYPE" in window or b"<!ENTITY" in window
                    tail = chunk[-16:]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError):
            raise UnreadableWorkbook(not_xlsx) from None
        if entry.filename.endswith((".xml", ".rels", ".vml")) and declares:
            raise UnreadableWorkbook(
                _(
                    "ブックの中のXMLに文書型定義（DOCTYPE）や実体（ENTITY）の宣言があるため、安全のため読み込みません。"
                )
            )
    # Safe to read whole now: every entry's real size is within the limits.
    if b"macroEnabled" in archive.read("[Content_Types].xml"):
        raise UnreadableWorkbook(macro)


def open_workbook(data):
    check_xlsx_file(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds; to a clerk they all mean the same.
        if type(exc).__module__.startswith("defusedxml"):
            raise UnreadableWorkbook(
                _(
                    "ブックの中のXMLに文書型定義（DOCTYPE）や実体（ENTITY）の宣言があるため、安全のため読み込みません。"
                )
            ) from None
        raise UnreadableWorkbook(CANNOT_OPEN) from None


# --- Cells ----------------------------------------------------------------------------------------------


def compact(value):
    """A header or a mark, compared loosely: full-width folded, all white space removed."""
    if value is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def cell_text(value):
    """A text cell as the document prints it.

    Line breaks typed inside a cell are the printed table's wrapping, not part of the text: they are
    dropped between Japanese characters, kept as a space between Latin words, and become a space before
    a circled number (①②…), which is how the document runs its numbered actions together.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    lines = [line.strip() for line in str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text = ""
    for line in lines:
        if not line:
            continue
        if text and (CIRCLED_NUMBER.match(line) or (text[-1].isascii() and line[0].isascii())):
            text += " "
        text += line
    return text.strip()


def one_line_end(text):
    """Line ends as one \\n, however the file wrote them: Excel on Windows and a browser's form send \\r\\n,
    LibreOffice and openpyxl \\n. The same text with other line ends is the same text."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def own_text(value):
    """A text cell whose line breaks are the text's own, as in the application's own export: kept, with their
    line ends made one, and the cell trimmed as a form trims what is typed into it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return one_line_end(str(value)).strip()


def positive_number(value):
    """項番 as an integer, or None if the cell is not a number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() and value > 0 else None
    match = re.fullmatch(r"[(（]?(\d+)[)）.．]?", compact(value))
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


# --- Writing --------------------------------------------------------------------------------------------

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
FORMULA_START = ("=", "+", "-", "@")


def print_a4_landscape(sheet):
    """Every workbook the city prints goes on A4 landscape, as wide as one page, as long as it needs."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def workbook_bytes(workbook):
    """The file of a workbook the application writes, each sheet's rows as high as their wrapped text."""
    for sheet in workbook.worksheets:
        fit_row_heights(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def safe_text(value):
    """Text for a cell that opens as text in Excel: no control characters, never a formula."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def set_text(cell, value):
    if not isinstance(value, str):
        cell.value = value
        return
    value = safe_text(value)
    cell.value = value
    if value.startswith(FORMULA_START):
        # openpyxl takes a leading = as a formula; store it as a string, quoted so Excel keeps it text.
        cell.data_type = "s"
        cell.quotePrefix = True


def write_cell(sheet, row, column, value, alignment=WRAP):
    cell = sheet.cell(row=row, column=column)
    set_text(cell, value)
    cell.alignment = alignment
    cell.border = BORDER
    return cell

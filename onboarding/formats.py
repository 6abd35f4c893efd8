"""The file formats of the bulk imports: read safely, written so that an export imports back.

Reading refuses a hostile file before anything parses it (workbooks.check_xlsx_file for xlsx, the same size
limit for CSV) and reads CSV in whichever encoding the clerk's Excel wrote: UTF-8 with or without BOM, or
Shift_JIS (cp932), which Japanese Excel writes by default. Writing keeps formula-looking text as text.
"""

import csv
import io
import json

import tablib
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.formats import base_formats

from workbooks import (
    XLSX_CONTENT_TYPE,
    WorkbookError,
    open_workbook,
    print_a4_landscape,
    set_text,
    workbook_bytes,
)


class UnreadableFile(WorkbookError):
    """The uploaded file cannot be read at all; its message says why, in words a clerk can act on."""

    def __init__(self, message):
        super().__init__([message])


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def dataset_from_rows(rows):
    """A dataset of the rows after the header, wholly blank rows left out.

    sheet_rows keeps the row number each data row had in the file (the header is row 1), so that an error
    names the row the clerk sees in Excel even where blank rows were skipped.
    """
    rows = iter(rows)
    header = next(rows, None)
    if header is None or all(_blank(h) for h in header):
        raise UnreadableFile(_("1行目に見出しがありません。1行目に列の見出しを入れてください。"))
    headers = ["" if h is None else str(h).strip() for h in header]
    dataset = tablib.Dataset(headers=headers)
    sheet_rows = []
    for number, row in enumerate(rows, start=2):
        values = list(row)[: len(headers)]
        if all(_blank(v) for v in values):
            continue
        values += [None] * (len(headers) - len(values))
        dataset.append(values)
        sheet_rows.append(number)
    dataset.sheet_rows = sheet_rows
    return dataset


def decode_csv(data):
    """The CSV's text: UTF-8 (a BOM or not) if it decodes strictly as that, else Shift_JIS (cp932)."""
    limit_mb = settings.SPREADSHEET_MAX_BYTES / (1024 * 1024)
    if len(data) > settings.SPREADSHEET_MAX_BYTES:
        raise UnreadableFile(
            _("ファイルが大きすぎます（%(size).2f MB）。%(limit).2f MB 以下のファイルにしてください。")
            % {"size": len(data) / (1024 * 1024), "limit": limit_mb}
        )
    if data.startswith(b"PK"):
        raise UnreadableFile(_("このファイルは Excel 形式（.xlsx）です。形式に「xlsx」を選んでください。"))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        _(
            "CSV の文字コードを読み取れませんでした。UTF-8 か Shift_JIS（Excel の「CSV (コンマ区切り)」）"
            "で保存してください。"
        )
    )


FORMULA_START = ("=", "+", "-", "@")


def quote_formula(value):
    """CSV text that Excel would take as a formula gets a leading apostrophe, as the open data's CSV does."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unquote_formula(value):
    """The apostrophe quote_formula added comes off again on import, so the text round-trips."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


class CityXLSX(base_formats.XLSX):
    """xlsx: the first sheet, checked for hostile content first; written with formula-looking text kept text."""

    def get_title(self):
        return "xlsx"

    def create_dataset(self, in_stream):
        workbook = open_workbook(bytes(in_stream))  # check_xlsx_file first: size, zip bomb, macros, DTDs
        try:
            sheet = workbook.worksheets[0]
            return dataset_from_rows(sheet.iter_rows(values_only=True))
        finally:
            workbook.close()

    def export_data(self, dataset, **kwargs):
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = (dataset.title or "data")[:31]
        for column, header in enumerate(dataset.headers or [], start=1):
            set_text(sheet.cell(row=1, column=column), str(header))
        for row_number, row in enumerate(dataset, start=2):
            for column, value in enumerate(row, start=1):
                set_text(sheet.cell(row=row_number, column=column), value)
        print_a4_landscape(sheet)
        return workbook_bytes(workbook)

    def get_content_type(self):
        return XLSX_CONTENT_TYPE


class CityCSV(base_formats.CSV):
    """CSV: read as bytes and decoded here (the encoding is detected, not asked); written UTF-8 with BOM."""

    def get_title(self):
        return "csv"

    def is_binary(self):
        # Bytes all the way from the upload to create_dataset: the encoding is found there, not assumed.
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        text = decode_csv(bytes(in_stream))
        try:
            rows = ([unquote_formula(v) for v in row] for row in csv.reader(io.StringIO(text, newline="")))
            return dataset_from_rows(rows)
        except csv.Error:
            raise UnreadableFile(_("CSV の形式が正しくありません（引用符の閉じ忘れなど）。")) from None

    def export_data(self, dataset, **kwargs):
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(dataset.headers or [])
        for row in dataset:
            writer.writerow([quote_formula("" if v is None else v) for v in row])
        # The BOM is what makes Japanese Excel open UTF-8 as UTF-8.
        return "\ufeff" + buffer.getvalue()

    def get_content_type(self):
        return "text/csv; charset=utf-8"


class CityJSON(base_formats.JSON):
    """JSON: a list of objects keyed by the Japanese headers, as the other exports name the columns."""

    def get_title(self):
        return "json"

    def is_binary(self):
        return True  # bytes to create_dataset, as for CSV

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        text = decode_csv(bytes(in_stream))  # the same size limit; JSON is UTF-8
        try:
            rows = json.loads(text)
        except ValueError:
            rows = None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise UnreadableFile(
                _("JSON は、見出しを名前とするオブジェクトの配列にしてください（書き出したとおり）。")
            )
        headers = list(dict.fromkeys(key for row in rows for key in row))
        return dataset_from_rows([headers, *([row.get(h) for h in headers] for row in rows)])

    def export_data(self, dataset, **kwargs):
        rows = [dict(zip(dataset.headers, row, strict=False)) for row in dataset]
        return json.dumps(rows, ensure_ascii=False, indent=2)

    def get_content_type(self):
        return "application/json; charset=utf-8"


CANNOT_READ = gettext_lazy(
    "ファイルを読み取れませんでした。xlsx か CSV で保存したファイルか、選んだ形式が合っているかを確かめてください。"
)
IMPORT_FORMATS = [CityXLSX, CityCSV, CityJSON]
EXPORT_FORMATS = [CityXLSX, CityCSV, CityJSON]
FORMAT_HELP = gettext_lazy(
    "xlsx（1枚目のシート）か CSV（UTF-8・BOM 付き UTF-8・Shift_JIS のどれでも。文字コードは自動で判別します）"
)

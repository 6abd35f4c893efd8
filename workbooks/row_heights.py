"""Row heights for wrapped text, set in the file: LibreOffice (and Excel, for merged cells) does not grow a row
written by openpyxl to its wrapped text, so a long cell shows and prints one line and the rest is cut off.

The lines a cell needs are estimated from its text: its own line breaks, plus wrapping at the column's width,
where a full-width (Japanese) character takes about two of a column's width units and a Latin character one,
scaled by the font size. An estimate errs on the tall side: a row a line too high costs a little paper, a row a
line too short hides text.
"""

import math
import re
import unicodedata

from openpyxl.cell.cell import MergedCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

# Excel's own limit on a row's height, in points.
MAX_ROW_HEIGHT = 409
# A column without a width of its own has the sheet's default, in character units.
DEFAULT_COLUMN_WIDTH = 8.43
DEFAULT_FONT_SIZE = 11
# The height of one line, as a multiple of the font size: the Japanese fonts (Noto Sans CJK, Yu Gothic,
# MS Gothic) set a line about 1.45 em high; the rest is room for the cell's padding.
LINE_SPACING = 1.5
ROW_PADDING = 3  # points, above and below the text together
# A column's width units fit a little less text than they count: a cell keeps a margin on each side.
CELL_MARGIN = 1.0
BOLD_FACTOR = 1.05
# Words of Latin letters and digits wrap whole; every other character may start a new line.
TOKENS = re.compile(r"[!-~]+|.", re.DOTALL)


def char_width(ch):
    """Full-width and ambiguous-width characters (漢字, かな, ①, ●) take two units, the rest one."""
    return 2 if unicodedata.east_asian_width(ch) in "WFA" else 1


def text_width(text):
    return sum(char_width(ch) for ch in text)


def wrapped_lines(text, width):
    """How many lines `text` takes in a wrapped cell `width` units wide (already net of the cell's margins)."""
    width = max(width, 2)
    total = 0
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        lines, used = 1, 0
        for token in TOKENS.findall(paragraph):
            size = text_width(token)
            if used and used + size > width and not token.isspace():
                lines, used = lines + 1, 0
            while size > width:  # a word longer than the line is broken inside it
                lines, size = lines + 1, size - width
            used += size
        total += lines
    return total


def line_height(font_size):
    return font_size * LINE_SPACING


def fit_row_heights(sheet):
    """Set the height of every row with text to fit the lines of its tallest cell, headers and merged cells
    included; a cell with more than one line gets wrap_text, and top alignment unless it asks for another."""
    merged = {}
    for cells in sheet.merged_cells.ranges:
        merged[(cells.min_row, cells.min_col)] = cells
    widths = {}

    def column_width(col):
        if col not in widths:
            letter = get_column_letter(col)
            dimension = sheet.column_dimensions.get(letter) if letter in sheet.column_dimensions else None
            if dimension is not None and dimension.hidden:
                widths[col] = 0
            elif dimension is not None and dimension.customWidth:
                widths[col] = dimension.width
            else:
                widths[col] = sheet.sheet_format.defaultColWidth or DEFAULT_COLUMN_WIDTH
        return widths[col]

    heights = {}  # row -> points its own (not vertically merged) cells need
    spans = []  # (first row, last row, points) of the vertically merged cells
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell, MergedCell) or cell.value is None or cell.data_type == "f":
                continue
            text = str(cell.value)
            if not text.strip():
                continue
            cells = merged.get((cell.row, cell.column))
            first_col, last_col = (cells.min_col, cells.max_col) if cells else (cell.column, cell.column)
            last_row = cells.max_row if cells else cell.row
            width = sum(column_width(c) for c in range(first_col, last_col + 1))
            if not width:
                continue  # a hidden column (版) is never seen or printed
            font_size = float(cell.font.sz or DEFAULT_FONT_SIZE) if cell.font else DEFAULT_FONT_SIZE
            scale = font_size / DEFAULT_FONT_SIZE * (BOLD_FACTOR if cell.font and cell.font.b else 1)
            alignment = cell.alignment
            breaks = "\n" in text or "\r" in text
            if alignment.wrap_text:
                lines = wrapped_lines(text, (width - CELL_MARGIN) / scale)
            else:
                # An unwrapped cell runs on over its empty neighbours: only its own line breaks count.
                lines = text.replace("\r\n", "\n").count("\n") + 1
            if lines > 1 or breaks:
                _wrap(cell)
            points = lines * line_height(font_size) + ROW_PADDING
            if last_row > cell.row:
                spans.append((cell.row, last_row, points))
            else:
                heights[cell.row] = max(heights.get(cell.row, 0), points)
    for first, last, points in spans:
        # A cell merged down over rows needs their heights together; what they lack is shared among them.
        rows = range(first, last + 1)
        short = points - sum(heights.get(r, 0) for r in rows)
        if short > 0:
            for r in rows:
                heights[r] = heights.get(r, 0) + short / len(rows)
    for row, points in heights.items():
        sheet.row_dimensions[row].height = min(math.ceil(points), MAX_ROW_HEIGHT)


def _wrap(cell):
    alignment = cell.alignment
    if alignment.wrap_text and alignment.vertical not in (None, "bottom"):
        return
    # Centred headers and marks stay centred; text otherwise starts at the top of its (taller) row.
    vertical = alignment.vertical if alignment.vertical not in (None, "bottom") else "top"
    cell.alignment = Alignment(
        horizontal=alignment.horizontal,
        vertical=vertical,
        wrap_text=True,
        indent=alignment.indent,
        text_rotation=alignment.text_rotation,
    )

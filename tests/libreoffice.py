"""The workbooks we write, opened by a real spreadsheet: LibreOffice converts them, poppler reads the PDF back.

LibreOffice prints a cell's text only inside the cell: a line that does not fit the row's height is not in the
PDF at all. So a cell whose every line is found in the printed PDF was shown whole, and two words whose boxes
overlap on the page are text drawn over text (a two-line header in a one-line row).
"""

import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import load_workbook

# A cold LibreOffice takes a few seconds to start; a stuck one must not hang the suite.
TIMEOUT = 180
XHTML = "{http://www.w3.org/1999/xhtml}"


def convert(data, directory, to, name="book.xlsx"):
    """The workbook converted by LibreOffice (`to`: pdf, xlsx, …), as bytes.

    Each call has a profile of its own (-env:UserInstallation): two LibreOffices sharing one, as parallel
    pytest-xdist workers would, wait on each other's lock or fail.
    """
    directory = Path(directory)
    source = directory / name
    source.write_bytes(data)
    out = directory / "converted"
    profile = directory / "libreoffice-profile"
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    result = out / f"{source.stem}.{to.split(':')[0]}"
    assert result.exists(), done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
    return result.read_bytes()


@dataclass(frozen=True)
class Word:
    page: int
    x_min: float
    y_min: float
    x_max: float
    y_max: float
    text: str


def pdf_words(pdf, directory):
    """Every word of the PDF with its box, in reading order: page, then top to bottom, then left to right."""
    path = Path(directory) / "printed.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, timeout=60, check=True
    ).stdout.decode()
    root = ElementTree.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", html))
    words = []
    for number, page in enumerate(root.iter(f"{XHTML}page"), start=1):
        for word in page.iter(f"{XHTML}word"):
            box = [float(word.attrib[k]) for k in ("xMin", "yMin", "xMax", "yMax")]
            words.append(Word(number, *box, word.text or ""))
    return sorted(words, key=lambda w: (w.page, round(w.y_min, 1), w.x_min))


def printed_cells(data):
    """(sheet, coordinate, text) of every text cell a reader sees: visible sheets and columns."""
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        hidden = {letter for letter, d in sheet.column_dimensions.items() if d.hidden}
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.strip() and cell.column_letter not in hidden:
                    yield sheet.title, cell.coordinate, cell.value


def squeezed(text):
    return "".join(text.split())


def appears_whole(text, words):
    """Whether every line of `text` is printed: its words follow one another in reading order (other cells'
    words may come between, on the same printed line)."""
    wanted = squeezed(text)
    for start, word in enumerate(words):
        if not word.text or not wanted.startswith(word.text):
            continue
        rest = wanted[len(word.text) :]
        for following in words[start + 1 :]:
            if not rest:
                break
            if following.text and rest.startswith(following.text):
                rest = rest[len(following.text) :]
        if not rest:
            return True
    return False


def missing_cells(data, words):
    return [(s, c, t) for s, c, t in printed_cells(data) if not appears_whole(t, words)]


def overlapping_words(words):
    """Pairs of words on one page drawn over each other (more than a third of a line's height)."""
    pairs = []
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            if b.page != a.page or b.y_min > a.y_max:
                break
            x = min(a.x_max, b.x_max) - max(a.x_min, b.x_min)
            y = min(a.y_max, b.y_max) - max(a.y_min, b.y_min)
            if x > 1 and y > min(a.y_max - a.y_min, b.y_max - b.y_min) / 3:
                pairs.append((a.text, b.text))
    return pairs

"""A published year's text that looks like a formula (an entry's 取組内容 or 課題 starting with =, +, - or
@) stays text: in the xlsx a string cell, never a formula; in the CSV behind an apostrophe; in the JSON as
entered."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reviews.cycles import take_step
from tests.personas import open_cycle
from tests.test_publication import publish, record

ACTIONS = '=HYPERLINK("https://example.com","詳細")'
ISSUES = "-（予算の確保は令和8年度）-"


@pytest.fixture
def published(plan5, admin):
    cycle = open_cycle(plan5, 2025, admin)
    record(
        cycle,
        1,
        admin,
        stage_reached="実施中",
        progress="計画どおり",
        achievement="達成",
        direction="継続",
        actions=ACTIONS,
        issues=ISSUES,
    )
    cycle = take_step(cycle, "compile", admin)
    cycle = take_step(cycle, "committee", admin, date=datetime.date(2026, 5, 20))
    cycle = take_step(cycle, "headquarters", admin, date=datetime.date(2026, 6, 10))
    return publish(cycle, admin)


def test_formula_like_text_is_a_string_cell_in_the_published_workbook(client, published):
    content = client.get(reverse("published:file", args=[5, 2025, "xlsx"])).content
    sheet = load_workbook(io.BytesIO(content))["進捗状況報告"]

    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value in (ACTIONS, ISSUES)}

    assert set(cells) == {ACTIONS, ISSUES}  # read back as the text itself, no apostrophe in it
    for cell in cells.values():
        assert cell.data_type == "s"  # a string, never a formula ("f")
        assert cell.quotePrefix  # Excel shows it as text, and keeps it text when edited


def test_formula_like_text_gets_a_leading_apostrophe_in_the_published_csv(client, published):
    text = client.get(reverse("published:file", args=[5, 2025, "csv"])).content.decode("utf-8")
    assert text.startswith("\ufeff")  # for Excel on a Japanese Windows PC
    header, *rows = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    row = dict(zip(header, next(r for r in rows if r[0] == "1"), strict=True))

    assert row["取組内容 令和7年度 (2025)"] == "'" + ACTIONS
    assert row["課題 令和7年度 (2025)"] == "'" + ISSUES
    data = client.get(reverse("published:file", args=[5, 2025, "json"])).json()
    (evaluation,) = next(i for i in data["initiatives"] if i["number"] == 1)["evaluations"]
    assert (evaluation["actions"], evaluation["issues"]) == (ACTIONS, ISSUES)  # JSON is data: as entered

"""In English, the report, the dashboard and the published report show every status word in English: the entry
states, the stages, the ratings, the directions and 自己評価と年次計画の差. The words are the plan's data; the
catalogue translates those the shipped plans use (plan/words.py)."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from reviews.cycles import take_step
from reviews.models import StatusEntry
from tests.personas import open_cycle
from tests.surveys import fill_the_survey

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


class StatusCells(HTMLParser):
    """The text of every element marked class="status" (a status word, or words about one), and the charts'
    legends and bars."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "rect", "line", "circle"}

    def __init__(self):
        super().__init__()
        self.cells, self.depth, self.text = [], 0, []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        if self.depth:
            self.depth += 1
        elif "status" in classes or "chart-legend" in classes or "chart-value" in classes:
            self.depth, self.text = 1, []

    def handle_endtag(self, tag):
        if tag in self.VOID or not self.depth:
            return
        self.depth -= 1
        if not self.depth:
            self.cells.append("".join(self.text).strip())

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def status_cells(response):
    assert response.status_code == 200
    parser = StatusCells()
    parser.feed(response.content.decode())
    return parser.cells


def assert_all_in_english(cells):
    assert cells
    japanese = [c for c in cells if JAPANESE.search(c)]
    assert not japanese, japanese


@pytest.fixture
def english(client, admin):
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def surveyed(plan5, admin):
    """令和8年度 with every entry filled in: late ones, three whose progress contradicts the roadmap."""
    cycle = open_cycle(plan5, 2026, admin)
    fill_the_survey(cycle, admin)
    return cycle


def test_the_dashboard_shows_every_status_word_in_english(english, surveyed):
    cells = status_cells(english.get(reverse("reviews:dashboard", args=[surveyed.pk])))
    assert_all_in_english(cells)
    for word in (
        "Achieved",
        "Partly achieved",
        "On plan",
        "Behind plan",
        "Not entered",
        "In progress",
        "Submitted",
    ):
        assert word in cells, word
    assert "Studying" in cells and "Implement" in cells  # stage reached, and the roadmap's stage
    assert "On plan (roadmap: Behind plan)" in cells  # 自己評価と年次計画の差
    html = english.get(reverse("reviews:dashboard", args=[surveyed.pk])).content.decode()
    assert "Initiatives whose self-assessment differs from the roadmap (3)" in html


def test_the_report_shows_every_status_word_in_english(english, surveyed):
    cells = status_cells(english.get(reverse("reviews:report", args=[surveyed.pk])))
    assert_all_in_english(cells)
    for word in (
        "Implement",
        "Implementing",
        "Completed",
        "Not started",
        "Ahead of plan",
        "Continue",
        "Revise",
    ):
        assert word in cells, word
    assert "Concluded" in cells and "Expand" in cells and "Not achieved" in cells
    html = english.get(reverse("reviews:report", args=[surveyed.pk])).content.decode()
    assert "Self-assessment differs from the roadmap" in html


def test_the_published_report_shows_every_status_word_in_english(client, surveyed, admin):
    cycle = take_step(surveyed, "compile", admin)
    for step in ("committee", "headquarters", "publish"):
        cycle = take_step(
            cycle, step, admin, **({"date": cycle.created_at.date()} if step != "publish" else {})
        )
    client.cookies["django_language"] = "en"
    cells = status_cells(client.get(reverse("published:report", args=[5, 2026])))
    assert_all_in_english(cells)
    assert "On plan (roadmap: Behind plan)" in cells and "Partly achieved" in cells
    # The published files stay the city's Japanese documents.
    csv_text = client.get(reverse("published:file", args=[5, 2026, "csv"])).content.decode("utf-8-sig")
    assert "計画どおり（年次計画では 計画より遅れている）" in csv_text


def test_a_word_the_catalogue_does_not_know_is_shown_as_the_plan_states_it(english, surveyed, admin):
    """An administrator's own word is data: shown as typed, in either language."""
    StatusEntry.objects.filter(cycle=surveyed, initiative__number=1).update(direction="統合")
    cells = status_cells(english.get(reverse("reviews:report", args=[surveyed.pk])))
    assert "統合" in cells

"""The final evaluation and the next plan (issue 4).

A deliberated survey becomes the year's evaluations; in the plan's last year they make the table that the
next plan's chapter 2 prints (項番, 項目, 内容, 取組目標, 令和N年度までの取組内容, 達成状況, 今後の方向性). The
fourth plan's own table, as stored, comes out of the same page and workbook exactly as the document prints
it. From the table an administrator starts the next plan's draft with what goes on (継続, 拡充 at first; the
choice itself is tests/test_next_plan_carry.py).
"""

import datetime
import io
import logging
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from openpyxl import load_workbook

from initiatives.models import Evaluation, Initiative, RoadmapCell
from plan.models import Plan
from reviews.cycles import take_step
from reviews.entries import save_entry
from reviews.models import CycleState, StatusEntry
from reviews.next_plan import NextPlanError, kanji_number, next_plan_title, start_next_plan
from reviews.reports import final_table
from tests.jobs import job_page
from tests.personas import column_value, cycle_in_state, make_user, open_cycle
from tests.test_seed_matches_document import section, table

ACHIEVEMENTS = ["達成", "一部達成", "未達成"]
DIRECTIONS = ["継続", "拡充", "見直し", "取組終了"]


def document_fourth_plan_table():
    """The fourth plan's table as the document prints it: the header, then one list of cells per row.

    Read by the parser of tests/test_seed_matches_document.py, which never looks at the database."""
    (header,), rows = table(
        section("(2) 第四次東大和市情報化推進計画における取組状況と今後の方向性", r"第3章"), 7
    )
    return [header, *rows]


class TableCells(HTMLParser):
    """The text of every th/td of the one table whose class includes `css_class`, row by row."""

    def __init__(self, css_class):
        super().__init__()
        self.css_class = css_class
        self.rows, self.caption = [], None
        self._in_table = self._in_caption = False
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and self.css_class in (attrs.get("class") or "").split():
            self._in_table = True
        elif self._in_table and tag == "caption":
            self._in_caption, self.caption = True, ""
        elif self._in_table and tag == "tr":
            self.rows.append([])
        elif self._in_table and tag in ("th", "td"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif tag == "caption":
            self._in_caption = False
        elif self._in_table and tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        elif self._in_caption:
            self.caption += data


def html_table(response, css_class="final-table"):
    parser = TableCells(css_class)
    parser.feed(response.content.decode())
    return parser


def xlsx_rows(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    return sheet, rows


def fill(cycle, number, user, **values):
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=number)
    save_entry(entry, values, user, entry.version)


def deliberate(cycle, user):
    cycle = take_step(cycle, "compile", user)
    cycle = take_step(cycle, "committee", user, date=datetime.date(2026, 6, 1))
    return take_step(cycle, "headquarters", user, date=datetime.date(2026, 7, 1))


def deliberate_and_publish(cycle, user):
    return take_step(deliberate(cycle, user), "publish", user)


def result_of(number):
    """A made-up result for item N: the words cycle so that every achievement and direction occurs."""
    return {
        "actions": f"項番{number}の取組を進めた。",
        "achievement": ACHIEVEMENTS[number % len(ACHIEVEMENTS)],
        "direction": DIRECTIONS[number % len(DIRECTIONS)],
    }


@pytest.fixture
def final_cycle(plan5, admin, pdf_rendered_once):
    """The fifth plan's last-year survey, every entry filled in, deliberated by the 本部会議 and published.

    The tests that take it read the evaluations and the next plan, never the published PDF (test_publication
    and test_reports do): the report's PDF is rendered once for them all (pdf_rendered_once).
    """
    cycle = open_cycle(plan5, plan5.last_fiscal_year, admin)
    for number in plan5.initiatives.values_list("number", flat=True):
        fill(cycle, number, admin, **result_of(number))
    with pdf_rendered_once():
        return deliberate_and_publish(cycle, admin)


# --- Recording the deliberated result ------------------------------------------------------------------


def test_publishing_a_cycle_records_each_entry_as_the_evaluation_of_its_year(plan5, admin):
    cycle = open_cycle(plan5, 2023, admin)
    fill(cycle, 1, admin, **result_of(1))
    fill(cycle, 2, admin, **result_of(2))

    cycle = take_step(cycle, "compile", admin)
    cycle = take_step(cycle, "committee", admin, date=datetime.date(2024, 6, 1))
    cycle = take_step(cycle, "headquarters", admin, date=datetime.date(2024, 7, 1))
    # Not before publication: the plan pages and open data are public.
    assert not Evaluation.objects.filter(initiative__plan=plan5).exists()
    take_step(cycle, "publish", admin)

    stored = Evaluation.objects.filter(initiative__plan=plan5).order_by("initiative__number")
    assert [(e.initiative.number, e.fiscal_year, e.actions, e.achievement, e.direction) for e in stored] == [
        (n, 2023, *result_of(n).values()) for n in (1, 2)
    ]


def test_an_entry_without_achievement_or_direction_is_not_recorded_and_the_admin_is_told_which(
    client, plan5, admin
):
    cycle = open_cycle(plan5, 2023, admin)
    fill(cycle, 1, admin, **result_of(1))
    fill(cycle, 2, admin, actions="途中まで", achievement="達成")  # no direction
    fill(cycle, 3, admin, actions="途中まで", direction="継続")  # no achievement
    cycle = deliberate(cycle, admin)
    client.force_login(admin)

    response = client.post(reverse("reviews:cycle_step", args=[cycle.pk]), {"step": "publish"})

    recorded = Evaluation.objects.filter(initiative__plan=plan5, fiscal_year=2023)
    assert list(recorded.values_list("initiative__number", flat=True)) == [1]
    page = job_page(client, response).content.decode()
    unrecorded = "、".join(str(n) for n in range(2, plan5.initiatives.count() + 1))  # 2, 3 and the empty ones
    assert f"を公開しました。項番 {unrecorded} は達成状況または今後の方向性が未入力のため、" in page
    assert "令和5年度 (2023)の評価として記録していません" in page


def test_a_correction_after_reopening_is_what_publication_records(plan5, admin):
    cycle = open_cycle(plan5, 2023, admin)
    fill(cycle, 1, admin, actions="最初の内容", achievement="一部達成", direction="継続")
    cycle = deliberate(cycle, admin)
    cycle = take_step(cycle, "reopen", admin, reason="本部会議の指摘を反映するため")
    fill(cycle, 1, admin, actions="直した内容", achievement="達成", direction="取組終了")

    deliberate_and_publish(cycle, admin)

    (evaluation,) = Evaluation.objects.filter(initiative__plan=plan5)
    assert (evaluation.fiscal_year, evaluation.actions, evaluation.achievement, evaluation.direction) == (
        2023,
        "直した内容",
        "達成",
        "取組終了",
    )


def test_a_cycle_published_with_empty_entries_records_nothing(plan5, admin):
    take_step(cycle_in_state(plan5, 2024, admin, CycleState.HEADQUARTERS_DONE), "publish", admin)
    assert not Evaluation.objects.filter(initiative__plan=plan5).exists()


# --- The fifth plan's final table -------------------------------------------------------------------------


def test_the_fifth_plans_final_table_comes_from_its_deliberated_last_year(plan5, final_cycle):
    report = final_table(plan5)

    assert report["headers"] == [
        "項番",
        "項目",
        "内容",
        "取組目標",
        "令和8年度までの取組内容",
        "達成状況",
        "今後の方向性",
    ]
    initiatives = list(plan5.initiatives.order_by("number"))
    assert [r["number"] for r in report["rows"]] == [i.number for i in initiatives]
    last_stage = dict(
        RoadmapCell.objects.filter(initiative__plan=plan5, fiscal_year=plan5.last_fiscal_year).values_list(
            "initiative__number", "stage"
        )
    )
    for row, initiative in zip(report["rows"], initiatives, strict=True):
        assert row == {
            "number": initiative.number,
            "name": initiative.name,
            "description": initiative.description,
            "target_stage": last_stage[initiative.number],  # the stage the roadmap reaches in 2026
            **result_of(initiative.number),
        }


def test_the_fifth_plans_final_table_page_shows_the_table_with_its_words(client, plan5, admin, final_cycle):
    client.force_login(make_user("committee"))

    response = client.get(reverse("reviews:final_table", args=[5]))

    assert response.status_code == 200
    parsed = html_table(response)
    assert parsed.caption == "第五次東大和市情報化推進計画における取組状況と今後の方向性"
    header, *rows = parsed.rows
    assert header == final_table(plan5)["headers"]
    assert [row[0] for row in rows] == [
        str(n) for n in plan5.initiatives.order_by("number").values_list("number", flat=True)
    ]
    item2 = rows[1]
    assert item2[3:] == ["実施", "項番2の取組を進めた。", "未達成", "見直し"]
    assert "評価が記録されていない" not in response.content.decode()


def test_the_final_table_page_names_the_items_still_without_an_evaluation(client, plan5, admin):
    cycle = open_cycle(plan5, plan5.last_fiscal_year, admin)
    for number in plan5.initiatives.exclude(number__in=[4, 7]).values_list("number", flat=True):
        fill(cycle, number, admin, **result_of(number))
    deliberate_and_publish(cycle, admin)
    client.force_login(admin)

    html = client.get(reverse("reviews:final_table", args=[5])).content.decode()

    assert "評価が記録されていない個別計画が2件あります（項番 4、7）" in html


# --- The fourth plan's table, exactly as the document prints it -----------------------------------------


def test_the_fourth_plans_final_table_page_prints_the_documents_table_cell_by_cell(client, plan4, admin):
    client.force_login(admin)

    response = client.get(reverse("reviews:final_table", args=[4]))

    parsed = html_table(response)
    assert parsed.caption == "第四次東大和市情報化推進計画における取組状況と今後の方向性"
    document = document_fourth_plan_table()
    assert len(parsed.rows) == len(document)
    for shown, printed in zip(parsed.rows, document, strict=True):
        assert shown == printed


def test_the_fourth_plans_final_table_workbook_holds_the_documents_table_cell_by_cell(client, plan4, admin):
    client.force_login(admin)

    response = client.get(reverse("reviews:final_table_xlsx", args=[4]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet, rows = xlsx_rows(response)
    assert sheet["A1"].value == "第四次東大和市情報化推進計画における取組状況と今後の方向性"
    document = document_fourth_plan_table()
    assert len(rows) == len(document)
    for stored, printed in zip(rows, document, strict=True):
        assert stored == printed


def test_the_final_table_workbook_prints_on_a4_landscape_with_its_header_on_every_page(client, plan4, admin):
    client.force_login(admin)

    sheet, _rows = xlsx_rows(client.get(reverse("reviews:final_table_xlsx", args=[4])))

    assert sheet.print_title_rows == "$2:$2"
    assert sheet.freeze_panes == "A3"
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert sheet.page_setup.fitToWidth == 1
    assert [sheet.column_dimensions[c].width for c in "ABCDEFG"] == [6, 28, 48, 9, 60, 10, 11]
    assert all(cell.font.bold for cell in sheet[2])
    assert sheet["E3"].alignment.wrap_text and sheet["C3"].alignment.wrap_text


@pytest.mark.parametrize("value", ['=HYPERLINK("https://example.com")', "+81-42", "-1", "@SUM(A1)"])
def test_formula_like_text_stays_text_in_the_final_table_workbook(client, plan4, admin, value):
    Initiative.objects.filter(plan=plan4, number=1).update(name=value)
    Evaluation.objects.filter(initiative__plan=plan4, initiative__number=1).update(actions=value)
    client.force_login(admin)

    sheet, _rows = xlsx_rows(client.get(reverse("reviews:final_table_xlsx", args=[4])))

    for cell in (sheet["B3"], sheet["E3"]):
        assert cell.value == value
        assert cell.data_type == "s"
        assert cell.quotePrefix


# --- Starting the next plan -------------------------------------------------------------------------------


def test_continue_and_expand_carry_on_and_the_other_directions_do_not(plan5):
    direction = plan5.scale("direction")
    assert direction.values == ["継続", "拡充", "見直し", "取組終了"]
    assert [w for w in direction.values if direction.carries_on(w)] == ["継続", "拡充"]


@pytest.mark.parametrize(
    ("number", "kanji"),
    [(1, "一"), (5, "五"), (6, "六"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (26, "二十六")],
)
def test_plan_ordinals_are_written_in_kanji(number, kanji):
    assert kanji_number(number) == kanji


def test_the_next_plans_title_follows_from_the_plans_own(plan5, plan4):
    assert next_plan_title(plan5) == "第六次東大和市情報化推進計画（案）"
    assert next_plan_title(plan4) == "第五次東大和市情報化推進計画（案）"


def test_an_administrator_starts_the_next_plan_with_what_continues_or_expands(
    client, plan5, admin, final_cycle
):
    client.force_login(admin)
    page = client.get(reverse("reviews:final_table", args=[5])).content.decode()
    assert reverse("reviews:start_next_plan", args=[5]) in page
    choosing = client.get(reverse("reviews:start_next_plan", args=[5]))
    chosen_at_first = [o.initiative.pk for o in choosing.context["options"] if o.chosen]

    response = client.post(reverse("reviews:start_next_plan", args=[5]), {"carry": chosen_at_first})

    draft = Plan.objects.get(predecessor=plan5)
    assert response.status_code == 302
    assert response["Location"] == reverse("initiatives:plan_table", args=[draft.ordinal])
    assert (draft.ordinal, draft.title, draft.first_fiscal_year, draft.last_fiscal_year) == (
        6,
        "第六次東大和市情報化推進計画（案）",
        2027,
        None,
    )
    assert draft.division == plan5.division
    assert draft.adopted == ""
    carried = [
        n
        for n in plan5.initiatives.order_by("number").values_list("number", flat=True)
        if result_of(n)["direction"] in ("継続", "拡充")
    ]
    assert carried  # the made-up results carry some on and end others
    assert len(carried) < plan5.initiatives.count()
    drafts = list(draft.initiatives.order_by("number"))
    assert [i.number for i in drafts] == list(range(1, len(carried) + 1))
    for new, origin_number in zip(drafts, carried, strict=True):
        origin = plan5.initiatives.get(number=origin_number)
        assert [(o.plan.ordinal, o.number) for o in new.carried_from.all()] == [(5, origin_number)]
        assert list(origin.carried_into.all()) == [new]
        assert (
            new.name,
            new.description,
            column_value(new, "public_private_data"),
            column_value(new, "municipal_dx"),
            new.department_id,
        ) == (
            origin.name,
            origin.description,
            column_value(origin, "public_private_data"),
            column_value(origin, "municipal_dx"),
            origin.department_id,
        )
        assert new.is_new is False
        assert not new.roadmap.exists() and not new.evaluations.exists()
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert (
        messages[0]
        == f"「第六次東大和市情報化推進計画（案）」を作成し、個別計画{len(carried)}件を引き継ぎました。"
    )


def test_the_lineage_from_the_fourth_to_the_sixth_plan_shows_on_the_plan_pages(
    client, plan5, admin, final_cycle
):
    start_next_plan(plan5, admin)
    # The fifth plan's item 8 continues the fourth plan's item 16, and its made-up direction is 継続.
    draft = Plan.objects.get(predecessor=plan5)
    fifth8 = plan5.initiatives.get(number=8)
    sixth = fifth8.carried_into.get()
    assert sixth.plan == draft

    client.force_login(admin)  # the draft is for staff until the city adopts it
    fifth_page = client.get(reverse("initiatives:plan_table", args=[5])).content.decode()
    sixth_page = client.get(reverse("initiatives:plan_table", args=[6])).content.decode()
    fourth_page = client.get(reverse("initiatives:plan_table", args=[4])).content.decode()

    to_sixth = f'href="{reverse("initiatives:plan_table", args=[6])}#initiative-{sixth.number}"'
    to_fifth = f'href="{reverse("initiatives:plan_table", args=[5])}#initiative-8"'
    to_fourth = f'href="{reverse("initiatives:plan_table", args=[4])}#initiative-16"'
    assert "継続先:" in fifth_page and to_sixth in fifth_page and to_fourth in fifth_page
    assert "継続元:" in sixth_page and to_fifth in sixth_page
    assert "継続先:" in fourth_page and to_fifth in fourth_page
    # The draft is in the plan switch, and its period so far is its first year.
    assert "第六次東大和市情報化推進計画（案）" in fifth_page
    assert "令和9年度 (2027)～" in sixth_page


def test_the_home_page_keeps_showing_the_plan_in_force_while_the_next_is_a_draft(
    client, plan5, admin, final_cycle
):
    start_next_plan(plan5, admin)
    assert client.get("/")["Location"] == reverse("initiatives:plan_table", args=[5])


def test_starting_the_next_plan_a_second_time_is_refused(client, plan5, admin, final_cycle):
    client.force_login(admin)
    client.post(reverse("reviews:start_next_plan", args=[5]))
    count = Initiative.objects.count()

    response = client.post(reverse("reviews:start_next_plan", args=[5]), follow=True)

    assert Plan.objects.filter(ordinal=6).count() == 1
    assert Initiative.objects.count() == count
    assert (
        "第五次東大和市情報化推進計画にはすでに次の計画「第六次東大和市情報化推進計画（案）」があります"
        in (response.content.decode())
    )
    with pytest.raises(NextPlanError):
        start_next_plan(plan5, admin)


def test_the_fourth_plan_already_has_its_successor(client, plan4, admin):
    client.force_login(admin)
    page = client.get(reverse("reviews:final_table", args=[4])).content.decode()
    assert reverse("reviews:start_next_plan", args=[4]) not in page
    assert reverse("initiatives:plan_table", args=[5]) in page

    client.post(reverse("reviews:start_next_plan", args=[4]))

    assert Plan.objects.count() == 5


def test_the_next_plan_cannot_start_before_the_last_years_evaluations_exist(client, plan5, admin):
    client.force_login(admin)
    page = client.get(reverse("reviews:final_table", args=[5])).content.decode()
    assert reverse("reviews:start_next_plan", args=[5]) not in page

    response = client.post(reverse("reviews:start_next_plan", args=[5]), follow=True)

    assert not Plan.objects.filter(ordinal=6).exists()
    assert "令和8年度 (2026)の評価がまだ記録されていないため" in response.content.decode()


@pytest.mark.parametrize("role", ["staff", "committee", "department"])
def test_only_an_administrator_may_start_the_next_plan(client, plan5, admin, final_cycle, caplog, role):
    client.force_login(make_user(role))
    caplog.set_level(logging.WARNING, logger="reviews.access")

    page = client.get(reverse("reviews:final_table", args=[5]))
    response = client.post(reverse("reviews:start_next_plan", args=[5]))

    assert page.status_code == 200
    assert reverse("reviews:start_next_plan", args=[5]) not in page.content.decode()
    assert response.status_code == 403
    assert not Plan.objects.filter(ordinal=6).exists()
    (record,) = [r for r in caplog.records if r.name == "reviews.access"]
    assert "start the next plan" in record.getMessage()


# --- Who may read ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [("final_table", "get"), ("final_table_xlsx", "get"), ("start_next_plan", "post")],
)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, plan5, name, method):
    url = reverse(f"reviews:{name}", args=[5])
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["final_table", "final_table_xlsx"])
def test_a_user_without_a_role_is_refused_the_final_table(client, plan5, caplog, name):
    client.force_login(make_user("none"))
    caplog.set_level(logging.WARNING, logger="reviews.access")
    assert client.get(reverse(f"reviews:{name}", args=[5])).status_code == 403
    assert [r for r in caplog.records if r.name == "reviews.access"]


def test_a_plan_without_initiatives_or_a_last_year_has_no_final_table(client, plan5, admin):
    client.force_login(admin)
    assert client.get(reverse("reviews:final_table", args=[1])).status_code == 404  # no initiatives
    assert client.get(reverse("reviews:final_table", args=[9])).status_code == 404


def test_the_survey_list_links_to_the_final_tables(client, plan5, admin):
    client.force_login(admin)
    html = client.get(reverse("reviews:cycle_list")).content.decode()
    assert reverse("reviews:final_table", args=[5]) in html
    assert reverse("reviews:final_table", args=[4]) in html


# --- What an earlier year's evaluations leave alone --------------------------------------------------------


def test_an_earlier_years_evaluations_add_no_final_columns_to_the_plan_workbook(client, plan5, admin):
    cycle = open_cycle(plan5, 2023, admin)
    fill(cycle, 1, admin, **result_of(1))
    deliberate_and_publish(cycle, admin)

    sheet = load_workbook(io.BytesIO(client.get("/open-data/plans/5.xlsx").content)).active
    headers = {cell.value for row in sheet.iter_rows(max_row=4) for cell in row}
    assert "令和8年度までの取組内容" not in headers


def test_a_draft_plan_without_a_period_is_not_offered_for_a_survey(client, plan5, admin, final_cycle):
    start_next_plan(plan5, admin)
    client.force_login(admin)

    form = client.get(reverse("reviews:cycle_list")).context["form"]

    assert [p.ordinal for p in form.fields["plan"].queryset] == [5, 4]


def test_the_plan_page_links_a_signed_in_reader_to_the_final_table(client, plan4, admin):
    url = reverse("reviews:final_table", args=[4])
    assert url not in client.get(reverse("initiatives:plan_table", args=[4])).content.decode()
    client.force_login(admin)
    assert url in client.get(reverse("initiatives:plan_table", args=[4])).content.decode()


def test_the_final_table_page_needs_the_same_queries_however_many_initiatives(
    client, plan5, admin, final_cycle, django_assert_num_queries
):
    client.force_login(admin)
    url = reverse("reviews:final_table", args=[5])
    # session, user, roles; the plan; initiatives, roadmap, evaluations of the last year (final_table); the
    # successor; the last year's cycle; initiatives, their carried-from and carried-into (the lineage).
    # … the city's names; the plan's rating scales with their words (the names of the columns, what carries on);
    # the user's unread notifications (page header).
    with django_assert_num_queries(16):
        client.get(url)
    for number in range(100, 140):
        Initiative.objects.create(plan=plan5, number=number, name=f"追加 {number}")
    with django_assert_num_queries(16):
        client.get(url)


def test_the_draft_next_plan_is_not_public_until_adopted(client, plan5, admin, final_cycle):
    start_next_plan(plan5, admin)
    assert client.get("/plans/6/").status_code == 404
    assert client.get("/open-data/plans/6.json").status_code == 404
    page = client.get("/plans/5/").content.decode()
    assert "第六次東大和市情報化推進計画（案）" not in page and "第6次" not in page
    client.force_login(admin)
    assert client.get("/plans/6/").status_code == 200
    assert "第6次" in client.get("/plans/5/").content.decode()


@pytest.mark.parametrize("role", ["staff", "department", "committee"])
def test_every_role_reads_the_draft_next_plan(client, plan5, admin, final_cycle, role):
    start_next_plan(plan5, admin)
    client.force_login(make_user(role))
    assert client.get("/plans/6/").status_code == 200
    assert "第6次" in client.get("/plans/5/").content.decode()


def test_a_login_without_a_role_does_not_see_the_draft_next_plan(client, plan5, admin, final_cycle):
    start_next_plan(plan5, admin)
    client.force_login(make_user("none"))
    assert client.get("/plans/6/").status_code == 404
    assert client.get("/open-data/plans/6.xlsx").status_code == 404
    assert "第6次" not in client.get("/plans/5/").content.decode()

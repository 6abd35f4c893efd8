"""Past years' results taken in as published years: the surveys a city did in Excel before it had this application.

A city that adopts the application late in a plan has its earlier years' results in files, one row per
initiative and fiscal year. Each year of the file becomes that year's ReviewCycle, closed and published as the
normal steps would leave it: every entry 確認済, the cycle 公開済, the report frozen (reviews.publication), the
initiatives' evaluations recorded (reviews.evaluations), and the history saying it was imported, from which file
and by whom. The five files of each publication are made after commit by the task worker
(reviews.tasks.store_published_files), as a normal publication's are made in the background.

Nothing here knows how the file was read (reviews.past_results reads it with django-import-export): it takes
the header row and the rows as values. Everything is checked before anything is written, and one bad cell
refuses the whole file.

A year that already has a survey made by the normal steps is refused (a real survey is never overwritten). A
year imported before may come again only as it was imported: those rows change nothing. A changed row for
such a year is refused too: the year is published, and a published report is never changed.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from simple_history.utils import bulk_create_with_history

from audit.models import AuditKind
from audit.trail import record
from caching import pages
from initiatives.models import Indicator, Initiative, RoadmapCell, actual_text
from plan.eras import date_label, fiscal_year_label, parse_date, parse_fiscal_year
from plan.models import Plan
from reviews import evaluations, publication, scales
from reviews.entries import changes_between
from reviews.models import (
    CycleEvent,
    CycleState,
    EntryEvent,
    EntryState,
    Publication,
    ReviewCycle,
    StatusEntry,
)
from reviews.reports import cycle_report
from reviews.survey_workbooks import ACTUAL_FIELD, columns_for
from reviews.survey_workbooks import _readpositive_number as read_number
from reviews.survey_workbooks import _text as cell_value_text
from workbooks import cell_text, compact, positive_number

# The survey workbook's columns that a past year's row has too, under the same headers (the ratings under the
# plan's names for them), so that the city's files look alike.
ENTRY_COLUMNS = ["number", "name", *StatusEntry.EDITABLE_FIELDS]
PLAN, YEAR, NAME, ACTUALS = "plan", "fiscal_year", "name", "kpi_actuals"
# The day the city published the year's results (市報, its website), kept as the publication's date; without it
# the year is dated the day of the import.
PUBLISHED_ON = "published_on"
# A file may leave these out: the initiative's name is only for the reader, and a year may have had no issues,
# no indicators, no 自己評価と年次計画の差 and no known day of publication.
OPTIONAL = (NAME, "issues", "progress_reason", ACTUALS, PUBLISHED_ON)
# An indicator's actual, one a line: 「指標名: 120」 (the workbook marks a lower-is-better indicator's name).
ACTUAL_LINE = re.compile(r"^(?P<name>.+?)\s*[:：]\s*(?P<value>[^:：]*)$")
LOWER_IS_BETTER_MARK = "（低いほどよい）"
# The open data's CSV (and this import's export) puts an apostrophe before a text a spreadsheet would take for a
# formula; it is not part of the text.
QUOTED_FORMULA = re.compile(r"^'(?=[=+\-@\t\r])")


@dataclass(frozen=True)
class Column:
    header: str
    name: str


def columns(plan):
    """The file's columns, in order: 計画, 年度, the survey workbook's words for an entry, then 公表日."""
    workbook = {c.name: c.header for c in columns_for(plan)}
    return [
        Column("計画", PLAN),
        Column("年度", YEAR),
        *(
            Column(workbook.get(name) or str(StatusEntry._meta.get_field(name).verbose_name), name)
            for name in ENTRY_COLUMNS
        ),
        Column("公表日", PUBLISHED_ON),
    ]


class PastResultsRefused(Exception):
    """The file cannot be taken. Holds every problem found, each naming its row (the header is row 1) and column;
    by_row has those of each row, for a screen that lists them row by row (row 1: the file as a whole)."""

    def __init__(self, errors):
        self.by_row = {}
        for row, message in errors:
            self.by_row.setdefault(row, []).append(message)
        self.messages = [message for _row, message in sorted(errors, key=lambda e: e[0])]
        super().__init__("\n".join(self.messages))


@dataclass
class PastRow:
    row: int  # the file's row number, the header being row 1
    initiative: Initiative
    values: dict  # StatusEntry.EDITABLE_FIELDS as the year's entry will hold them
    proposed: list = field(default_factory=list)  # the ratings left empty that got the proposed word
    published_on: datetime.date | None = None  # 公表日, where the row gives it


@dataclass
class PastYear:
    fiscal_year: int
    rows: list
    # The cycle an earlier import made of this year; its rows are then unchanged (anything else is refused).
    imported: ReviewCycle | None = None
    # The day the city published it (公表日), where the file says; else the day of the import.
    published_on: datetime.date | None = None

    @property
    def label(self):
        return fiscal_year_label(self.fiscal_year)


@dataclass
class PastResults:
    plan: Plan
    years: list  # PastYear, oldest first
    rows: dict  # row number -> PastRow
    indicators: dict = field(default_factory=dict)  # initiative id -> its indicators, in order
    stored: dict = field(default_factory=dict)  # (cycle id, initiative id) -> entry of a year imported before

    @property
    def new_years(self):
        return [y for y in self.years if y.imported is None]

    @property
    def unchanged_years(self):
        return [y for y in self.years if y.imported is not None]


def where(row, col, header):
    """The cell as the survey workbook names one: 「3行目 D列（実施状況）」."""
    return _("%(row)d行目 %(col)s列（%(header)s）") % {
        "row": row,
        "col": get_column_letter(col + 1),
        "header": header,
    }


def current_fiscal_year(today=None):
    today = today or timezone.localdate()
    return today.year if today.month >= 4 else today.year - 1


def read_past_results(headers, rows, today=None, row_numbers=None):
    """The file's rows (each a sequence in the order of headers; the header row is row 1), checked against the
    plan they name and the surveys already stored. Raises PastResultsRefused naming every bad cell.

    row_numbers: the row each one had in the file, where a reader left blank rows out (onboarding.formats);
    by default the rows follow the header one after another."""
    found = {compact(h): col for col, h in enumerate(headers or []) if compact(h)}
    if compact("計画") not in found:
        raise PastResultsRefused([(1, _("1行目: 見出し「計画」の列がありません。"))])
    rows = [list(r) for r in rows]
    numbers = list(row_numbers) if row_numbers is not None else list(range(2, len(rows) + 2))
    plan, errors = _plan_of(rows, numbers, found[compact("計画")])
    if plan is None:
        raise PastResultsRefused(errors)
    layout = columns(plan)
    cols = {c.name: found[compact(c.header)] for c in layout if compact(c.header) in found}
    missing = [c.header for c in layout if c.name not in cols and c.name not in OPTIONAL]
    if missing:
        raise PastResultsRefused(
            [
                (
                    1,
                    _("1行目: 見出し%(headers)sの列がありません。")
                    % {"headers": "".join(f"「{h}」" for h in missing)},
                )
            ]
        )
    reader = _Reader(plan, cols, {c.name: c.header for c in layout}, today)
    for row_no, line in zip(numbers, rows, strict=True):
        if all(compact(v) == "" for v in line):
            continue
        reader.read(row_no, line + [None] * (len(headers) - len(line)))
    years = reader.years()
    errors += reader.errors
    if errors:
        raise PastResultsRefused(errors)
    return PastResults(
        plan=plan,
        years=years,
        rows={r.row: r for y in years for r in y.rows},
        indicators=reader.indicators,
        stored=reader.stored,
    )


def _plan_of(rows, numbers, col):
    """The one plan the file's rows name in 計画 (its ordinal, 「5」 or 「第5次」)."""
    errors, ordinals = [], {}
    for row_no, line in zip(numbers, rows, strict=True):
        value = line[col] if col < len(line) else None
        if all(compact(v) == "" for v in line):
            continue
        ordinal = positive_number(re.sub(r"^第|次(計画)?$", "", compact(value)))
        if ordinal is None:
            errors.append(
                (
                    row_no,
                    _("%(where)s: 計画「%(value)s」は計画の次数（5 など）ではありません。")
                    % {"where": where(row_no, col, "計画"), "value": cell_text(value)},
                )
            )
        else:
            ordinals.setdefault(ordinal, row_no)
    if not ordinals:
        return None, errors or [(1, _("取り込む行がありません。"))]
    if len(ordinals) > 1:
        first, *others = ordinals.items()
        for _ordinal, row_no in others:
            errors.append(
                (
                    row_no,
                    _(
                        "%(where)s: 1つのファイルには1つの計画の結果だけを入れてください（%(first)d行目は第%(ordinal)d次計画）。"
                    )
                    % {"where": where(row_no, col, "計画"), "first": first[1], "ordinal": first[0]},
                )
            )
        return None, errors
    ordinal, row_no = next(iter(ordinals.items()))
    plan = Plan.objects.filter(ordinal=ordinal).first()
    if plan is None:
        errors.append(
            (
                row_no,
                _("%(where)s: 第%(ordinal)d次計画はありません。")
                % {"where": where(row_no, col, "計画"), "ordinal": ordinal},
            )
        )
    return (None if errors else plan), errors


class _Reader:
    """Reads row after row, collecting every problem; years() then checks each year against what is stored."""

    def __init__(self, plan, cols, headers, today):
        self.plan, self.cols, self.headers = plan, cols, headers
        self.errors, self.by_year, self.seen, self.stored = [], {}, {}, {}
        self.today = today or timezone.localdate()
        self.current_year = current_fiscal_year(self.today)
        self.initiatives = {i.number: i for i in Initiative.objects.for_plan(plan)}
        for initiative in self.initiatives.values():
            initiative.plan = plan  # the same object: its scales and stages are read once
        self.indicators = {}
        for indicator in Indicator.objects.filter(initiative__plan=plan).prefetch_related("targets"):
            self.indicators.setdefault(indicator.initiative_id, []).append(indicator)
        self.planned = {
            (c.initiative_id, c.fiscal_year): c.stage
            for c in RoadmapCell.objects.filter(initiative__plan=plan)
        }

    def where(self, row_no, name):
        return where(row_no, self.cols[name], self.headers[name])

    def error(self, row_no, name, message, **args):
        self.errors.append((row_no, message % {"where": self.where(row_no, name), **args}))

    def read(self, row_no, line):
        cells = {name: line[col] for name, col in self.cols.items()}
        year = self._year(row_no, cells[YEAR])
        initiative = self._initiative(row_no, cells["number"])
        if year is None or initiative is None:
            return
        key = (year, initiative.number)
        if key in self.seen:
            self.error(
                row_no,
                "number",
                _("%(where)s: %(year)sの項番 %(number)d が%(first)d行目と重複しています。"),
                year=fiscal_year_label(year),
                number=initiative.number,
                first=self.seen[key],
            )
            return
        self.seen[key] = row_no
        before = len(self.errors)
        values = {name: self._value(row_no, name, cells.get(name)) for name in StatusEntry.EDITABLE_FIELDS}
        values[ACTUALS] = self._actuals(row_no, cells.get(ACTUALS), initiative)
        published_on = self._published_on(row_no, cells.get(PUBLISHED_ON), year)
        if len(self.errors) > before:
            return
        planned = self.planned.get((initiative.pk, year), "")
        indicators = self.indicators.get(initiative.pk, [])
        rate = scales.kpi_rate(indicators, year, values[ACTUALS])
        proposed = scales.fill_in(self.plan, values, planned, rate)
        self._check_complete(row_no, values, planned, proposed)
        if len(self.errors) == before:
            self.by_year.setdefault(year, []).append(
                PastRow(row_no, initiative, values, proposed, published_on)
            )

    def _year(self, row_no, value):
        try:
            year = parse_fiscal_year(value)
        except ValueError:
            year = None
        if year is None:
            self.error(
                row_no,
                YEAR,
                _("%(where)s: 年度「%(value)s」を読めません（2023、令和5年度 などと書いてください）。"),
                value=cell_text(value),
            )
            return None
        if year not in self.plan.fiscal_years:
            self.error(
                row_no,
                YEAR,
                _("%(where)s: %(year)sは%(plan)sの計画期間（%(period)s）にありません。"),
                year=fiscal_year_label(year),
                plan=self.plan.title,
                period=self.plan.period_label,
            )
            return None
        if year >= self.current_year:
            self.error(
                row_no,
                YEAR,
                _(
                    "%(where)s: %(year)sはまだ終わっていないため、過去の年度として取り込めません。この年度はこのシステムの調査で記録してください。"
                ),
                year=fiscal_year_label(year),
            )
            return None
        return year

    def _published_on(self, row_no, value, year):
        """公表日: after the year ended (its results are published once it is over), not after today."""
        try:
            day = parse_date(value)
        except ValueError:
            self.error(
                row_no,
                PUBLISHED_ON,
                _(
                    "%(where)s: 公表日「%(value)s」を日付として読めません（2023-08-01、令和5年8月1日 などと書いてください）。"
                ),
                value=cell_text(value),
            )
            return None
        if day is None:
            return None
        if day < datetime.date(year + 1, 4, 1):
            self.error(
                row_no,
                PUBLISHED_ON,
                _(
                    "%(where)s: 公表日 %(day)s は%(year)sが終わる前です。年度の結果は年度が終わってから公表します。"
                ),
                day=date_label(day),
                year=fiscal_year_label(year),
            )
        elif day > self.today:
            self.error(
                row_no,
                PUBLISHED_ON,
                _("%(where)s: 公表日 %(day)s は今日より後です。"),
                day=date_label(day),
            )
        return day

    def _initiative(self, row_no, value):
        number = positive_number(value)
        if number is None:
            self.error(
                row_no,
                "number",
                _("%(where)s: 項番「%(value)s」は数字ではありません。"),
                value=cell_text(value),
            )
            return None
        initiative = self.initiatives.get(number)
        if initiative is None:
            self.error(
                row_no,
                "number",
                _("%(where)s: 項番 %(number)d は%(plan)sにありません。"),
                number=number,
                plan=self.plan.title,
            )
        return initiative

    def _value(self, row_no, name, value):
        if name == ACTUALS:
            return {}
        if name in scales.RATED_FIELDS or name == "stage_reached":
            word = compact(value)
            allowed = (
                scales.words(self.plan, name) if name in scales.RATED_FIELDS else self.plan.reached_words
            )
            if word and word not in allowed:
                self.error(
                    row_no,
                    name,
                    _("%(where)s: 「%(value)s」は使えません。%(allowed)sのいずれかを選んでください。"),
                    value=cell_text(value),
                    allowed="".join(f"「{a}」" for a in allowed),
                )
            return word
        text = cell_value_text(QUOTED_FORMULA.sub("", value) if isinstance(value, str) else value)
        limit = StatusEntry._meta.get_field(name).max_length
        if limit and len(text) > limit:
            self.error(
                row_no,
                name,
                _("%(where)s: %(length)d文字あります。%(limit)d文字以内にしてください。"),
                length=len(text),
                limit=limit,
            )
        return text

    def _actuals(self, row_no, value, initiative):
        """「指標名: 実績値」 a line, of the initiative's indicators (initiatives.Indicator)."""
        text = cell_value_text(value)
        if not text:
            return {}
        by_name = {i.name: i for i in self.indicators.get(initiative.pk, [])}
        actuals = {}
        for line in filter(None, (s.strip() for s in text.split("\n"))):
            match = ACTUAL_LINE.match(line)
            name = match.group("name").removesuffix(LOWER_IS_BETTER_MARK).strip() if match else ""
            indicator = by_name.get(name)
            if indicator is None:
                known = "".join(f"「{n}」" for n in by_name) or _("（指標がありません）")
                self.error(
                    row_no,
                    ACTUALS,
                    _(
                        "%(where)s: 「%(value)s」は項番 %(number)d の指標の実績値として読めません。"
                        "1行に1つ「指標名: 実績値」と書いてください。この個別計画の指標: %(known)s"
                    ),
                    value=line,
                    number=initiative.number,
                    known=known,
                )
                continue
            errors = []
            number = read_number(match.group("value"), ACTUAL_FIELD, self.where(row_no, ACTUALS), errors)
            self.errors += [(row_no, e) for e in errors]
            if number is not None:
                actuals[indicator.key] = actual_text(number)
        return actuals

    def _check_complete(self, row_no, values, planned, proposed):
        """As a clerk's entry must be before it is confirmed: the required words and texts, and a reason where the
        progress word says otherwise than the roadmap."""
        for name in StatusEntry.REQUIRED_FOR_DONE:
            if not values[name]:
                column = name if name in self.cols else "number"
                self.error(row_no, column, _("%(where)s: %(field)sが空です。"), field=self.headers[name])
        differs = scales.contradiction(self.plan, planned, values["stage_reached"], values["progress"])
        if differs and "progress" not in proposed and not values["progress_reason"].strip():
            column = "progress_reason" if "progress_reason" in self.cols else "progress"
            self.error(
                row_no,
                column,
                _(
                    "%(where)s: %(progress)sは「%(given)s」ですが、実施状況「%(reached)s」は年次計画では「%(roadmap)s」にあたります（自己評価と年次計画の差）。理由を記入してください。"
                ),
                progress=self.headers["progress"],
                given=differs["given"],
                reached=values["stage_reached"],
                roadmap=differs["roadmap"],
            )

    def years(self):
        """Each year of the file, checked against the survey stored for it, if any."""
        cycles = (
            ReviewCycle.objects.filter(plan=self.plan, fiscal_year__in=self.by_year)
            .select_related("publication")
            .defer("publication__report", "publication__open_data")
        )
        stored = {c.fiscal_year: c for c in cycles}
        result = []
        for year, rows in sorted(self.by_year.items()):
            first = rows[0].row
            cycle = stored.get(year)
            published_on = self._one_published_on(year, rows)
            if cycle is not None and not cycle.imported:
                self.error(
                    first,
                    YEAR,
                    _(
                        "%(where)s: %(year)sの達成状況調査は、このシステムの調査としてすでにあります（状態: %(state)s）。"
                        "調査の結果は取込で上書きできません。ファイルからこの年度の行を除いてください。"
                    ),
                    year=fiscal_year_label(year),
                    state=cycle.get_state_display(),
                )
            elif cycle is not None:
                self._check_unchanged(cycle, rows)
                self._check_published_on_unchanged(cycle, rows, published_on)
            else:
                self._check_every_initiative(year, rows)
            result.append(PastYear(year, rows, imported=cycle, published_on=published_on))
        return result

    def _one_published_on(self, year, rows):
        """A year is published on one day: the rows that give 公表日 give the same one (others may leave it blank)."""
        dated = [r for r in rows if r.published_on]
        if not dated:
            return None
        first = dated[0]
        for row in dated[1:]:
            if row.published_on != first.published_on:
                self.error(
                    row.row,
                    PUBLISHED_ON,
                    _(
                        "%(where)s: %(year)sの公表日 %(day)s が%(first)d行目（%(first_day)s）と違います。"
                        "1つの年度の公表日は1つです。"
                    ),
                    year=fiscal_year_label(year),
                    day=date_label(row.published_on),
                    first=first.row,
                    first_day=date_label(first.published_on),
                )
        return first.published_on

    def _check_published_on_unchanged(self, cycle, rows, published_on):
        stored = published_day(cycle)
        if published_on is None or stored is None or published_on == stored:
            return
        row = next(r for r in rows if r.published_on)
        self.error(
            row.row,
            PUBLISHED_ON,
            _(
                "%(where)s: %(year)sは取り込んで公開済みで、公表日は %(stored)s です（ファイルでは %(day)s）。"
                "公開した年度は変えられません。取り込んだときの日付に戻すか、空欄にしてください。"
            ),
            year=fiscal_year_label(cycle.fiscal_year),
            stored=date_label(stored),
            day=date_label(published_on),
        )

    def _check_unchanged(self, cycle, rows):
        entries = {e.initiative_id: e for e in StatusEntry.objects.filter(cycle=cycle)}
        self.stored.update({(cycle.pk, initiative_id): e for initiative_id, e in entries.items()})
        for row in rows:
            entry = entries.get(row.initiative.pk)
            changes = changes_between(entry, StatusEntry(**row.values)) if entry else [None]
            if not changes:
                continue
            what = "、".join(f"{c.label}「{c.old}」→「{c.new}」" for c in changes if c) or _("行の追加")
            self.error(
                row.row,
                YEAR,
                _(
                    "%(where)s: %(year)sは取り込んで公開済みです。公開した年度の結果は変えられないため、"
                    "この行は取り込めません（%(changes)s）。取り込んだときの内容に戻すか、この年度の行をファイルから除いてください。"
                ),
                year=fiscal_year_label(cycle.fiscal_year),
                changes=what,
            )

    def _check_every_initiative(self, year, rows):
        """A year is published whole, as a survey of every initiative of the plan is."""
        # A row refused for another reason is there all the same.
        present = {number for seen_year, number in self.seen if seen_year == year}
        absent = [n for n in self.initiatives if n not in present]
        if absent:
            self.error(
                rows[0].row,
                "number",
                _(
                    "%(where)s: %(year)sの項番 %(numbers)s の行がありません。新しく取り込む年度には、"
                    "計画のすべての個別計画（%(count)d件）の行が必要です。"
                ),
                year=fiscal_year_label(year),
                numbers="、".join(map(str, absent)),
                count=len(self.initiatives),
            )


def publish_past_years(results, user, file_name):
    """Each new year of the file made a published survey, all years or none; the cycles made, oldest first.

    The publications' files are made after commit by the task worker. A year imported before is left as it is.
    """
    with transaction.atomic():
        published = [_publish_year(results.plan, year, user, file_name) for year in results.new_years]
        if published:
            ids = [p.pk for p in published]
            transaction.on_commit(lambda: _enqueue_files(ids))
    return [p.cycle for p in published]


def _enqueue_files(publication_ids):
    from reviews.tasks import store_published_files  # the tasks module imports the survey's steps

    store_published_files.enqueue(publication_ids)


def _publish_year(plan, year, user, file_name):
    # In the city's words whatever the screen's language, as the audit trail is: a record of what was done.
    note = f"過去の年度の結果の取込（{file_name}）"
    try:
        with transaction.atomic():
            cycle = ReviewCycle.objects.create(
                plan=plan, fiscal_year=year.fiscal_year, state=CycleState.PUBLISHED, imported=True
            )
    except IntegrityError:
        # Someone started the year's survey, or imported it, while this file was being previewed.
        raise PastResultsRefused(
            [
                (
                    year.rows[0].row,
                    _(
                        "%(year)sの調査は、確認の間にほかの人が作成しました。もう一度ファイルを選んでください。"
                    )
                    % {"year": year.label},
                )
            ]
        ) from None
    now = timezone.now()
    entries = [
        StatusEntry(
            cycle=cycle,
            initiative=row.initiative,
            state=EntryState.CONFIRMED,
            version=1,
            updated_by=user,
            updated_at=now,
            **row.values,
        )
        for row in sorted(year.rows, key=lambda r: r.initiative.number)
    ]
    entries = bulk_create_with_history(entries, StatusEntry, default_user=user, default_change_reason=note)
    if any(e.pk is None for e in entries):  # a database that does not return the new keys
        entries = list(StatusEntry.objects.filter(cycle=cycle))
    EntryEvent.objects.bulk_create(
        EntryEvent(
            entry=e,
            kind=EntryEvent.Kind.CONFIRM,
            from_state="",
            to_state=EntryState.CONFIRMED,
            version=1,
            comment=note,
            user=user,
        )
        for e in entries
    )
    CycleEvent.objects.create(
        cycle=cycle, from_state="", to_state=CycleState.PUBLISHED, user=user, reason=note
    )
    record(AuditKind.CYCLE_STEP, user=user, obj=cycle, detail=f"作成 → {cycle.state}（{note}）")
    # The snapshot as a normal publication freezes it; its files follow from the task worker.
    report = cycle_report(cycle)
    prepared = {"report": report, "open_data": publication.cycle_open_data(cycle, report), "files": {}}
    published = publication.freeze(cycle, user, prepared)
    dated = ""
    if year.published_on:
        # The day the city published it, at the start of that day where the city is; when it was imported is in
        # the history and the audit trail.
        published.published_at = timezone.make_aware(
            datetime.datetime.combine(year.published_on, datetime.time())
        )
        Publication.objects.filter(pk=published.pk).update(published_at=published.published_at)
        dated = f"、公表日 {date_label(year.published_on)}"
    evaluations.record_evaluations(cycle, user)
    record(AuditKind.PUBLICATION, user=user, obj=published, detail=f"{cycle}（{note}{dated}）")
    pages.changed(pages.SURVEY)  # bulk writes send no signal
    return published


def published_day(cycle):
    """The day the cycle's results were published, where the city is; None for a cycle not (yet) published."""
    if cycle.pk is None:
        return None
    try:
        published_at = cycle.publication.published_at
    except Publication.DoesNotExist:
        return None
    return timezone.localdate(published_at)


def entry_row(entry, indicators=None, published_on=None):
    """An entry as the file's row holds it ({column name: value}), for writing a file the import reads back.
    indicators: the initiative's, in order (else read from it); published_on: the year's 公表日 (else the day
    its cycle was published, if it was)."""
    indicators = entry.initiative.indicators.all() if indicators is None else indicators
    actuals = entry.kpi_actuals or {}
    published_on = published_on or published_day(entry.cycle)
    return {
        PLAN: entry.cycle.plan.ordinal,
        YEAR: fiscal_year_label(entry.cycle.fiscal_year),
        "number": entry.initiative.number,
        NAME: entry.initiative.name,
        **{name: getattr(entry, name) for name in StatusEntry.EDITABLE_FIELDS if name != ACTUALS},
        ACTUALS: "\n".join(f"{i.name}: {actuals[i.key]}" for i in indicators if i.key in actuals),
        PUBLISHED_ON: published_on.isoformat() if published_on else "",
    }

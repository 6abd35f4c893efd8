"""The plan spreadsheet: the plan document's own table as an .xlsx workbook, read and written.

Two table layouts are read, told apart by their headers, in the application's export and in a workbook
someone typed up from the document:
- the roadmap layout of the fifth plan (第3章 2): 項番, 個別計画名, 計画内容, 年次計画 merged over one column
  per fiscal year, then the columns the plan defines (plan.models.PlanColumn);
- the evaluation layout of the fourth plan (第2章 4 (2)): 項番, 項目, 内容, 取組目標, 令和N年度までの取組内容,
  達成状況, 今後の方向性.
Columns the application adds (目標, 担当課, 継続元) are read where present. A title above the table, notes
below it, header rows repeated on every printed page and full-width digits are all allowed.

A line break typed inside a cell of a table typed up from the document is the printed table's wrapping and is
dropped (workbooks.cell_text). In the application's own export, which says so in a property of the workbook
that Excel and LibreOffice keep when they save it, a line break is the text's own (a department's 取組内容
has its paragraphs) and is kept (workbooks.own_text): exporting and importing back changes nothing.
"""

import re
import unicodedata
from decimal import Decimal

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from initiatives.importing import InitiativeRow, PlanImportError
from initiatives.models import (
    Department,
    Evaluation,
    ImportProfile,
    Indicator,
    Initiative,
)
from plan.eras import fiscal_year_label, parse_fiscal_year, wareki
from plan.models import MARK, ColumnKind, Plan
from workbooks import (
    CANNOT_OPEN,
    CENTER,
    HEADER_FILL,
    WRAP,
    UnreadableWorkbook,
    cell_text,
    compact,
    open_workbook,
    own_text,
    positive_number,
    print_a4_landscape,
    set_text,
    workbook_bytes,
    write_cell,
)

NEW_MARK = "《新規》"
NEW_MARKS = re.compile(r"^\s*(?:《新規》|≪新規≫|<<新規>>|【新規】)\s*")
CONTINUE_MARKS = {"⇒", "→", "⇨", "➡", "⟹"}
FLAG_MARK = MARK
COLUMN = "column:"  # Layout.columns holds a plan-defined column under COLUMN + its key
HEADER_SEARCH_ROWS = 30
# The custom document property that marks the application's own export (see the module's docstring).
EXPORT_PROPERTY = "計画表の書き出し"


# --- Headers --------------------------------------------------------------------------------------------

HEADERS = [
    # (field, test on the compacted header text)
    ("number", lambda h: h == "項番"),
    ("name", lambda h: h in ("個別計画名", "項目", "計画名", "施策名")),
    ("description", lambda h: h in ("計画内容", "内容")),
    ("roadmap", lambda h: h == "年次計画"),
    ("target_stage", lambda h: h == "取組目標"),
    ("actions", lambda h: "取組内容" in h),
    ("achievement", lambda h: h == "達成状況"),
    ("direction", lambda h: h == "今後の方向性"),
    ("goals", lambda h: h == "目標"),
    ("department", lambda h: h == "担当課"),
    ("carried_from", lambda h: h.startswith("継続元")),
    # The indicator columns as write_plan_workbook writes them; 目標値 with a year is read in _resolve.
    ("kpi:name", lambda h: h == compact("指標（KPI）")),
    ("kpi:unit", lambda h: h == "指標の単位"),
    ("kpi:baseline", lambda h: h == "基準値"),
    ("kpi:baseline_year", lambda h: h == "基準年度"),
]


# What a source column may hold, for the administrator's mapping of a layout the reader does not know.
FIELD_TARGETS = {
    "number": gettext_lazy("項番"),
    "name": gettext_lazy("個別計画名（項目）"),
    "description": gettext_lazy("計画内容（内容）"),
    "target_stage": gettext_lazy("取組目標"),
    "actions": gettext_lazy("取組内容"),
    "achievement": gettext_lazy("達成状況"),
    "direction": gettext_lazy("今後の方向性"),
    "goals": gettext_lazy("目標"),
    "department": gettext_lazy("担当課"),
    "carried_from": gettext_lazy("継続元"),
}
IGNORE = "ignore"
YEAR = "year:"
# The initiative's indicator (KPI) as a plan table prints it, one per row: its name, unit, baseline, and a
# target per fiscal year (KPI_TARGET + year). The actuals come with the yearly survey, not with the plan.
KPI = "kpi:"
KPI_FIELDS = {
    "kpi:name": gettext_lazy("指標（KPI）の名前"),
    "kpi:unit": gettext_lazy("指標の単位"),
    "kpi:baseline": gettext_lazy("指標の基準値（策定時）"),
    "kpi:baseline_year": gettext_lazy("指標の基準年度"),
}
KPI_TARGET = "kpi:target:"


class UnknownHeaders(PlanImportError):
    """The sheet has headers the reader cannot place: the administrator says what each holds (ImportProfile).

    columns: the header row's columns, each {"index", "letter", "header", "below", "sample", "proposed"}.
    """

    def __init__(self, messages, header_row, columns):
        super().__init__(messages)
        self.header_row = header_row
        self.columns = columns


def target_choices(plan):
    """(value, label) of everything a source column may be mapped to, for the mapping form."""
    choices = [(IGNORE, _("読まない"))]
    choices += [(field, str(label)) for field, label in FIELD_TARGETS.items()]
    choices += [(COLUMN + c.key, c.header) for c in plan.columns.all()]
    choices += [
        (f"{YEAR}{y}", _("年次計画 %(year)s") % {"year": fiscal_year_label(y)}) for y in plan.fiscal_years
    ]
    choices += [(field, str(label)) for field, label in KPI_FIELDS.items()]
    choices += [
        (f"{KPI_TARGET}{y}", _("指標の目標値 %(year)s") % {"year": fiscal_year_label(y)})
        for y in plan.fiscal_years
    ]
    return choices


def profile_mapping(plan):
    profile = ImportProfile.objects.filter(plan=plan).first()
    return profile.mapping if profile else {}


def _resolve(text, value, plan, mapping):
    """What a header holds: a field, COLUMN + key, YEAR + year, IGNORE, or None if nothing says."""
    target = mapping.get(text)
    if target:
        return target
    field = next((COLUMN + c.key for c in plan.columns.all() if compact(c.header) == text), None)
    field = field or next((f for f, test in HEADERS if test(text)), None)
    if field:
        return field
    year = _header_year(value)
    if year and text.startswith("目標値"):
        return f"{KPI_TARGET}{year}"
    return f"{YEAR}{year}" if year else None


# Headers other cities' tables use, proposed on the mapping page only: the reader itself never guesses.
GUESSES = [
    ("number", lambda h: h.upper().rstrip(".") in ("NO", "番号", "通番", "#")),
    ("kpi:name", lambda h: h.startswith(("指標", "活動指標", "成果指標")) or h.upper().startswith("KPI")),
    ("kpi:unit", lambda h: h == "単位"),
    ("kpi:baseline", lambda h: h.startswith(("基準値", "策定時"))),
    (IGNORE, lambda h: h.startswith(("現状値", "実績値", "前年度"))),  # actuals come with the survey
    ("name", lambda h: h.endswith("名") and not h.endswith("課名")),
    ("description", lambda h: "概要" in h or h.endswith("内容")),
    ("department", lambda h: "担当" in h or "所管" in h),
]
REIWA_SHORT = re.compile(r"^R(\d{1,2})(年度)?$")
REIWA_INSIDE = re.compile(r"R(\d{1,2})(?!\d)")


def _guess(text, value, plan):
    if match := REIWA_SHORT.match(unicodedata.normalize("NFKC", text).upper()):
        return f"{YEAR}{2018 + int(match.group(1))}"
    if text.startswith("目標値") and plan.fiscal_years:
        # 目標値（令和8年度）: that year's target; a 目標値 without a year is the plan's last year's.
        year = _year_in_header(value) or plan.last_fiscal_year
        if year in plan.fiscal_years:
            return f"{KPI_TARGET}{year}"
    return next((field for field, test in GUESSES if test(text)), IGNORE)


def _unknown_headers(rows, index, plan, mapping, messages):
    header = rows[index]
    below = rows[index + 1] if index + 1 < len(rows) else ()
    sample_row = rows[index + 2] if index + 2 < len(rows) else ()
    columns = []
    for col, value in enumerate(header):
        if not compact(value):
            continue
        columns.append(
            {
                "index": col,
                "letter": get_column_letter(col + 1),
                "header": cell_text(value),
                "key": compact(value),
                "below": cell_text(below[col]) if col < len(below) else "",
                "sample": cell_text(sample_row[col])[:40] if col < len(sample_row) else "",
                "proposed": _resolve(compact(value), value, plan, mapping)
                or _guess(compact(value), value, plan),
            }
        )
    return UnknownHeaders(messages, index + 1, columns)


class Layout:
    """Where each field sits in a worksheet, read from its header rows."""

    def __init__(self, header_row, columns, years, data_start, headers, evaluation_year, baseline_year=None):
        self.text = cell_text  # how a free text is read: own_text in the application's own export
        self.baseline_year = baseline_year  # 策定時（令和3年度）: the year of the indicator's baseline
        self.header_row = header_row
        self.columns = columns  # field -> column index (0-based)
        self.years = years  # column index -> fiscal year
        self.data_start = data_start  # 1-based row number of the first data row
        self.headers = headers  # column index -> header text, for messages
        self.evaluation_year = evaluation_year

    def where(self, row, column):
        label = self.headers.get(column, "")
        return _("%(row)d行目 %(col)s列（%(header)s）") % {
            "row": row,
            "col": get_column_letter(column + 1),
            "header": label,
        }


def find_layout(rows, plan):
    mapping = profile_mapping(plan)
    for index, values in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(compact(v) == "項番" or mapping.get(compact(v)) == "number" for v in values):
            return _read_header(rows, index, plan, mapping)
    message = _("表の見出し行が見つかりません。先頭%(n)d行のどこかに「項番」の見出しが必要です。") % {
        "n": HEADER_SEARCH_ROWS
    }
    hint = _("管理画面の取込で、どの列が何を表すかを選んで保存すると、この形の表を読み込めます。")
    # The first row of three or more headers may be the header row of a layout nobody has mapped yet.
    candidate = next(
        (
            i
            for i, values in enumerate(rows[:HEADER_SEARCH_ROWS])
            if sum(1 for v in values if compact(v)) >= 3
        ),
        None,
    )
    if candidate is None:
        raise UnreadableWorkbook(message)
    raise _unknown_headers(rows, candidate, plan, mapping, [message, hint])


def _read_header(rows, index, plan, mapping):
    header = rows[index]
    below = rows[index + 1] if index + 1 < len(rows) else ()
    columns, years, headers = {}, {}, {}
    evaluation_year = baseline_year = None
    errors, unknown = [], []
    for col, value in enumerate(header):
        text = compact(value)
        if not text:
            continue
        headers[col] = cell_text(value)
        field = _resolve(text, value, plan, mapping)
        if field == IGNORE:
            continue
        if field is None:
            unknown.append(
                _("%(row)d行目 %(col)s列: 見出し「%(header)s」を何として読むか決まっていません。")
                % {"row": index + 1, "col": get_column_letter(col + 1), "header": headers[col]}
            )
            continue
        if field.startswith(YEAR):
            years[col] = int(field.removeprefix(YEAR))
            continue
        if field in columns and field != "roadmap":
            errors.append(
                _("%(row)d行目: 見出し「%(header)s」が2つあります（%(a)s列と%(b)s列）。")
                % {
                    "row": index + 1,
                    "header": headers[col],
                    "a": get_column_letter(columns[field] + 1),
                    "b": get_column_letter(col + 1),
                }
            )
        columns[field] = col
        if field == "actions":
            # 令和3年度までの取組内容: the evaluation belongs to that fiscal year.
            evaluation_year = _header_year(value)
        if field == "kpi:baseline":
            baseline_year = _year_in_header(value)
    data_start = index + 2
    # A two-row header: 年次計画 merged above one cell per fiscal year.
    if (
        positive_number(
            below[columns["number"]] if "number" in columns and columns["number"] < len(below) else None
        )
        is None
    ):
        below_years = {col: y for col, v in enumerate(below) if (y := _header_year(v))}
        if below_years:
            years.update(below_years)
            headers.update({col: fiscal_year_label(year) for col, year in below_years.items()})
            data_start = index + 3
    for field, label in (("number", "項番"), ("name", "個別計画名（または項目）")):
        if field not in columns:
            errors.append(
                _("%(row)d行目: 見出し「%(label)s」の列がありません。") % {"row": index + 1, "label": label}
            )
    if sorted(years.values()) != sorted(set(years.values())):
        errors.append(_("%(row)d行目: 年次計画に同じ年度の列が2つあります。") % {"row": index + 1})
    if unknown and not errors:
        hint = _("管理画面の取込で、どの列が何を表すかを選んで保存すると、この形の表を読み込めます。")
        raise _unknown_headers(rows, index, plan, mapping, [*unknown, hint])
    if errors:
        raise PlanImportError(errors)
    if "actions" in columns and evaluation_year is None:
        evaluation_year = plan.last_fiscal_year
    if any(f.startswith(KPI) for f in columns) and "kpi:name" not in columns:
        errors.append(
            _("%(row)d行目: 指標の単位・基準値・目標値を読むには、指標（KPI）の名前の列も必要です。")
            % {"row": index + 1}
        )
        raise PlanImportError(errors)
    return Layout(
        index + 1, columns, dict(sorted(years.items())), data_start, headers, evaluation_year, baseline_year
    )


def _year_in_header(value):
    """The fiscal year a header names, in full (令和7年度) or short (策定時（R7）); None if it names none."""
    if year := _header_year(value):
        return year
    short = REIWA_INSIDE.search(unicodedata.normalize("NFKC", cell_text(value)).upper())
    return 2018 + int(short.group(1)) if short else None


def _header_year(value):
    try:
        return parse_fiscal_year(value)
    except ValueError:
        return None


# --- Rows -----------------------------------------------------------------------------------------------

TEXT_FIELDS = ("name", "description", "actions", "department")
TEXT_KINDS = (ColumnKind.TEXT, ColumnKind.REFERENCE)
LENGTH_LIMITS = {
    "name": Initiative._meta.get_field("name").max_length,
    "description": Initiative._meta.get_field("description").max_length,
    "department": Department._meta.get_field("name").max_length,
}
ACTIONS_LIMIT = Evaluation._meta.get_field("actions").max_length


def read_plan_workbook(data, plan):
    """Read an uploaded workbook into InitiativeRows, or raise PlanImportError listing every bad cell."""
    workbook = open_workbook(data)
    try:
        own_export = any(p.name == EXPORT_PROPERTY for p in workbook.custom_doc_props)
        sheet = _plan_sheet(workbook)
        rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    except Exception:  # read-only mode parses the sheet only here; a broken sheet is a broken file.
        raise UnreadableWorkbook(CANNOT_OPEN) from None
    finally:
        workbook.close()
    # The plan's columns and their choice lists, read once: every header, row and cell below consults them.
    prefetch_related_objects([plan], "columns__choices", "goals")
    layout = find_layout(rows, plan)
    if own_export:
        layout.text = own_text
    _check_title(rows[: layout.header_row - 1], plan)
    return _read_rows(rows, layout, plan)


def _check_title(rows_above, plan):
    """A workbook whose title names another plan is refused before anything is compared."""
    titles = sorted(Plan.objects.values_list("title", flat=True), key=len, reverse=True)
    for row_no, values in enumerate(rows_above, start=1):
        for value in values:
            text = cell_text(value)
            named = next((t for t in titles if t in text), None)
            if named and named != plan.title:
                raise UnreadableWorkbook(
                    _(
                        "%(row)d行目の表題は「%(named)s」です。取り込む計画（%(plan)s）と違います。計画の選択を確認してください。"
                    )
                    % {"row": row_no, "named": named, "plan": plan.title}
                )


def _plan_sheet(workbook):
    for sheet in workbook.worksheets:
        for values in sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True):
            if any(compact(v) == "項番" for v in values):
                return sheet
    return workbook.worksheets[0]


def _is_text(field, plan):
    """A field whose rest may wrap onto the next printed row: the fixed texts and the text columns."""
    if field.startswith(COLUMN):
        return _column(field, plan).kind in TEXT_KINDS
    return field in (*TEXT_FIELDS, "kpi:name", "kpi:unit")


def _column(field, plan):
    return next(c for c in plan.columns.all() if COLUMN + c.key == field)


def _read_rows(rows, layout, plan):
    errors, raw_rows = [], []  # raw_rows: [row number, 項番, {field: value}, {year column: value}]
    number_col = layout.columns["number"]
    table_ended = False
    width = max(layout.headers) + 1
    for row_no, values in enumerate(rows[layout.data_start - 1 :], start=layout.data_start):
        values = list(values) + [None] * (width - len(values))
        number_cell = values[number_col]
        number = positive_number(number_cell)
        fields = {f: values[c] for f, c in layout.columns.items() if f not in ("number", "roadmap")}
        marks = {c: values[c] for c in layout.years}
        if all(compact(v) == "" for v in values):
            table_ended = table_ended or bool(raw_rows)  # a blank line after the table: notes follow
        elif compact(number_cell) == "項番" or _is_year_header(values, layout):
            pass  # the header again, as printed on every page
        elif table_ended or (number is None and _is_note(values)):
            table_ended = True
            if number is not None:
                errors.append(
                    _(
                        "%(row)d行目: 表のあとに項番 %(number)d の行があります。表の途中に空行を入れないでください。"
                    )
                    % {"row": row_no, "number": number}
                )
        elif number is None and compact(number_cell):
            errors.append(
                _("%(where)s: 項番「%(value)s」は数字ではありません。")
                % {"where": layout.where(row_no, number_col), "value": cell_text(number_cell)}
            )
        elif number is None and raw_rows and _is_continuation(fields, marks, plan):
            # A cell that wrapped across a printed page: its rest stands on a row without 項番.
            previous = raw_rows[-1][2]
            for name, value in fields.items():
                if _is_text(name, plan) and compact(value):
                    previous[name] = cell_text(previous[name]) + cell_text(value)
        elif number is None:
            errors.append(_("%(where)s: 項番が空です。") % {"where": layout.where(row_no, number_col)})
        else:
            raw_rows.append([row_no, number, fields, marks])

    result, seen = [], {}
    for row_no, number, fields, marks in raw_rows:
        if number in seen:
            errors.append(
                _("%(where)s: 項番 %(number)d が%(first)d行目と重複しています。")
                % {"where": layout.where(row_no, number_col), "number": number, "first": seen[number]}
            )
            continue
        seen[number] = row_no
        row, row_errors = _read_row(row_no, number, fields, marks, layout, plan)
        errors += row_errors
        result.append(row)
    if not raw_rows and not errors:
        errors.append(_("表に個別計画の行がありません（%(row)d行目以降）。") % {"row": layout.data_start})
    if errors:
        raise PlanImportError(errors)
    return result


def _is_year_header(values, layout):
    return bool(layout.years) and all(_header_year(values[c]) == y for c, y in layout.years.items())


def _is_note(values):
    text = "".join(cell_text(v) for v in values if v is not None)
    return text.startswith(("※", "注", "*", "＊")) or "…" in text


def _is_continuation(fields, marks, plan):
    if any(compact(v) for v in marks.values()):
        return False
    return all(not compact(v) for name, v in fields.items() if not _is_text(name, plan))


def _read_row(row_no, number, fields, marks, layout, plan):
    errors = []
    where = _("%(row)d行目") % {"row": row_no}
    row = InitiativeRow(number=number, where=where)

    def cell_where(field):
        return layout.where(row_no, layout.columns[field])

    def words(field, allowed, label):
        value = compact(fields[field])
        if value and value not in allowed:
            errors.append(
                _(
                    "%(where)s: 「%(value)s」は%(label)sとして使えません。%(allowed)sのいずれかを入力してください。"
                )
                % {
                    "where": cell_where(field),
                    "value": cell_text(fields[field]),
                    "label": label,
                    "allowed": "、".join(f"「{a}」" for a in allowed),
                }
            )
            return None
        return value

    name = cell_text(fields["name"])
    match = NEW_MARKS.match(name)
    row.is_new = bool(match)
    row.name = name[match.end() :] if match else name
    if not row.name:
        errors.append(_("%(where)s: 個別計画名が空です。") % {"where": cell_where("name")})
    if "description" in fields:
        row.description = layout.text(fields["description"])
    if "target_stage" in fields:
        row.target_stage = words("target_stage", plan.stage_words, _("取組目標")) or ""
    row.values = _column_values(fields, plan, cell_where, errors, layout.text)
    row.indicator = _indicator(fields, layout, cell_where, errors)
    if layout.years:
        row.roadmap = _roadmap(marks, layout, row_no, errors, plan)
    evaluation_fields = [f for f in ("actions", "achievement", "direction") if f in fields]
    if layout.evaluation_year and evaluation_fields:
        row.evaluations = []
        if any(compact(fields[f]) for f in evaluation_fields):
            # In the words of the plan's rating scales (plan.RatingScale).
            achievement, direction = (
                words(field, *_scale(plan, field)) if field in fields else ""
                for field in ("achievement", "direction")
            )
            for field in ("achievement", "direction"):
                if field not in fields or not compact(fields[field]):
                    errors.append(
                        _("%(where)s: 空欄です。") % {"where": _missing_where(field, row_no, layout)}
                    )
            if achievement and direction:
                evaluation = {"fiscal_year": layout.evaluation_year, "achievement": achievement}
                evaluation |= {"direction": direction, "actions": layout.text(fields.get("actions"))}
                row.evaluations.append(evaluation)
    if "department" in fields:
        row.department = cell_text(fields["department"])
    texts = {field: (getattr(row, field), limit) for field, limit in LENGTH_LIMITS.items()}
    texts["actions"] = (row.evaluations[-1]["actions"] if row.evaluations else None, ACTIONS_LIMIT)
    for column in plan.columns.all():
        if column.kind in TEXT_KINDS and column.key in (row.values or {}):
            texts[COLUMN + column.key] = (row.values[column.key], column.max_length)
    for field, (value, limit) in texts.items():
        if value and len(value) > limit:
            errors.append(
                _("%(where)s: %(length)d文字あります。%(limit)d文字以内にしてください。")
                % {"where": cell_where(field), "length": len(value), "limit": limit}
            )
    if "goals" in fields:
        row.goals = _goal_codes(fields["goals"], plan, cell_where("goals"), errors)
    if "carried_from" in fields:
        row.carried_from = _carried_from(fields["carried_from"], plan, cell_where("carried_from"), errors)
    return row, errors


def _column_values(fields, plan, cell_where, errors, text=cell_text):
    """{key: value} of the plan's own columns that the sheet has, read by each column's kind."""
    present = [c for c in plan.columns.all() if COLUMN + c.key in fields]
    if not present:
        return None
    values = {}
    for column in present:
        raw = fields[COLUMN + column.key]
        where = cell_where(COLUMN + column.key)
        if column.kind == ColumnKind.MARK:
            values[column.key] = _flag(raw, where, errors)
        elif column.kind in (ColumnKind.CHOICE, ColumnKind.MULTI_CHOICE):
            values[column.key] = _choices(raw, column, where, errors)
        elif column.kind == ColumnKind.NUMBER:
            values[column.key] = _number(raw, where, errors)
        else:
            values[column.key] = text(raw)
    # The PDF once put two marks in one cell and left the next mark column empty: read as both marked.
    marks = [c for c in present if c.kind == ColumnKind.MARK]
    for column, following in zip(marks, marks[1:], strict=False):
        doubled = compact(fields[COLUMN + column.key]) == FLAG_MARK * 2
        if (
            doubled
            and following.position == column.position + 1
            and not compact(fields[COLUMN + following.key])
        ):
            values[following.key] = True
    return values


def _choices(value, column, where, errors):
    allowed = [c.word for c in column.choices.all()]
    words = [w for w in re.split(r"[,、，/\n]+", cell_text(value)) if w.strip()]
    words = [unicodedata.normalize("NFKC", w).strip() for w in words]
    known = {unicodedata.normalize("NFKC", a): a for a in allowed}
    unknown = [w for w in words if w not in known]
    if unknown or (column.kind == ColumnKind.CHOICE and len(words) > 1):
        errors.append(
            _("%(where)s: 「%(value)s」は%(label)sとして使えません。%(allowed)sから選んでください。")
            % {
                "where": where,
                "value": "、".join(unknown) or cell_text(value),
                "label": column.header,
                "allowed": "、".join(f"「{a}」" for a in allowed),
            }
        )
        return None
    chosen = [known[w] for w in words]
    if column.kind == ColumnKind.CHOICE:
        return chosen[0] if chosen else ""
    return [a for a in allowed if a in chosen]


def _number(value, where, errors):
    text = unicodedata.normalize("NFKC", cell_text(value)).replace(",", "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        errors.append(
            _("%(where)s: 「%(value)s」は数値ではありません。") % {"where": where, "value": cell_text(value)}
        )
        return None
    return int(number) if number.is_integer() else number


def _indicator(fields, layout, cell_where, errors):
    """The row's indicator as the table prints it, or None where the table has no indicator columns or the
    row names none."""
    if "kpi:name" not in fields:
        return None
    name = cell_text(fields["kpi:name"])
    if not name:
        return {}  # the table says this initiative has no indicator
    indicator = {"name": name, "unit": cell_text(fields.get("kpi:unit")), "targets": {}}
    if "kpi:baseline" in fields:
        indicator["baseline"] = _decimal(fields["kpi:baseline"], cell_where("kpi:baseline"), errors)
        indicator["baseline_year"] = layout.baseline_year
    if "kpi:baseline_year" in fields:
        indicator["baseline_year"] = _baseline_year(
            fields["kpi:baseline_year"], cell_where("kpi:baseline_year"), errors
        )
    for field, value in fields.items():
        if field.startswith(KPI_TARGET):
            target = _decimal(value, cell_where(field), errors)
            if target is not None:
                indicator["targets"][int(field.removeprefix(KPI_TARGET))] = target
    if len(indicator["name"]) > Indicator._meta.get_field("name").max_length:
        errors.append(
            _("%(where)s: 指標の名前が長すぎます（%(limit)d文字まで）。")
            % {"where": cell_where("kpi:name"), "limit": Indicator._meta.get_field("name").max_length}
        )
    return indicator


def _baseline_year(value, where, errors):
    """基準年度 in a cell: 令和7年度, R7, 2025 or empty."""
    if not compact(value):
        return None
    if isinstance(value, int | float) and 1900 < value < 2200:
        return int(value)
    year = _year_in_header(value)
    if year is None:
        errors.append(
            _("%(where)s: 「%(value)s」は年度として読めません（例: 令和7年度）。")
            % {"where": where, "value": cell_text(value)}
        )
    return year


def _decimal(value, where, errors):
    """A baseline or target: full-width digits and thousands commas read; two decimal places at most."""
    number = _number(value, where, errors)
    if number is None:
        return None
    number = Decimal(str(number))
    if -number.as_tuple().exponent > 2 or abs(number) >= 10**12:
        errors.append(
            _("%(where)s: %(value)s は指標の値として使えません（整数12桁・小数2桁まで）。")
            % {"where": where, "value": cell_text(value)}
        )
        return None
    return number.quantize(Decimal("0.01"))


def _scale(plan, role):
    """(words, name) of the plan's rating scale for a role; no words if the plan has no such scale."""
    scale = plan.scale(role)
    return (scale.values, scale.name) if scale else ([], role)


def _missing_where(field, row_no, layout):
    if field in layout.columns:
        return layout.where(row_no, layout.columns[field])
    label = {"achievement": "達成状況", "direction": "今後の方向性"}[field]
    return _("%(row)d行目（%(header)s の列がありません）") % {"row": row_no, "header": label}


def _flag(value, where, errors):
    text = compact(value)
    if text == "":
        return False
    if set(text) == {FLAG_MARK}:
        return True
    errors.append(
        _(
            "%(where)s: 「%(value)s」は記号として使えません。該当する場合は「●」、しない場合は空欄にしてください。"
        )
        % {"where": where, "value": cell_text(value)}
    )
    return None


def _roadmap(marks, layout, row_no, errors, plan):
    """The row's roadmap cells in the plan's stage words; ⇒ (or the plan's own mark) continues the year before."""
    stages, mark = plan.stage_words, plan.continuation_mark
    cells, previous = {}, None
    for col, year in layout.years.items():
        text = compact(marks[col])
        where = layout.where(row_no, col)
        if text == "":
            cells[year], previous = None, None
        elif not stages:
            errors.append(
                _(
                    "%(where)s: この計画には年次計画の段階が定められていません。管理画面の計画の「年次計画の段階」で定めてください。"
                )
                % {"where": where}
            )
            cells[year] = None
        elif text in stages:
            cells[year], previous = (text, False), text
        elif text in CONTINUE_MARKS or text == mark:
            if previous is None:
                errors.append(
                    _(
                        "%(where)s: 「%(mark)s」は前年度の段階を引き継ぐ記号ですが、前年度に段階（%(stages)s）がありません。"
                    )
                    % {"where": where, "mark": mark, "stages": "".join(f"「{s}」" for s in stages)}
                )
            cells[year] = (previous, True) if previous else None
        else:
            errors.append(
                _(
                    "%(where)s: 「%(value)s」は年次計画の記号として使えません。%(allowed)sのいずれかか空欄にしてください。"
                )
                % {
                    "where": where,
                    "value": cell_text(marks[col]),
                    "allowed": "".join(f"「{s}」" for s in [*stages, mark]),
                }
            )
            cells[year], previous = None, None
    return cells


def _goal_codes(value, plan, where, errors):
    codes = []
    known = {g.code for g in plan.goals.all()}
    # NFKC turns the Roman numerals Ⅰ Ⅱ Ⅲ into I II III.
    for token in re.split(r"[,、，・/\s]+", unicodedata.normalize("NFKC", cell_text(value))):
        token = token.strip("()（）")
        if not token:
            continue
        if token not in known:
            errors.append(
                _("%(where)s: 目標「%(value)s」はこの計画にありません（%(known)s）。")
                % {"where": where, "value": token, "known": "、".join(sorted(known)) or "なし"}
            )
        elif token not in codes:
            codes.append(token)
    return codes


def _carried_from(value, plan, where, errors):
    keys = []
    for token in re.split(r"[,、，/\s]+", unicodedata.normalize("NFKC", cell_text(value))):
        if not token:
            continue
        match = re.fullmatch(r"(?:第?(\d+)次?[-ー−の])?(\d+)", token)
        if not match or (match.group(1) is None and plan.predecessor is None):
            errors.append(
                _(
                    "%(where)s: 継続元「%(value)s」が読めません。前計画の項番を「16」または「4-16」の形で入力してください。"
                )
                % {"where": where, "value": token}
            )
            continue
        ordinal = int(match.group(1)) if match.group(1) else plan.predecessor.ordinal
        keys.append((ordinal, int(match.group(2))))
    return keys


# --- Writing --------------------------------------------------------------------------------------------


def plan_columns(plan, initiatives):
    """The columns of the plan's own table, then the application's: (header, width, value-of-initiative)."""
    has_roadmap = any(i.roadmap.all() for i in initiatives)
    has_target = any(i.target_stage for i in initiatives)
    # The table prints the final evaluation only: a deliberated earlier year is no reason for its columns.
    has_evaluation = any(
        e.fiscal_year == plan.last_fiscal_year for i in initiatives for e in i.evaluations.all()
    )
    name_header, text_header = (
        ("個別計画名", "計画内容") if has_roadmap or not has_target else ("項目", "内容")
    )
    columns = [
        ("項番", 6, lambda i: i.number),
        (name_header, 28, lambda i: (NEW_MARK if i.is_new else "") + i.name),
        (text_header, 48, lambda i: i.description),
    ]
    if has_target:
        columns.append(("取組目標", 9, lambda i: i.target_stage))
    if has_evaluation and plan.last_fiscal_year:
        year = plan.last_fiscal_year

        def evaluation(i, name):
            found = [e for e in i.evaluations.all() if e.fiscal_year == year]
            return getattr(found[0], name) if found else ""

        columns += [
            (f"{wareki(year)}までの取組内容", 60, lambda i: evaluation(i, "actions")),
            ("達成状況", 10, lambda i: evaluation(i, "achievement")),
            ("今後の方向性", 11, lambda i: evaluation(i, "direction")),
        ]
    for column in plan.table_columns:
        columns.append((column.header, column.width, lambda i, c=column: c.display(c.value_of(i))))
    columns += [
        ("目標", 9, lambda i: "、".join(g.numeral for g in i.goals.all())),
        ("担当課", 16, lambda i: i.department.name if i.department_id else ""),
    ]
    if plan.predecessor_id:
        columns.append(
            (
                f"継続元（{plan.predecessor.title}の項番）",
                14,
                lambda i: "、".join(
                    str(p.number) if p.plan_id == plan.predecessor_id else f"{p.plan.ordinal}-{p.number}"
                    for p in i.carried_from.all()
                ),
            )
        )
    if any(i.indicators.all() for i in initiatives):
        columns += _indicator_columns(plan)
    return columns, has_roadmap


def _indicator_columns(plan):
    """The first indicator of each initiative with its baseline and a target per fiscal year, under the headers
    the reader knows (KPI_HEADERS); an initiative's further indicators are the admin's."""

    def first(i):
        return next(iter(i.indicators.all()), None)

    def value(i, name):
        indicator = first(i)
        value = getattr(indicator, name) if indicator else None
        return "" if value is None else value

    def target(i, year):
        indicator = first(i)
        return indicator.target_for(year) if indicator else None

    columns = [
        ("指標（KPI）", 24, lambda i: value(i, "name")),
        ("指標の単位", 8, lambda i: value(i, "unit")),
        ("基準値", 10, lambda i: value(i, "baseline")),
        (
            "基準年度",
            10,
            lambda i: fiscal_year_label(value(i, "baseline_year")) if value(i, "baseline_year") else "",
        ),
    ]
    columns += [
        (f"目標値 {fiscal_year_label(y)}", 12, lambda i, y=y: target(i, y)) for y in plan.fiscal_years
    ]
    return columns


def write_plan_workbook(plan, initiatives):
    """The plan table as the document prints it, with the application's columns to its right."""
    initiatives = list(initiatives)
    columns, has_roadmap = plan_columns(plan, initiatives)
    years = plan.fiscal_years if has_roadmap else []
    workbook = Workbook()
    workbook.custom_doc_props.append(StringProperty(name=EXPORT_PROPERTY, value=plan.title))
    sheet = workbook.active
    # The workbook is the document's table, so its own words stay Japanese whatever the screen language.
    sheet.title = "個別計画"
    # Layout: the fixed columns up to 計画内容, then the years, then the rest.
    split = 3
    headers = (
        [(h, w) for h, w, _f in columns[:split]]
        + [(None, 10)] * len(years)
        + [(h, w) for h, w, _f in columns[split:]]
    )
    last_col = len(headers)
    title = sheet.cell(row=1, column=1, value=f"{plan.title} 個別計画")
    title.font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    if plan.period_label:
        sheet.cell(row=2, column=1, value=plan.period_label)
    header_row = 3
    for col, (text, width) in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
        if text is None:
            continue
        write_cell(sheet, header_row, col, text, CENTER)
        write_cell(sheet, header_row + 1, col, None, CENTER)
        sheet.merge_cells(start_row=header_row, start_column=col, end_row=header_row + 1, end_column=col)
    if years:
        for offset, year in enumerate(years):
            write_cell(sheet, header_row, split + 1 + offset, "年次計画" if offset == 0 else None, CENTER)
            write_cell(sheet, header_row + 1, split + 1 + offset, f"{wareki(year)}\n({year})", CENTER)
        sheet.merge_cells(
            start_row=header_row, start_column=split + 1, end_row=header_row, end_column=split + len(years)
        )
    for row in sheet.iter_rows(min_row=header_row, max_row=header_row + 1):
        for cell in row:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
    first_data = header_row + 2
    for offset, initiative in enumerate(initiatives):
        row = first_data + offset
        cells = {c.fiscal_year: c for c in initiative.roadmap.all()}
        values = [f(initiative) for _h, _w, f in columns[:split]]
        values += [cells[y].mark_in(plan) if y in cells else "" for y in years]
        values += [f(initiative) for _h, _w, f in columns[split:]]
        for col, value in enumerate(values, start=1):
            centered = col == 1 or (split < col <= split + len(years)) or value in (MARK, *plan.stage_words)
            write_cell(sheet, row, col, value, CENTER if centered else WRAP)
    notes_row = first_data + len(initiatives) + 1
    for offset, line in enumerate(plan.table_notes.splitlines()):
        set_text(sheet.cell(row=notes_row + offset, column=1), line)
    sheet.freeze_panes = sheet.cell(row=first_data, column=3)
    sheet.print_title_rows = f"{header_row}:{header_row + 1}"
    print_a4_landscape(sheet)
    return workbook_bytes(workbook)

"""Survey workbooks (調査票): one .xlsx per department, filled in by the department and returned.

Many departments answer the yearly survey by spreadsheet. The workbook lists the department's initiatives in
one review cycle with the planned stage, offers the status words as drop-down lists, and keeps in a hidden
column 版 the version each entry had when the workbook was made. A hidden sheet names the cycle and the
department, so a workbook returned for the wrong department or year is refused.

A returned workbook is checked as the plan spreadsheet is (size, zip expansion, macros, XML entities), then
row by row; one bad row refuses the whole file. A row made from an older version of its entry than the
stored one is stale: it is shown, never applied, so a late workbook cannot silently undo a newer entry.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.protection import SheetProtection

from audit.models import AuditKind
from audit.trail import record
from initiatives.models import Indicator, IndicatorTarget, actual_text
from plan.eras import date_label, fiscal_year_label, wareki
from reviews import last_year, notices, scales
from reviews.entries import changes_between, merge_actuals, save_entry
from reviews.models import StatusEntry
from workbooks import (
    CANNOT_OPEN,
    CENTER,
    HEADER_FILL,
    WRAP,
    UnreadableWorkbook,
    WorkbookError,
    cell_text,
    compact,
    open_workbook,
    positive_number,
    print_a4_landscape,
    safe_text,
    set_text,
    workbook_bytes,
    write_cell,
)

logger = logging.getLogger(__name__)

# The workbook is a form the city hands out, so its own words stay Japanese whatever the screen language.
SURVEY_SHEET = "調査票"
KPI_SHEET = "指標"
INFO_SHEET = "調査票情報"
KIND = "達成状況調査票"
HEADER_ROW = 3
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Column:
    header: str
    name: str  # a StatusEntry field, or one of the fixed columns below
    width: int


FIXED = ("number", "name", "planned_stage", "previous_actions")  # locked; of these only 項番 is read back
COLUMNS = [
    Column("項番", "number", 6),
    Column("個別計画名", "name", 28),
    Column("計画上の段階", "planned_stage", 9),
    Column("実施状況", "stage_reached", 10),
    Column("進捗", "progress", 18),
    Column("達成状況", "achievement", 10),
    Column("取組内容", "actions", 50),
    Column("課題", "issues", 36),
    Column("今後の方向性", "direction", 11),
    Column("自己評価と年次計画の差の理由", "progress_reason", 30),
    # Last year's text at hand, locked and never read back.
    Column("前年度の取組内容", "previous_actions", 40),
    Column("版", "version", 5),
]


def _field(name):
    return StatusEntry._meta.get_field(name)


# 実施状況 offers the application's words; the ratings offer the words of the plan's scales.
CHOICE_FIELDS = ["stage_reached", *scales.RATED_FIELDS]
# The main sheet's fields; the indicators' actuals (kpi_actuals) have a sheet of their own (KPI_SHEET).
SHEET_FIELDS = [n for n in StatusEntry.EDITABLE_FIELDS if n != "kpi_actuals"]
TEXT_FIELDS = [n for n in SHEET_FIELDS if n not in CHOICE_FIELDS]

# 指標 sheet: one row per indicator of the department's initiatives; only 実績値 is filled in.
KPI_COLUMNS = [
    Column("項番", "number", 6),
    Column("個別計画名", "name", 28),
    Column("指標名", "indicator", 30),
    Column("単位", "unit", 8),
    Column("基準値", "baseline", 12),
    Column("目標値", "target", 12),
    Column("実績値", "actual", 12),
    Column("指標ID", "indicator_id", 8),
]
# An actual has the precision of a target.
ACTUAL_FIELD = IndicatorTarget._meta.get_field("target")


def allowed_words(name, plan):
    """The words a drop-down cell offers, in order."""
    if name in scales.RATED_FIELDS:
        return scales.words(plan, name)
    return plan.reached_words  # 実施状況


def columns_for(plan):
    """The workbook's columns, the ratings headed with the plan's names for them (as its documents print)."""
    return [
        replace(c, header=scales.printed_name(plan, c.name)) if c.name in scales.RATED_FIELDS else c
        for c in COLUMNS
    ]


def _note(plan):
    chosen = "・".join(["実施状況", *(scales.printed_name(plan, f) for f in scales.RATED_FIELDS)])
    note = f"灰色の列は変更できません。{chosen}は一覧から選んでください。"
    for rated in scales.RATED_FIELDS:
        scale = plan.scale(rated)
        if scale is None:
            continue
        by_rate, by_roadmap = scale.proposes_by_rate, scale.proposes_by_roadmap
        if by_rate and by_roadmap:
            note += (
                f"{scale.name}を空欄にすると、指標（KPI）の達成率から、"
                "達成率がなければ計画上の段階と実施状況から提案した値になります。"
            )
        elif by_rate:
            note += f"{scale.name}を空欄にすると、指標（KPI）の達成率から提案した値になります。"
        elif by_roadmap:
            note += f"{scale.name}を空欄にすると、計画上の段階と実施状況から提案した値になります。"
    return note


LOCKED_FILL = PatternFill("solid", fgColor="E7E6E6")


# --- Writing --------------------------------------------------------------------------------------------


def file_name(cycle, department):
    safe_name = re.sub(r'[\\/:*?"<>|\s]+', "_", department.name)
    return f"達成状況調査票_{wareki(cycle.fiscal_year)}_{safe_name}.xlsx"


def write_survey_workbook(cycle, department, entries):
    """The department's survey workbook; entries come from StatusEntry.objects.for_worklist (planned_stage)."""
    entries = list(entries)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SURVEY_SHEET
    plan = cycle.plan
    columns = columns_for(plan)
    visible = len(columns) - 1  # 版 is last and hidden
    title = sheet.cell(row=1, column=1)
    due = f"（提出期限 {date_label(cycle.due_date)}）" if cycle.due_date else ""
    set_text(title, f"達成状況調査 {fiscal_year_label(cycle.fiscal_year)} — {department.name}{due}")
    title.font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=visible)
    set_text(sheet.cell(row=2, column=1), cycle.plan.title)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=3)
    note = sheet.cell(
        row=2,
        column=4,
        value=_note(plan),
    )
    note.alignment = WRAP
    sheet.merge_cells(start_row=2, start_column=4, end_row=2, end_column=visible)

    for col, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = column.width
        cell = write_cell(sheet, HEADER_ROW, col, column.header, CENTER)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    sheet.column_dimensions[get_column_letter(len(columns))].hidden = True

    first = HEADER_ROW + 1
    previous = last_year.previous_entries(cycle, entries)
    for row, entry in enumerate(entries, start=first):
        values = {
            "number": entry.initiative.number,
            "name": entry.initiative.name,
            "planned_stage": entry.planned_stage or "なし",
            "previous_actions": previous[entry.initiative_id].actions
            if entry.initiative_id in previous
            else "",
            "version": entry.version,
            **{name: getattr(entry, name) for name in StatusEntry.EDITABLE_FIELDS},
        }
        for col, column in enumerate(columns, start=1):
            centered = column.name in ("number", "planned_stage", *CHOICE_FIELDS)
            value = values[column.name]
            cell = write_cell(sheet, row, col, None if value == "" else value, CENTER if centered else WRAP)
            if column.name in FIXED or column.name == "version":
                cell.fill = LOCKED_FILL
            else:
                cell.protection = Protection(locked=False)
            if column.name in TEXT_FIELDS:
                cell.number_format = "@"  # so that 「1/2」 or 「3-1」 stays as typed, not a date
    last = first + len(entries) - 1
    if entries:
        for name in CHOICE_FIELDS:
            letter = get_column_letter(_column_index(name) + 1)
            words = allowed_words(name, plan)
            if not words:
                continue
            # An inline list: no word contains a comma, and all of them together stay far below Excel's 255.
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(words) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="選択肢にない値です",
                error="一覧から選んでください: " + "、".join(words),
            )
            validation.add(f"{letter}{first}:{letter}{last}")
            sheet.add_data_validation(validation)

    # No password: the lock prevents slips, not intent. Reading checks every cell anyway.
    sheet.protection = SheetProtection(sheet=True, formatColumns=False, formatRows=False)
    sheet.freeze_panes = sheet.cell(row=first, column=3)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    print_a4_landscape(sheet)

    _kpi_sheet(workbook.create_sheet(KPI_SHEET), cycle, department, entries, _indicators(entries))

    info = workbook.create_sheet(INFO_SHEET)
    for row, (key, value) in enumerate(
        [
            ("種類", KIND),
            ("調査", f"{cycle.plan.title} 達成状況調査 {fiscal_year_label(cycle.fiscal_year)}"),
            ("調査ID", cycle.pk),
            ("年度", cycle.fiscal_year),
            ("担当課", department.name),
            ("担当課ID", department.pk),
            ("作成日時", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        ],
        start=1,
    ):
        set_text(info.cell(row=row, column=1), key)
        set_text(info.cell(row=row, column=2), value)
    info.sheet_state = "veryHidden"
    info.protection = SheetProtection(sheet=True)

    return workbook_bytes(workbook)


def _indicators(entries):
    """{initiative id: [indicator, …]} of the entries' initiatives, with their targets."""
    by_initiative = {}
    indicators = Indicator.objects.filter(initiative__in=[e.initiative_id for e in entries]).prefetch_related(
        "targets"
    )
    for indicator in indicators:
        by_initiative.setdefault(indicator.initiative_id, []).append(indicator)
    return by_initiative


def _kpi_sheet(sheet, cycle, department, entries, indicators):
    title = sheet.cell(row=1, column=1)
    set_text(title, f"指標（KPI）の実績値 {fiscal_year_label(cycle.fiscal_year)} — {department.name}")
    title.font = Font(bold=True, size=14)
    note = sheet.cell(row=2, column=1, value="実績値の列だけを記入してください。灰色の列は変更できません。")
    note.alignment = WRAP
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(KPI_COLUMNS) - 1)
    for col, column in enumerate(KPI_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = column.width
        cell = write_cell(sheet, HEADER_ROW, col, column.header, CENTER)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    sheet.column_dimensions[get_column_letter(len(KPI_COLUMNS))].hidden = True
    row = HEADER_ROW
    for entry in entries:
        for indicator in indicators.get(entry.initiative_id, []):
            row += 1
            actual = (entry.kpi_actuals or {}).get(indicator.key)
            values = {
                "number": entry.initiative.number,
                "name": entry.initiative.name,
                "indicator": indicator.name + ("（低いほどよい）" if indicator.lower_is_better else ""),
                "unit": indicator.unit,
                "baseline": indicator.baseline,
                "target": indicator.target_for(cycle.fiscal_year),
                "actual": Decimal(actual) if actual is not None else None,
                "indicator_id": indicator.pk,
            }
            for col, column in enumerate(KPI_COLUMNS, start=1):
                value = values[column.name]
                cell = write_cell(sheet, row, col, None if value == "" else value, WRAP)
                if column.name == "actual":
                    cell.protection = Protection(locked=False)
                else:
                    cell.fill = LOCKED_FILL
    sheet.protection = SheetProtection(sheet=True, formatColumns=False, formatRows=False)
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=3)
    print_a4_landscape(sheet)


def _column_index(name):
    return next(i for i, c in enumerate(COLUMNS) if c.name == name)


# --- Reading --------------------------------------------------------------------------------------------


class RowStatus(models.TextChoices):
    CHANGED = "changed", gettext_lazy("変更あり")
    UNCHANGED = "unchanged", gettext_lazy("変更なし")
    STALE = "stale", gettext_lazy("取り込まない（古い調査票）")


@dataclass
class SurveyRow:
    row: int  # the sheet's row number
    entry: StatusEntry  # as stored now
    version: int  # 版 in the file: the entry's version when the workbook was made
    values: dict  # the editable fields as the file has them
    proposed: str = ""  # the names of the ratings left empty that got the proposed word
    status: str = RowStatus.UNCHANGED
    changes: list = field(default_factory=list)  # stored -> file, for CHANGED and STALE rows

    @property
    def number(self):
        return self.entry.initiative.number

    @property
    def is_stale(self):
        return self.status == RowStatus.STALE

    def get_status_display(self):
        return RowStatus(self.status).label


def read_survey_workbook(data, cycle, department):
    """The rows of a returned survey workbook, each compared with its stored entry.

    Raises WorkbookError listing every bad cell, naming row and column, if anything is wrong.
    """
    workbook = open_workbook(data)
    try:
        info = _read_info(workbook)
        rows = _survey_rows(workbook)
        kpi_rows = _kpi_rows(workbook)
    except UnreadableWorkbook:
        raise
    except Exception:  # read-only mode parses a sheet only when it is read; a broken sheet is a broken file.
        raise UnreadableWorkbook(CANNOT_OPEN) from None
    finally:
        workbook.close()
    _check_identity(info, cycle, department)
    header_row, columns = _find_header(rows, columns_for(cycle.plan))
    entries = {e.initiative.number: e for e in StatusEntry.objects.for_worklist(cycle)}
    indicators = _indicators(entries.values())
    actuals = _read_actuals(kpi_rows, entries, indicators, department) if kpi_rows else {}
    result = _read_rows(rows, header_row, columns, cycle, department, entries, indicators, actuals)
    _classify(result)
    return result


def _not_a_survey():
    return UnreadableWorkbook(
        _(
            "このファイルは本システムの調査票ではないか、調査票の情報が消されています。調査票をダウンロードし直して記入してください。"
        )
    )


def _read_info(workbook):
    if INFO_SHEET not in workbook.sheetnames:
        raise _not_a_survey()
    info = {}
    for values in workbook[INFO_SHEET].iter_rows(max_col=2, values_only=True):
        if len(values) == 2 and values[0] is not None:
            info[cell_text(values[0])] = values[1]
    if cell_text(info.get("種類")) != KIND:
        raise _not_a_survey()
    return info


def _survey_rows(workbook):
    if SURVEY_SHEET in workbook.sheetnames:
        sheet = workbook[SURVEY_SHEET]
    else:
        sheet = next((s for s in workbook.worksheets if s.title != INFO_SHEET), None)
        if sheet is None:
            raise _not_a_survey()
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def _kpi_rows(workbook):
    """The 指標 sheet's rows, or None for a workbook without one (made when no initiative had an indicator)."""
    if KPI_SHEET not in workbook.sheetnames:
        return None
    return [tuple(r) for r in workbook[KPI_SHEET].iter_rows(values_only=True)]


def _read_actuals(rows, entries, indicators, department):
    """{項番: {indicator key: actual or None}} from the 指標 sheet; WorkbookError naming every bad cell."""
    header_row, columns = _find_header(
        rows, KPI_COLUMNS, optional=("name", "indicator", "unit", "baseline", "target")
    )
    headers = {c.name: c.header for c in KPI_COLUMNS}
    width = max(columns.values()) + 1
    errors, actuals, seen = [], {}, set()
    for row_no, line in enumerate(rows[header_row:], start=header_row + 1):
        line = list(line) + [None] * (width - len(line))
        if all(compact(v) == "" for v in line):
            continue
        cells = {name: line[col] for name, col in columns.items()}

        def where(name, row_no=row_no):
            return f"{KPI_SHEET}シート " + _where(row_no, columns[name], headers[name])

        number = positive_number(cells["number"])
        entry = entries.get(number)
        key = _wholepositive_number(cells["indicator_id"])
        ours = {i.pk: i for i in indicators.get(entry.initiative_id, [])} if entry else {}
        if entry is None or entry.initiative.department_id != department.pk or key not in ours:
            errors.append(
                _(
                    "%(where)s: この行は%(department)sの個別計画の指標ではありません。調査票をダウンロードし直して記入してください。"
                )
                % {"where": where("number"), "department": department.name}
            )
            continue
        if (number, key) in seen:
            errors.append(_("%(where)s: 同じ指標の行が重複しています。") % {"where": where("indicator_id")})
            continue
        seen.add((number, key))
        row_errors = []
        actual = _readpositive_number(cells["actual"], ACTUAL_FIELD, where("actual"), row_errors)
        errors += row_errors
        actuals.setdefault(number, {})[str(key)] = None if actual is None else actual_text(actual)
    if errors:
        raise WorkbookError(errors)
    return actuals


def _wholepositive_number(value):
    """A non-negative integer written by write_survey_workbook (版, the ids), or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() and value >= 0 else None
    text = compact(value)
    return int(text) if text.isascii() and text.isdigit() else None


def _check_identity(info, cycle, department):
    cycle_id, year = _wholepositive_number(info.get("調査ID")), _wholepositive_number(info.get("年度"))
    department_id = _wholepositive_number(info.get("担当課ID"))
    if cycle_id is None or department_id is None:
        raise _not_a_survey()
    if cycle_id != cycle.pk or year != cycle.fiscal_year:
        raise UnreadableWorkbook(
            _("この調査票は「%(other)s」のものです。%(cycle)sには取り込めません。")
            % {"other": cell_text(info.get("調査")), "cycle": cycle}
        )
    if department_id != department.pk:
        raise UnreadableWorkbook(
            _(
                "この調査票は%(other)sのものです。%(department)sの調査票として取り込むことはできません。担当課の選択を確認してください。"
            )
            % {"other": cell_text(info.get("担当課")), "department": department.name}
        )


# Columns a workbook may lack: the fixed ones, and the reason column, which workbooks made before it existed
# do not have (the stored reason then stays).
OPTIONAL = ("name", "planned_stage", "previous_actions", "progress_reason")


def _find_header(rows, layout, optional=OPTIONAL):
    for index, values in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {compact(v): col for col, v in enumerate(values) if compact(v)}
        if "項番" not in found:
            continue
        columns = {c.name: found[compact(c.header)] for c in layout if compact(c.header) in found}
        missing = [c.header for c in layout if c.name not in columns and c.name not in optional]
        if missing:
            raise UnreadableWorkbook(
                _(
                    "%(row)d行目: 見出し%(headers)sの列がありません。調査票の列は消さずに、ダウンロードし直して記入してください。"
                )
                % {"row": index + 1, "headers": "".join(f"「{h}」" for h in missing)}
            )
        return index + 1, columns
    raise _not_a_survey()


def _where(row, col, header):
    return _("%(row)d行目 %(col)s列（%(header)s）") % {
        "row": row,
        "col": get_column_letter(col + 1),
        "header": header,
    }


def _read_rows(rows, header_row, columns, cycle, department, entries, indicators, actuals):
    headers = {c.name: c.header for c in columns_for(cycle.plan)}
    width = max(columns.values()) + 1
    errors, result, seen = [], [], {}
    for row_no, line in enumerate(rows[header_row:], start=header_row + 1):
        line = list(line) + [None] * (width - len(line))
        if all(compact(v) == "" for v in line):
            continue
        cells = {name: line[col] for name, col in columns.items()}

        def where(name, row_no=row_no):
            return _where(row_no, columns[name], headers[name])

        number = positive_number(cells["number"])
        if number is None:
            if compact(cells["number"]):
                errors.append(
                    _("%(where)s: 項番「%(value)s」は数字ではありません。")
                    % {"where": where("number"), "value": cell_text(cells["number"])}
                )
            else:
                errors.append(_("%(where)s: 項番が空です。") % {"where": where("number")})
            continue
        entry = entries.get(number)
        if entry is None:
            errors.append(
                _("%(where)s: 項番 %(number)d はこの調査にありません。")
                % {"where": where("number"), "number": number}
            )
            continue
        if entry.initiative.department_id != department.pk:
            # However the row got there, one department's workbook never changes another's entries.
            owner = entry.initiative.department
            errors.append(
                _(
                    "%(where)s: 項番 %(number)d「%(name)s」は%(owner)sの個別計画です。%(department)sの調査票では取り込めません。"
                )
                % {
                    "where": where("number"),
                    "number": number,
                    "name": entry.initiative.name,
                    "owner": owner.name if owner else _("担当課が未設定"),
                    "department": department.name,
                }
            )
            continue
        if number in seen:
            errors.append(
                _("%(where)s: 項番 %(number)d が%(first)d行目と重複しています。")
                % {"where": where("number"), "number": number, "first": seen[number]}
            )
            continue
        seen[number] = row_no
        row_errors = []
        version = _wholepositive_number(cells["version"])
        if version is None or version > entry.version:
            row_errors.append(
                _(
                    "%(where)s: 版「%(value)s」が正しくありません。この列は変更せず、調査票をダウンロードし直して記入してください。"
                )
                % {"where": where("version"), "value": cell_text(cells["version"])}
            )
        values = {}
        for name in SHEET_FIELDS:
            if name not in cells:
                values[name] = getattr(entry, name)
                continue
            values[name] = _read_value(name, cells[name], where(name), row_errors, cycle.plan)
        errors += row_errors
        if row_errors:
            continue
        values["kpi_actuals"] = actuals.get(number, {})
        survey_row = SurveyRow(row=row_no, entry=entry, version=version, values=values)
        rate = scales.kpi_rate(
            indicators.get(entry.initiative_id, []),
            cycle.fiscal_year,
            merge_actuals(entry.kpi_actuals, values["kpi_actuals"]),
        )
        proposed = scales.fill_in(cycle.plan, values, entry.planned_stage, rate)
        differs = scales.contradiction(
            cycle.plan, entry.planned_stage, values["stage_reached"], values["progress"]
        )
        if differs and "progress" not in proposed and not values["progress_reason"].strip():
            column = "progress_reason" if "progress_reason" in columns else "progress"
            errors.append(
                _(
                    "%(where)s: %(progress)sは「%(given)s」ですが、実施状況「%(reached)s」は年次計画では「%(roadmap)s」にあたります（自己評価と年次計画の差）。理由を記入してください。"
                )
                % {
                    "where": where(column),
                    "progress": headers["progress"],
                    "given": differs["given"],
                    "reached": values["stage_reached"],
                    "roadmap": differs["roadmap"],
                }
            )
            continue
        survey_row.proposed = "・".join(headers[name] for name in proposed)
        survey_row.values = _as_stored(values, entry)
        result.append(survey_row)
    if errors:
        raise WorkbookError(errors)
    return result


def _read_value(name, value, where, errors, plan):
    model_field = _field(name)
    if name in CHOICE_FIELDS:
        word = compact(value)
        allowed = allowed_words(name, plan)
        if word and word not in allowed:
            errors.append(
                _("%(where)s: 「%(value)s」は使えません。%(allowed)sのいずれかを選んでください。")
                % {"where": where, "value": cell_text(value), "allowed": "".join(f"「{a}」" for a in allowed)}
            )
        return word
    text = _text(value)
    if model_field.max_length and len(text) > model_field.max_length:
        errors.append(
            _("%(where)s: %(length)d文字あります。%(limit)d文字以内にしてください。")
            % {"where": where, "length": len(text), "limit": model_field.max_length}
        )
    return text


NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def _readpositive_number(value, model_field, where, errors):
    """目標値 / 実績値: a number cell, or text with full-width digits and thousands commas; empty is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        number = Decimal(str(value))
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace("−", "-")
        if NUMBER.fullmatch(text):
            number = Decimal(text.replace(",", ""))
    if number is None or not number.is_finite():
        errors.append(
            _(
                "%(where)s: 「%(value)s」は数値として読めません。数字だけを入力してください（単位は「単位」の列へ）。"
            )
            % {"where": where, "value": cell_text(value)}
        )
        return None
    places = model_field.decimal_places
    if -number.as_tuple().exponent > places:
        errors.append(
            _("%(where)s: %(value)s は小数点以下が%(places)d桁を超えています。")
            % {"where": where, "value": number, "places": places}
        )
        return None
    try:
        number = number.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        number = None
    if number is None or len(number.as_tuple().digits) > model_field.max_digits:
        errors.append(
            _("%(where)s: 数値が大きすぎます（整数部分は%(digits)d桁まで）。")
            % {"where": where, "digits": model_field.max_digits - places}
        )
        return None
    return number


def _text(value):
    """A text cell as the person typed it. Unlike the plan table's cells, line breaks here are the person's own."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _as_stored(values, entry):
    """The values, with text that only the trip through a cell altered (line ends, control characters) as stored."""
    return {
        name: getattr(entry, name)
        if name in TEXT_FIELDS and _text(safe_text(getattr(entry, name))) == value
        else value
        for name, value in values.items()
    }


def _as_entry(values, base):
    """The entry the values would make of base: the actuals are a patch on base's."""
    return StatusEntry(**{**values, "kpi_actuals": merge_actuals(base.kpi_actuals, values["kpi_actuals"])})


def _classify(rows):
    """Changed, unchanged, or stale: made from an older version of its entry than the stored one."""
    older = [r for r in rows if r.version < r.entry.version]
    as_made = {}
    if older:
        # One query: each stale candidate's entry as it was when the workbook was made.
        records = StatusEntry.history.filter(
            id__in={r.entry.pk for r in older}, version__in={r.version for r in older}
        ).order_by("history_id")
        as_made = {(h.id, h.version): h for h in records}
    for row in rows:
        row.changes = changes_between(row.entry, _as_entry(row.values, row.entry))
        if not row.changes:
            row.status = RowStatus.UNCHANGED
        elif row.version == row.entry.version:
            row.status = RowStatus.CHANGED
        elif (made := as_made.get((row.entry.pk, row.version))) is not None and not changes_between(
            made, _as_entry(_as_stored(row.values, made), made)
        ):
            # The department left the row as it was: nothing of theirs to apply, nothing to warn about.
            row.status, row.changes = RowStatus.UNCHANGED, []
        else:
            row.status = RowStatus.STALE


def summary(rows):
    counts = {status: 0 for status in RowStatus}
    for row in rows:
        counts[row.status] += 1
    return _("変更あり %(changed)d件、変更なし %(unchanged)d件、取り込まない行 %(stale)d件") % {
        "changed": counts[RowStatus.CHANGED],
        "unchanged": counts[RowStatus.UNCHANGED],
        "stale": counts[RowStatus.STALE],
    }


# --- Applying -------------------------------------------------------------------------------------------


def apply_survey(cycle, department, rows, numbers, user, file_name=""):
    """Write the rows the user confirmed (by 項番), all or nothing.

    Each row is saved against the version its workbook was made from, so if anyone saved one of these
    entries since, StaleEntry rolls back every row. Returns the rows written.
    """
    # In the entries' key order, as every writer takes them: two uploads racing over the same entries then
    # queue up on PostgreSQL instead of deadlocking.
    chosen = sorted((r for r in rows if r.number in numbers), key=lambda r: r.entry.pk)
    with transaction.atomic():
        for row in chosen:
            save_entry(
                row.entry, row.values, user, based_on_version=row.version, reason=_("調査票（xlsx）の取込")
            )
        written = "、".join(str(n) for n in sorted(r.number for r in chosen)) or "なし"
        detail = f"{department.name}の調査票 {file_name}: 保存した項番 {written}"
        record(AuditKind.SURVEY_IMPORT, user=user, obj=cycle, detail=detail)
        numbers = sorted(r.number for r in chosen)
        transaction.on_commit(lambda: notices.workbook_uploaded(cycle, department, user, numbers))
    logger.info(
        "survey workbook import by %s: cycle %s (%s), department %s (%s), file %s: %d written; %s",
        user.get_username(),
        cycle.pk,
        cycle.fiscal_year,
        department.pk,
        department.name,
        file_name,
        len(chosen),
        summary(rows),
    )
    return chosen

"""Apply a plan table, read from a spreadsheet or from the seed, to the database.

Readers (initiatives/spreadsheet.py for xlsx, initiatives/open_data.py for the JSON form) turn a file into
InitiativeRow objects; apply_rows() compares them with what is stored and writes the difference, all or
nothing. A field the file does not have (None here) is left as it is.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from audit.models import AuditKind
from audit.trail import record
from caching import pages
from initiatives.models import Department, Evaluation, Indicator, IndicatorTarget, Initiative, RoadmapCell
from plan.eras import fiscal_year_label
from plan.models import is_empty
from workbooks import WorkbookError, one_line_end


class PlanImportError(WorkbookError):
    """The plan table cannot be imported: every problem found, each a message a clerk can act on."""


@dataclass
class InitiativeRow:
    number: int
    where: str = ""  # where the row came from, for messages: 「5行目」
    # Document facts; None where the file has no such column.
    name: str | None = None
    is_new: bool | None = None
    description: str | None = None
    # {PlanColumn.key: value} for the plan's own columns the file has.
    values: dict | None = None
    target_stage: str | None = None
    # {fiscal_year: (stage, continued)} for the years the file covers; a year mapped to None has no stage.
    roadmap: dict | None = None
    # [{"fiscal_year", "achievement", "direction", "actions"}]
    evaluations: list | None = None
    # Editable links, set by an administrator; the document gives defaults at most.
    goals: list | None = None  # goal codes
    department: str | None = None  # "" means no department
    carried_from: list | None = None  # [(plan ordinal, number)]
    # The indicator (KPI) the table prints for the initiative: {"name", "unit", "baseline", "baseline_year",
    # "targets": {fiscal_year: Decimal}}; {} where the table names none; None where it has no such columns.
    indicator: dict | None = None


SCALAR_FIELDS = [
    "name",
    "is_new",
    "description",
    "target_stage",
]


@dataclass
class Change:
    label: str
    old: str
    new: str

    @property
    def whitespace_only(self):
        """Only spaces or line breaks differ: the preview says so, since the two look alike on a page."""
        return self.old != self.new and "".join(self.old.split()) == "".join(self.new.split())

    @property
    def old_lines(self):
        return shown_lines(self.old, self.whitespace_only)

    @property
    def new_lines(self):
        return shown_lines(self.new, self.whitespace_only)


VISIBLE_SPACE = "␣"


def shown_lines(text, spaces_visible):
    """A text's lines for the preview, where each line break is shown; spaces are made visible where only
    white space differs."""
    lines = one_line_end(text).split("\n")
    if spaces_visible:
        lines = [re.sub(r"[^\S\n]", VISIBLE_SPACE, line) for line in lines]
    return lines


def same_text(old, new):
    """A stored text and a file's are the same when only their line ends or outer white space differ."""
    if isinstance(old, str) and isinstance(new, str):
        return one_line_end(old).strip() == one_line_end(new).strip()
    return old == new


@dataclass
class InitiativeResult:
    number: int
    name: str
    outcome: str  # "created", "updated" or "unchanged"
    changes: list = field(default_factory=list)

    @property
    def outcome_label(self):
        return {"created": _("新規作成"), "updated": _("更新"), "unchanged": _("変更なし")}[self.outcome]


@dataclass
class ImportResult:
    initiatives: list = field(default_factory=list)
    not_in_file: list = field(default_factory=list)  # stored initiatives the file does not mention
    warnings: list = field(default_factory=list)

    def count(self, outcome):
        return sum(1 for r in self.initiatives if r.outcome == outcome)

    @property
    def created(self):
        return self.count("created")

    @property
    def updated(self):
        return self.count("updated")

    @property
    def unchanged(self):
        return self.count("unchanged")

    def summary(self):
        return _("新規作成 %(created)d件、更新 %(updated)d件、変更なし %(unchanged)d件") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


def _yes_no(value):
    return "●" if value else ""


def _roadmap_text(cells, mark):
    """{year: (stage, continued)} as the plan prints it: 令和4年度 (2022) 検討, 令和5年度 (2023) ⇒ …"""
    parts = []
    for year in sorted(cells):
        stage, continued = cells[year]
        parts.append(f"{fiscal_year_label(year)} {mark if continued else stage}")
    return "、".join(parts)


def _keys_text(keys):
    return "、".join(_("第%(plan)d次 %(number)d") % {"plan": p, "number": n} for p, n in sorted(keys))


def _field_label(name):
    return str(Initiative._meta.get_field(name).verbose_name)


def apply_rows(plan, rows, *, editable_links="always", dry_run=False, user=None, reason=""):
    """Write rows to the plan's initiatives and return what was created, updated and left unchanged.

    Every row written leaves a line in its change history with `user` (None for a command) and `reason`.

    editable_links="on_create" sets goals, department and carry-over links only on initiatives this call
    creates: the seed gives defaults, and reloading it must not undo an administrator's choices.
    With dry_run the same writes happen and are rolled back, so the preview is exactly what a real run does.
    """
    with transaction.atomic():
        writes = Writes(History(user, reason))
        result = _apply(plan, rows, editable_links, writes)
        writes.write()
        if dry_run:
            transaction.set_rollback(True)
    return result


@dataclass
class History:
    """Who writes and why, for the change history of each row written."""

    user: object
    reason: str

    def stamp(self, obj):
        obj._history_user = self.user
        obj._change_reason = self.reason[:100]  # simple_history keeps at most 100 characters
        return obj


# Parents before children: a new cell, evaluation or indicator gets its initiative's id once that is written.
WRITE_ORDER = [Initiative, RoadmapCell, Evaluation, Indicator, IndicatorTarget]
BATCH = 500


@dataclass
class Writes:
    """What an import writes, collected row by row and then written model by model in bulk, with a line of
    change history for each row written: a table of thousands of initiatives costs a few queries a model,
    not several a row."""

    history: History
    created: dict = field(default_factory=lambda: defaultdict(list))  # model: [new objects]
    updated: dict = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )  # model: {fields: []}
    deleted: list = field(default_factory=list)
    links: list = field(default_factory=list)  # (m2m field, initiative, [related]): set once both exist
    departments: dict | None = None  # by name, read on first use

    def create(self, obj):
        self.created[type(obj)].append(self.history.stamp(obj))

    def update(self, obj, fields):
        self.updated[type(obj)][tuple(fields)].append(self.history.stamp(obj))

    def delete(self, obj):
        self.deleted.append(self.history.stamp(obj))

    def department(self, name):
        """The department of that name, made if it is new: looked up once an import, not once a row."""
        if self.departments is None:
            self.departments = {d.name: d for d in Department.objects.all()}
        if name not in self.departments:
            self.departments[name] = Department.objects.get_or_create(name=name)[0]
        return self.departments[name]

    def link(self, name, initiative, related):
        self.links.append((name, initiative, related))

    def write(self):
        for model in WRITE_ORDER:
            if self.created[model]:
                bulk_create_with_history(self.created[model], model, batch_size=BATCH)
            for fields, objs in self.updated[model].items():
                bulk_update_with_history(objs, model, list(fields), batch_size=BATCH)
        for obj in self.deleted:
            obj.delete()
        self._write_links()
        pages.changed()  # bulk writes send no signal

    def _write_links(self):
        """Goals and carry-over links: new initiatives' rows in bulk, an existing one's replaced."""
        new_rows = defaultdict(list)
        created = {id(i) for i in self.created[Initiative]}
        for name, initiative, related in self.links:
            through = getattr(Initiative, name).through
            if id(initiative) in created:
                field = Initiative._meta.get_field(name)
                source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
                new_rows[name] += [through(**{source: initiative.pk, target: r.pk}) for r in related]
            else:
                getattr(initiative, name).set(related)
        for name, rows in new_rows.items():
            getattr(Initiative, name).through.objects.bulk_create(rows, batch_size=BATCH)


def record_import(plan, source, result, *, request=None, user=None):
    """The import in the audit trail: the plan, where the rows came from, and which initiatives changed."""
    # The trail is written in the city's language, whatever language the screen is in.
    with translation.override(settings.LANGUAGE_CODE):
        parts = [f"{source}: {result.summary()}"]
    for outcome, label in (("created", "新規作成"), ("updated", "更新")):
        numbers = [str(r.number) for r in result.initiatives if r.outcome == outcome]
        if numbers:
            parts.append(f"{label}の項番 {'、'.join(numbers)}")
    record(AuditKind.PLAN_IMPORT, request=request, user=user, obj=plan, detail="。".join(parts))


def _apply(plan, rows, editable_links, writes):
    errors = []
    seen = {}
    for row in rows:
        if row.number in seen:
            errors.append(
                _("%(where)s: 項番 %(number)d が %(first)s と重複しています。")
                % {"where": row.where, "number": row.number, "first": seen[row.number]}
            )
        seen[row.number] = row.where
    goal_by_code = {g.code: g for g in plan.goals.all()}
    years = set(plan.fiscal_years)
    for row in rows:
        for code in row.goals or []:
            if code not in goal_by_code:
                errors.append(
                    _("%(where)s: 目標「%(code)s」はこの計画にありません（%(codes)s）。")
                    % {"where": row.where, "code": code, "codes": "、".join(goal_by_code) or "なし"}
                )
        for year in row.roadmap or {}:
            if year not in years:
                errors.append(
                    _("%(where)s: %(year)s はこの計画の計画期間外です。")
                    % {"where": row.where, "year": fiscal_year_label(year)}
                )
    carried_targets = _carried_targets(rows, errors)
    if errors:
        raise PlanImportError(errors)

    stored = {i.number: i for i in Initiative.objects.for_plan_table(plan)}
    columns = list(plan.columns.all())
    result = ImportResult()
    for row in sorted(rows, key=lambda r: r.number):
        initiative = stored.get(row.number)
        created = initiative is None
        if created:
            if not row.name:
                raise PlanImportError([_("%(where)s: 個別計画名が空です。") % {"where": row.where}])
            initiative = Initiative(plan=plan, number=row.number)
        set_links = editable_links == "always" or created
        changes = _apply_row(
            initiative, row, columns, goal_by_code, carried_targets, set_links, created, writes
        )
        outcome = "created" if created else ("updated" if changes else "unchanged")
        result.initiatives.append(InitiativeResult(row.number, initiative.name, outcome, changes))
    result.not_in_file = [i for n, i in sorted(stored.items()) if n not in seen]
    return result


def _carried_targets(rows, errors):
    """Look up every initiative named in a carry-over column, once."""
    wanted = {key for row in rows for key in row.carried_from or []}
    found = {
        (i.plan.ordinal, i.number): i
        for i in Initiative.objects.filter(plan__ordinal__in={p for p, _n in wanted}).select_related("plan")
    }
    for row in rows:
        for key in row.carried_from or []:
            if key not in found:
                errors.append(
                    _("%(where)s: 継続元の第%(plan)d次計画 項番 %(number)d は登録されていません。")
                    % {"where": row.where, "plan": key[0], "number": key[1]}
                )
    return found


# What an initiative's row may change on the initiative itself.
INITIATIVE_FIELDS = [*SCALAR_FIELDS, "column_values", "department"]


def _apply_row(initiative, row, columns, goal_by_code, carried_targets, set_links, created, writes):
    changes = []
    for name in SCALAR_FIELDS:
        new = getattr(row, name)
        if new is None:
            continue
        old = getattr(initiative, name)
        if not same_text(old, new) or created:
            if not same_text(old, new):
                show = _yes_no if isinstance(new, bool) else str
                changes.append(Change(_field_label(name), "" if created else show(old), show(new)))
            setattr(initiative, name, new)

    if row.values is not None:
        changes += _apply_values(initiative, row.values, columns, created)

    if set_links and row.department is not None:
        old = initiative.department.name if initiative.department_id else ""
        if old != row.department:
            changes.append(Change(_field_label("department"), old, row.department))
            initiative.department = writes.department(row.department) if row.department else None
    if created:
        writes.create(initiative)
    elif changes:
        writes.update(initiative, INITIATIVE_FIELDS)

    if row.roadmap is not None:
        changes += _apply_roadmap(initiative, row.roadmap, created, writes)
    if row.evaluations is not None:
        changes += _apply_evaluations(initiative, row.evaluations, created, writes)
    if row.indicator:
        changes += _apply_indicator(initiative, row.indicator, created, writes)
    if set_links and row.goals is not None:
        old = [] if created else [g.code for g in initiative.goals.all()]
        if sorted(old) != sorted(row.goals):
            changes.append(Change(_field_label("goals"), "、".join(old), "、".join(row.goals)))
            writes.link("goals", initiative, [goal_by_code[c] for c in row.goals])
    if set_links and row.carried_from is not None:
        old = [] if created else [(i.plan.ordinal, i.number) for i in initiative.carried_from.all()]
        if sorted(old) != sorted(row.carried_from):
            changes.append(
                Change(_field_label("carried_from"), _keys_text(old), _keys_text(row.carried_from))
            )
            writes.link("carried_from", initiative, [carried_targets[k] for k in row.carried_from])
    return changes


def _apply_values(initiative, values, columns, created):
    """The plan's own columns (PlanColumn), in the definition's order; an empty value is not stored."""
    changes = []
    stored = dict(initiative.column_values)
    for column in columns:
        if column.key not in values:
            continue
        old, new = column.value_of(initiative), values[column.key]
        if is_empty(new):
            stored.pop(column.key, None)
        else:
            stored[column.key] = new
        if same_text(old, new):
            if not is_empty(new):
                stored[column.key] = old  # the stored text stays as it was, its line ends included
        elif not (is_empty(old) and is_empty(new)):
            changes.append(Change(column.header, "" if created else column.display(old), column.display(new)))
    initiative.column_values = stored
    return changes


def _apply_roadmap(initiative, roadmap, created, writes):
    stored = {} if created else {c.fiscal_year: c for c in initiative.roadmap.all()}
    old = {y: (c.stage, c.continued) for y, c in stored.items() if y in roadmap}
    new = {y: v for y, v in roadmap.items() if v is not None}
    if old == new:
        return []
    for year, value in roadmap.items():
        cell = stored.get(year)
        if value is None:
            if cell:
                writes.delete(cell)
        elif cell is None:
            writes.create(
                RoadmapCell(initiative=initiative, fiscal_year=year, stage=value[0], continued=value[1])
            )
        elif (cell.stage, cell.continued) != value:
            cell.stage, cell.continued = value
            writes.update(cell, ["stage", "continued"])
    mark = initiative.plan.continuation_mark
    return [Change(str(RoadmapCell._meta.verbose_name), _roadmap_text(old, mark), _roadmap_text(new, mark))]


def _apply_evaluations(initiative, evaluations, created, writes):
    stored = {} if created else {e.fiscal_year: e for e in initiative.evaluations.all()}
    changes = []
    for data in evaluations:
        year = data["fiscal_year"]
        evaluation = stored.get(year) or Evaluation(initiative=initiative, fiscal_year=year)
        before = len(changes)
        for name in ("actions", "achievement", "direction"):
            old, new = getattr(evaluation, name), data[name]
            if not same_text(old, new):
                label = f"{Evaluation._meta.get_field(name).verbose_name}（{fiscal_year_label(year)}）"
                changes.append(Change(label, old, new))
                setattr(evaluation, name, new)
        if evaluation.pk is None:
            writes.create(evaluation)
        elif len(changes) > before:
            writes.update(evaluation, ["actions", "achievement", "direction"])
    return changes


def _apply_indicator(initiative, data, initiative_created, writes):
    """The table's indicator is the initiative's first (an administrator may add more in the admin): its name,
    unit and baseline as the table prints them, and a target for each year the table gives one."""
    # The stored initiatives come with their indicators and targets (for_plan_table), in order.
    indicator = None if initiative_created else next(iter(initiative.indicators.all()), None)
    created = indicator is None
    if created:
        indicator = Indicator(initiative=initiative, position=1)
    changes = []
    for name in ("name", "unit", "baseline", "baseline_year"):
        if name not in data:
            continue
        old, new = getattr(indicator, name), data[name]
        if old != new:
            label = f"{Indicator._meta.get_field(name).verbose_name}（{_('指標')}）"
            changes.append(Change(label, "" if old is None else str(old), "" if new is None else str(new)))
            setattr(indicator, name, new)
    if created:
        writes.create(indicator)
    elif changes:
        writes.update(indicator, ["name", "unit", "baseline", "baseline_year"])
    targets = {t.fiscal_year: t for t in indicator.targets.all()} if not created else {}
    for year, value in sorted(data["targets"].items()):
        target = targets.get(year) or IndicatorTarget(indicator=indicator, fiscal_year=year)
        if target.target != value:
            label = _("%(name)sの目標値（%(year)s）") % {
                "name": indicator.name,
                "year": fiscal_year_label(year),
            }
            changes.append(Change(label, "" if target.pk is None else str(target.target), str(value)))
            target.target = value
            if target.pk is None:
                writes.create(target)
            else:
                writes.update(target, ["target"])
    return changes

"""Past years' results in the admin, with django-import-export: upload → preview of every row → confirm, and
export in the same columns, so that an export edited in Excel imports back.

The resource only shows and checks: the rows are read and checked whole by reviews.past_years, and confirming
calls reviews.past_years.publish_past_years once, after every row passed, inside import-export's transaction.
Nothing is saved row by row.
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from import_export import fields, resources
from openpyxl import Workbook
from openpyxl.styles import Font

from initiatives.models import Indicator
from plan.eras import date_label
from reviews import past_years
from reviews.models import CycleState, PastResult, ReviewCycle
from reviews.survey_workbooks import COLUMNS as WORKBOOK_COLUMNS
from workbooks import WRAP, set_text, workbook_bytes

# Before the file names its plan, the columns go by the survey workbook's own words.
WORKBOOK_HEADERS = {c.name: c.header for c in WORKBOOK_COLUMNS}
DEFAULT_HEADERS = {
    past_years.PLAN: "計画",
    past_years.YEAR: "年度",
    **{name: WORKBOOK_HEADERS[name] for name in past_years.ENTRY_COLUMNS if name in WORKBOOK_HEADERS},
    past_years.ACTUALS: "指標の実績値",
    past_years.PUBLISHED_ON: "公表日",
}


class RowField(fields.Field):
    """A column of the file: read from the entry as a file row has it (past_years.entry_row), never written to
    the instance (past_years reads the row whole)."""

    def get_value(self, instance):
        row = getattr(instance, "file_row", None)
        if row is None:
            if instance.initiative_id is None:  # a blank line of the file
                return None
            indicators = getattr(instance, "file_indicators", None)
            row = instance.file_row = past_years.entry_row(instance, indicators)
        return row.get(self.attribute)

    def export(self, instance, **kwargs):
        value = self.get_value(instance)
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)

    def save(self, instance, row, is_m2m=False, **kwargs):
        pass


def _field(name):
    return RowField(attribute=name, column_name=DEFAULT_HEADERS[name])


class PastResultResource(resources.ModelResource):
    plan = _field(past_years.PLAN)
    fiscal_year = _field(past_years.YEAR)
    number = _field("number")
    name = _field("name")
    stage_reached = _field("stage_reached")
    progress = _field("progress")
    achievement = _field("achievement")
    actions = _field("actions")
    issues = _field("issues")
    direction = _field("direction")
    progress_reason = _field("progress_reason")
    kpi_actuals = _field(past_years.ACTUALS)
    published_on = _field(past_years.PUBLISHED_ON)

    class Meta:
        model = PastResult
        fields = list(DEFAULT_HEADERS)
        use_transactions = True
        clean_model_instances = True
        rollback_on_validation_errors = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.results = self.refused = None
        self.year_of, self.summary = {}, ""

    def _name_columns(self, plan):
        """The rating columns under the plan's names for them, as its survey workbook heads them."""
        for column in past_years.columns(plan):
            self.fields[column.name].column_name = column.header

    # --- Export -----------------------------------------------------------------------------------------

    def get_queryset(self):
        return published_entries()

    def filter_export(self, queryset, **kwargs):
        # Each row names its initiative's indicators (指標の実績値): one query for all of them.
        indicators = Indicator.objects.order_by("position", "pk")
        return queryset.prefetch_related(Prefetch("initiative__indicators", queryset=indicators))

    def before_export(self, queryset, **kwargs):
        first = queryset.select_related("cycle__plan").first() if queryset is not None else None
        if first is not None:
            self._name_columns(first.cycle.plan)

    # --- Import -----------------------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        try:
            self.sheet_rows = getattr(dataset, "sheet_rows", None)
            self.results = past_years.read_past_results(
                dataset.headers, list(dataset), row_numbers=self.sheet_rows
            )
        except past_years.PastResultsRefused as refused:
            self.refused = refused
            return
        self.year_of = {r.row: y for y in self.results.years for r in y.rows}
        self._name_columns(self.results.plan)
        self.summary = preview_summary(self.results)

    def import_row(self, row, instance_loader, **kwargs):
        # The row as the clerk sees it in Excel: the header is row 1, and a blank row the reader left out counts.
        number = kwargs["row_number"]
        self.file_row = self.sheet_rows[number - 1] if getattr(self, "sheet_rows", None) else number + 1
        return super().import_row(row, instance_loader, **kwargs)

    def get_or_init_instance(self, instance_loader, row):
        past = self.results.rows.get(self.file_row) if self.results else None
        if past is None:
            return PastResult(), True
        year = self.year_of[self.file_row]
        if year.imported is not None:
            stored = self.results.stored.get((year.imported.pk, past.initiative.pk))
            if stored is not None:
                # As stored, compared with the file's row; what it names comes from the reading, not the database.
                stored.cycle, stored.initiative = year.imported, past.initiative
                stored.file_indicators = self.results.indicators.get(past.initiative.pk, [])
                return stored, False
        # Unsaved: the cycle is made when the import is confirmed (past_years.publish_past_years).
        cycle = ReviewCycle(plan=self.results.plan, fiscal_year=year.fiscal_year)
        instance = PastResult(cycle=cycle, initiative=past.initiative)
        instance.file_indicators = self.results.indicators.get(past.initiative.pk, [])
        return instance, True

    def import_instance(self, instance, row, **kwargs):
        if self.refused is not None:
            # What is wrong with the file as a whole (row 1, the header) shows on the first row.
            messages = self.refused.by_row.pop(1, []) + self.refused.by_row.pop(self.file_row, [])
            if messages:
                raise ValidationError(messages)
            return
        past = self.results.rows.get(self.file_row)
        if past is None:
            return
        for name, value in past.values.items():
            setattr(instance, name, value)
        # A blank 公表日 for a year imported before leaves its day as it is (entry_row reads it from the cycle).
        year = self.year_of[self.file_row]
        instance.file_row = past_years.entry_row(instance, instance.file_indicators, year.published_on)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        if self.refused is not None or instance.initiative_id is None:
            return True  # a blank line, or a row of a refused file that is fine itself
        return super().skip_row(instance, original, row, import_validation_errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The cycle of a new year does not exist until the import is confirmed, nor can its uniqueness be asked.
        if import_validation_errors:
            raise ValidationError(import_validation_errors)
        # The initiative was read with the file (past_years), so its key needs no query to check.
        instance.full_clean(exclude=["cycle", "initiative"], validate_unique=False)

    def save_instance(self, instance, is_create, row, **kwargs):
        pass  # past_years.publish_past_years writes every year at once in after_import

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        # The headers in the plan's words, as the file has them (import-export took them before the file was read).
        result.diff_headers = self.get_diff_headers()
        result.past_summary = self.summary
        if self.refused is not None and self.refused.by_row:
            # What no row carried (a file with no rows to show it on).
            raise past_years.PastResultsRefused(
                [(row, m) for row, messages in self.refused.by_row.items() for m in messages]
            )
        if self.refused is not None or kwargs.get("dry_run") or result.has_validation_errors():
            return
        user = kwargs.get("user")
        result.past_created = past_years.publish_past_years(self.results, user, kwargs.get("file_name") or "")


def xlsx_file(dataset):
    """The dataset as a workbook whose text cells stay text (workbooks.set_text), headers in row 1."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(PastResult._meta.verbose_name)
    for col, header in enumerate(dataset.headers, start=1):
        cell = sheet.cell(row=1, column=col)
        set_text(cell, header)
        cell.font = Font(bold=True)
    for row_no, row in enumerate(dataset, start=2):
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_no, column=col)
            set_text(cell, value)
            cell.alignment = WRAP
    sheet.freeze_panes = "A2"
    return workbook_bytes(workbook)


def published_entries():
    """The entries of published years, in the order of the file."""
    return (
        PastResult.objects.filter(cycle__state=CycleState.PUBLISHED)
        .select_related("cycle__plan", "cycle__publication", "initiative__plan")
        # 公表日 is the publication's date; its snapshot is the whole report, not needed here.
        .defer("cycle__publication__report", "cycle__publication__open_data")
        .order_by("cycle__plan__ordinal", "cycle__fiscal_year", "initiative__number")
    )


def refusal_messages(result):
    """Every reason an import was refused, each naming its row and column where it has one."""
    messages = [line for error in result.base_errors for line in str(error.error).split("\n") if line]
    messages += [m for row in result.invalid_rows for m in row.error.messages]
    return messages


def preview_summary(results):
    """What confirming will do, year by year."""
    parts = [
        (
            _("%(year)sを公開済みの調査として作成します（%(count)d件、公表日 %(day)s）。")
            if y.published_on
            else _("%(year)sを公開済みの調査として作成します（%(count)d件）。")
        )
        % {
            "year": y.label,
            "count": len(y.rows),
            "day": date_label(y.published_on) if y.published_on else "",
        }
        for y in results.new_years
    ]
    parts += [
        _("%(year)sは取り込み済みで、変更はありません。") % {"year": y.label} for y in results.unchanged_years
    ]
    if not results.new_years:
        parts.append(_("確定しても何も変わりません。"))
    return "".join(parts)

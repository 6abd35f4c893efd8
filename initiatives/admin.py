from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from initiatives import admin_import
from initiatives.models import (
    Evaluation,
    ImportProfile,
    Indicator,
    IndicatorTarget,
    Initiative,
    RoadmapCell,
)
from plan.eras import fiscal_year_label
from plan.models import ColumnKind, PlanColumn, is_empty


class RoadmapCellInline(admin.TabularInline):
    model = RoadmapCell
    fields = ["fiscal_year", "stage", "continued"]
    extra = 0


class EvaluationInline(admin.StackedInline):
    model = Evaluation
    fields = [("fiscal_year", "achievement", "direction"), "actions"]
    extra = 0


FIELDS = [
    "plan",
    "number",
    "name",
    "is_new",
    "description",
    "target_stage",
    "goals",
    "department",
    "carried_from",
    "source_note",
]


class InitiativeAdminForm(forms.ModelForm):
    plan_columns = []  # the plan's own columns, with a form field each (form_for_columns)

    class Meta:
        model = Initiative
        fields = FIELDS

    def clean(self):
        cleaned = super().clean()
        plan = cleaned.get("plan")
        if plan is None:
            return cleaned
        if any(goal.plan_id != plan.pk for goal in cleaned.get("goals") or []):
            self.add_error(
                "goals", _("この個別計画の計画（%(plan)s）の目標だけを選んでください。") % {"plan": plan}
            )
        if any(item.plan_id != plan.predecessor_id for item in cleaned.get("carried_from") or []):
            self.add_error("carried_from", _("継続元には前計画の項目だけを選んでください。"))
        return cleaned

    def save(self, commit=True):
        values = dict(self.instance.column_values)
        for column in self.plan_columns:
            value = self.cleaned_data.get(column.form_field)
            if is_empty(value):
                values.pop(column.key, None)
            else:
                values[column.key] = (
                    int(value) if column.kind == ColumnKind.NUMBER and value == int(value) else value
                )
        self.instance.column_values = values
        return super().save(commit)


def column_form_field(column):
    """The admin's field for one of the plan's own columns."""
    common = {"label": column.header, "required": False}
    if column.kind == ColumnKind.MARK:
        return forms.BooleanField(**common)
    if column.kind == ColumnKind.NUMBER:
        return forms.FloatField(**common)
    words = [(c.word, c.word) for c in column.choices.all()]
    if column.kind == ColumnKind.CHOICE:
        return forms.ChoiceField(choices=[("", "---------"), *words], **common)
    if column.kind == ColumnKind.MULTI_CHOICE:
        return forms.MultipleChoiceField(choices=words, widget=forms.CheckboxSelectMultiple, **common)
    widget = forms.Textarea(attrs={"rows": 3}) if column.kind == ColumnKind.TEXT else None
    return forms.CharField(max_length=column.max_length, widget=widget, **common)


def form_for_columns(columns):
    """InitiativeAdminForm with one declared field per column of the initiative's plan."""
    declared = {c.form_field: column_form_field(c) for c in columns}

    def __init__(self, *args, **kwargs):
        InitiativeAdminForm.__init__(self, *args, **kwargs)
        for column in columns:
            self.initial.setdefault(column.form_field, column.value_of(self.instance))

    return type(
        "InitiativeColumnsForm",
        (InitiativeAdminForm,),
        {**declared, "plan_columns": columns, "__init__": __init__},
    )


class MarkedColumnFilter(admin.SimpleListFilter):
    """The mark columns (●) of every plan, as one filter (the fifth plan has two)."""

    title = gettext_lazy("計画の列（●）")
    parameter_name = "marked"

    def lookups(self, request, model_admin):
        columns = (
            PlanColumn.objects.filter(kind=ColumnKind.MARK)
            .select_related("plan")
            .order_by("plan__ordinal", "position")
        )
        return [(f"{c.plan.ordinal}:{c.key}", f"第{c.plan.ordinal}次 {c.header}") for c in columns]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        ordinal, _sep, key = self.value().partition(":")
        if not ordinal.isdigit() or not key:
            return queryset.none()
        return queryset.filter(plan__ordinal=int(ordinal), **{f"column_values__{key}": True})


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ["position", "name", "unit", "lower_is_better", "baseline", "baseline_year", "targets_summary"]
    readonly_fields = ["targets_summary"]
    extra = 0
    show_change_link = True  # the targets per fiscal year are edited on the indicator's own page

    @admin.display(description=gettext_lazy("目標値"))
    def targets_summary(self, indicator):
        if indicator.pk is None:
            return "-"
        return (
            "、".join(f"{fiscal_year_label(t.fiscal_year)}: {t.target}" for t in indicator.targets.all())
            or "-"
        )


class IndicatorTargetInline(admin.TabularInline):
    model = IndicatorTarget
    fields = ["fiscal_year", "target"]
    extra = 1


@admin.register(Initiative)
class InitiativeAdmin(SimpleHistoryAdmin):
    form = InitiativeAdminForm
    list_display = ["number", "name", "plan", "is_new", "department", "marks"]
    list_display_links = ["number", "name"]
    list_filter = ["plan", "goals", "department", "is_new", MarkedColumnFilter]
    search_fields = ["name", "description"]
    list_select_related = ["plan", "department"]
    ordering = ["plan__ordinal", "number"]
    filter_horizontal = ["goals", "carried_from"]
    inlines = [RoadmapCellInline, EvaluationInline, IndicatorInline]
    change_list_template = "admin/initiatives/initiative/change_list.html"

    @admin.display(description=gettext_lazy("計画が定める列の値"))
    def marks(self, obj):
        return "、".join(f"{k}: {v}" for k, v in obj.column_values.items())

    def plan_columns(self, obj):
        return list(obj.plan.columns.prefetch_related("choices")) if obj is not None else []

    def get_fields(self, request, obj=None):
        return [
            *FIELDS[: FIELDS.index("target_stage")],
            *(c.form_field for c in self.plan_columns(obj)),
            *FIELDS[FIELDS.index("target_stage") :],
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = form_for_columns(self.plan_columns(obj))
        return super().get_form(request, obj, change, **kwargs)

    def get_urls(self):
        def wrap(view):
            def guarded(request, **kwargs):
                if not (self.has_add_permission(request) and self.has_change_permission(request)):
                    raise PermissionDenied
                return view(self, request, **kwargs)

            return self.admin_site.admin_view(guarded)

        return [
            path("import/", wrap(admin_import.import_view), name="initiatives_initiative_import"),
            path(
                "import/mapping/",
                wrap(admin_import.import_mapping_view),
                name="initiatives_initiative_import_mapping",
            ),
            path(
                "import/confirm/",
                wrap(admin_import.import_confirm_view),
                name="initiatives_initiative_import_confirm",
            ),
            path(
                "import/jobs/<uuid:job_id>/",
                wrap(admin_import.import_job_view),
                name="initiatives_initiative_import_job",
            ),
            *super().get_urls(),
        ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "carried_from":
            kwargs["queryset"] = Initiative.objects.select_related("plan").order_by("plan__ordinal", "number")
        if db_field.name == "goals":
            kwargs["queryset"] = db_field.related_model.objects.select_related("plan")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "initiative", "unit", "lower_is_better", "baseline", "baseline_year"]
    list_filter = ["initiative__plan"]
    list_select_related = ["initiative", "initiative__plan"]
    search_fields = ["name", "initiative__name"]
    ordering = ["initiative__plan__ordinal", "initiative__number", "position"]
    fields = ["initiative", "position", "name", "unit", "lower_is_better", "baseline", "baseline_year"]
    autocomplete_fields = ["initiative"]
    inlines = [IndicatorTargetInline]


@admin.register(ImportProfile)
class ImportProfileAdmin(admin.ModelAdmin):
    """The saved readings of the plans' table layouts: made on the import page, reset here by deleting one."""

    list_display = ["plan", "updated_at", "updated_by"]
    readonly_fields = ["plan", "mapping", "updated_at", "updated_by"]

    def has_add_permission(self, request):
        return False

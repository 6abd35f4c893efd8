from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plan.definitions import add_columns, add_roadmap, add_scales, columns_of, presets, roadmap_of, scales_of
from plan.models import (
    CitySettings,
    ColumnChoice,
    GlossaryTerm,
    Goal,
    ManagementStep,
    Plan,
    PlanColumn,
    PlanReference,
    RatingScale,
    RatingWord,
    RoadmapStage,
)


class PlanColumnInline(admin.TabularInline):
    model = PlanColumn
    fields = ["position", "key", "header", "kind", "is_public", "in_table", "max_length", "width"]
    extra = 0
    show_change_link = True  # the choice list of a choice column is edited on the column's own page
    # Narrow inputs, so that the row fits beside the admin's side bar.
    formfield_overrides = {
        models.CharField: {"widget": forms.TextInput(attrs={"size": 16})},
        models.SlugField: {"widget": forms.TextInput(attrs={"size": 16})},
        models.PositiveIntegerField: {"widget": forms.NumberInput(attrs={"class": "vIntegerField"})},
        models.PositiveSmallIntegerField: {"widget": forms.NumberInput(attrs={"class": "vIntegerField"})},
    }


class ColumnChoiceInline(admin.TabularInline):
    model = ColumnChoice
    fields = ["position", "word", "description"]
    extra = 0


@admin.register(PlanColumn)
class PlanColumnAdmin(admin.ModelAdmin):
    list_display = ["header", "plan", "position", "key", "kind", "is_public", "in_table"]
    list_filter = ["plan", "kind"]
    list_select_related = ["plan"]
    ordering = ["plan__ordinal", "position"]
    fields = ["plan", "position", "key", "header", "kind", "is_public", "in_table", "max_length", "width"]
    inlines = [ColumnChoiceInline]


class DefinitionSourceForm(forms.Form):
    source = forms.ChoiceField(label=_("写す元"))

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [
            (_("雛形"), [(f"preset:{key}", p["name"]) for key, p in presets().items()]),
            (
                _("ほかの計画"),
                [
                    (f"plan:{p.pk}", p.title)
                    for p in Plan.objects.exclude(pk=plan.pk).filter(columns__isnull=False).distinct()
                ],
            ),
        ]

    def definition(self):
        """(columns, scales, roadmap) of the chosen preset or plan."""
        kind, _sep, key = self.cleaned_data["source"].partition(":")
        if kind == "preset":
            preset = presets()[key]
            return preset["columns"], preset.get("scales", []), preset.get("roadmap")
        source = Plan.objects.get(pk=key)
        return columns_of(source), scales_of(source), roadmap_of(source)


class RoadmapStageInline(admin.TabularInline):
    model = RoadmapStage
    fields = ["position", "word", "reached"]
    extra = 0


class RatingWordInline(admin.TabularInline):
    model = RatingWord
    fields = ["position", "word", "description", "meaning", "min_rate", "carries_on"]
    extra = 0


class RatingScaleInline(admin.TabularInline):
    model = RatingScale
    fields = ["role", "name", "description", "words_summary"]
    readonly_fields = ["words_summary"]
    extra = 0
    show_change_link = True  # the words are edited on the scale's own page

    @admin.display(description=_("語"))
    def words_summary(self, scale):
        return "／".join(scale.values) if scale.pk else "-"


@admin.register(RatingScale)
class RatingScaleAdmin(admin.ModelAdmin):
    list_display = ["name", "plan", "role"]
    list_filter = ["plan", "role"]
    list_select_related = ["plan"]
    ordering = ["plan__ordinal", "role"]
    fields = ["plan", "role", "name", "description"]
    inlines = [RatingWordInline]


class GoalInline(admin.TabularInline):
    model = Goal
    fields = ["order", "code", "title"]
    extra = 0


class PlanReferenceInline(admin.StackedInline):
    model = PlanReference
    fields = ["order", "relation", "name", "period", "description"]
    extra = 0


class ManagementStepInline(admin.TabularInline):
    model = ManagementStep
    fields = ["order", "kind", "body"]
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["ordinal", "title", "period_label", "adopted", "division"]
    list_display_links = ["ordinal", "title"]
    fields = [
        "ordinal",
        "title",
        ("first_fiscal_year", "last_fiscal_year"),
        ("adopted", "adopted_year", "adopted_month"),
        "division",
        "predecessor",
        "purpose",
        "achievements",
        "progress_management",
        "table_notes",
        "continuation_mark",
        "definition",
    ]
    readonly_fields = ["definition"]
    inlines = [
        PlanColumnInline,
        RoadmapStageInline,
        RatingScaleInline,
        GoalInline,
        PlanReferenceInline,
        ManagementStepInline,
    ]

    @admin.display(description=_("計画期間"))
    def period_label(self, plan):
        return plan.period_label

    @admin.display(description=_("計画表の列の定義"))
    def definition(self, plan):
        if plan.pk is None:
            return "-"
        url = reverse("admin:plan_plan_definition", args=[plan.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("雛形やほかの計画から列と評価の尺度を写す"))

    def get_urls(self):
        view = self.admin_site.admin_view(self.definition_view)
        return [path("<int:plan_id>/definition/", view, name="plan_plan_definition"), *super().get_urls()]

    def definition_view(self, request, plan_id):
        """Copy the columns and rating scales of a preset or another plan into this plan: only the ones it does
        not have yet."""
        plan = get_object_or_404(Plan, pk=plan_id)
        if not self.has_change_permission(request, plan):
            raise PermissionDenied
        form = DefinitionSourceForm(request.POST or None, plan=plan)
        if request.method == "POST" and form.is_valid():
            columns, scales, roadmap = form.definition()
            added, kept = add_columns(plan, columns)
            if add_roadmap(plan, roadmap):
                messages.success(
                    request,
                    gettext("年次計画の段階を追加しました: %(stages)s")
                    % {"stages": "、".join(s["word"] for s in roadmap["stages"])},
                )
            added_scales, kept_scales = add_scales(plan, scales)
            if added_scales:
                messages.success(
                    request,
                    gettext("評価の尺度を追加しました: %(scales)s") % {"scales": "、".join(added_scales)},
                )
            if kept_scales:
                messages.info(
                    request,
                    gettext("同じ使い道の尺度がすでにあるため、そのままにしました: %(scales)s")
                    % {"scales": "、".join(kept_scales)},
                )
            if added:
                messages.success(
                    request, gettext("列を追加しました: %(columns)s") % {"columns": "、".join(added)}
                )
            if kept:
                messages.info(
                    request,
                    gettext("同じキーの列がすでにあるため、そのままにしました: %(columns)s")
                    % {"columns": "、".join(kept)},
                )
            return redirect("admin:plan_plan_change", plan.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("計画表の列と評価の尺度を写す"),
            "plan": plan,
            "form": form,
            "presets": presets().values(),
            "columns": plan.columns.all(),
            "scales": plan.scales.prefetch_related("words"),
            "stages": plan.stages.all(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/plan/plan/definition.html", context)


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ["term", "plan", "order"]
    list_filter = ["plan"]
    search_fields = ["term", "definition"]
    fields = ["plan", "order", "term", "definition"]


@admin.register(CitySettings)
class CitySettingsAdmin(admin.ModelAdmin):
    """One row: the city's names that pages, reports and open data print."""

    fields = ["city", "division", "committee", "headquarters", "open_data_licence", "open_data_licence_url"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not CitySettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from plan.models import GlossaryTerm, Goal, ManagementStep, Plan, PlanReference


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
    ]
    inlines = [GoalInline, PlanReferenceInline, ManagementStepInline]

    @admin.display(description=_("計画期間"))
    def period_label(self, plan):
        return plan.period_label


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ["term", "plan", "order"]
    list_filter = ["plan"]
    search_fields = ["term", "definition"]
    fields = ["plan", "order", "term", "definition"]

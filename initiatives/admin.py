from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from initiatives import admin_import
from initiatives.models import Department, Evaluation, Initiative, RoadmapCell


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
    "basic_plan_section",
    "public_private_data",
    "municipal_dx",
    "target_stage",
    "goals",
    "department",
    "carried_from",
    "source_note",
]


class InitiativeAdminForm(forms.ModelForm):
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


@admin.register(Initiative)
class InitiativeAdmin(SimpleHistoryAdmin):
    form = InitiativeAdminForm
    list_display = ["number", "name", "plan", "is_new", "department", "public_private_data", "municipal_dx"]
    list_display_links = ["number", "name"]
    list_filter = ["plan", "goals", "department", "is_new", "public_private_data", "municipal_dx"]
    search_fields = ["name", "description"]
    list_select_related = ["plan", "department"]
    ordering = ["plan__ordinal", "number"]
    fields = FIELDS
    filter_horizontal = ["goals", "carried_from"]
    inlines = [RoadmapCellInline, EvaluationInline]
    change_list_template = "admin/initiatives/initiative/change_list.html"

    def get_urls(self):
        def wrap(view):
            def guarded(request):
                if not (self.has_add_permission(request) and self.has_change_permission(request)):
                    raise PermissionDenied
                return view(self, request)

            return self.admin_site.admin_view(guarded)

        return [
            path("import/", wrap(admin_import.import_view), name="initiatives_initiative_import"),
            path(
                "import/confirm/",
                wrap(admin_import.import_confirm_view),
                name="initiatives_initiative_import_confirm",
            ),
            *super().get_urls(),
        ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "carried_from":
            kwargs["queryset"] = Initiative.objects.select_related("plan").order_by("plan__ordinal", "number")
        if db_field.name == "goals":
            kwargs["queryset"] = db_field.related_model.objects.select_related("plan")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    fields = ["name", "members"]
    filter_horizontal = ["members"]

"""一括取込: one admin page listing every import, with what each file holds and a template to download."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from initiatives.models import Initiative

# The admins of the bulk imports, in the order a city adopting the application fills them in.
BULK_IMPORTS = [
    ("auth", "user"),
    ("initiatives", "department"),
    ("onboarding", "initiativedepartment"),
    ("onboarding", "carryover"),
    ("reviews", "pastresult"),
]


def _admin_of(app_label, model_name):
    for model, model_admin in admin.site._registry.items():
        if (model._meta.app_label, model._meta.model_name) == (app_label, model_name):
            return model_admin
    return None


def _help_of(model_admin, request):
    # A CityImportExportMixin admin words its help for the request (the users' help names the role groups).
    if hasattr(model_admin, "city_import_context"):
        return model_admin.city_import_context(request, {})["import_help"]
    return getattr(model_admin, "import_help", "")


def bulk_import_view(request):
    imports = []
    plan_admin = admin.site._registry.get(Initiative)
    if plan_admin and plan_admin.has_add_permission(request) and plan_admin.has_change_permission(request):
        imports.append(
            {
                "title": _("計画表（xlsx）"),
                "help": _(
                    "計画書の個別計画と年次計画の表（計画ごと）。見出しの読み方が分からない列は、取込の画面で尋ねます。"
                ),
                "columns": [],
                "import_url": reverse("admin:initiatives_initiative_import"),
                "export_url": reverse("admin:initiatives_initiative_import"),
                "export_label": _("書き出しは取込の画面から（計画ごと）"),
            }
        )
    for app_label, model_name in BULK_IMPORTS:
        model_admin = _admin_of(app_label, model_name)
        if model_admin is None or not model_admin.has_import_permission(request):
            continue
        resource = model_admin.get_import_resource_classes(request)[0]()
        imports.append(
            {
                "title": model_admin.model._meta.verbose_name,
                "help": _help_of(model_admin, request),
                "columns": [f.column_name for f in resource.get_user_visible_fields()],
                "import_url": reverse(f"admin:{app_label}_{model_name}_import"),
                "export_url": reverse(f"admin:{app_label}_{model_name}_export"),
                "export_label": _("いまの内容を書き出す（雛形）"),
            }
        )
    if not imports:
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": _("一括取込"),
        "imports": imports,
        "format_help": _(
            "xlsx（1枚目のシート）か CSV（UTF-8・BOM 付き UTF-8・Shift_JIS、自動で判別）。1行目が見出しです。"
        ),
    }
    return TemplateResponse(request, "admin/onboarding/bulk_import.html", context)

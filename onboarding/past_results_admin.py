"""過去の年度の結果 in the admin: the bulk import of past years (reviews.past_years does the work), here with the
other bulk imports because it reads files with their readers (onboarding.formats) and lists on 一括取込."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import XLSX

from onboarding import formats
from onboarding.admin import CityImportExportMixin, import_page_context
from plan.eras import fiscal_year_label
from reviews import roles
from reviews.models import PastResult
from reviews.past_results import (
    PastResultResource,
    published_entries,
    refusal_messages,
    xlsx_file,
)


@admin.register(PastResult)
class PastResultAdmin(ImportExportModelAdmin):
    """「過去の年度の結果」: the published years' results, read only here; import (upload → preview → confirm)
    makes the years a city surveyed before it had the application (reviews.past_years)."""

    resource_classes = [PastResultResource]
    import_template_name = "admin/reviews/pastresult/import.html"
    # The bulk imports' readers: an xlsx checked for hostile content before openpyxl parses it, a CSV in
    # UTF-8 (with or without BOM) or Shift_JIS, detected; blank rows left out but counted in row numbers.
    import_formats = [formats.CityXLSX, formats.CityCSV]
    export_formats = [formats.CityXLSX, formats.CityCSV, formats.CityJSON]
    import_help = gettext_lazy(
        "1行に1つの個別計画と年度（計画・年度・項番・実施状況・評価の語・取組内容・課題・指標の実績値・公表日）。"
        "その年度を公開済みの調査として作成します。"
    )
    # Each year's cycle, entries, publication and audit trail record the import (who, when, which file); the
    # rows of the preview are not saved as such, so there is nothing for the admin's log to point to.
    skip_admin_log = True
    list_display = ["cycle", "initiative", "stage_reached", "progress", "achievement", "direction"]
    list_filter = ["cycle__plan", "cycle__fiscal_year", "cycle__imported"]
    list_select_related = ["cycle__plan", "initiative__plan"]
    search_fields = ["initiative__name", "actions"]

    def add_data_read_fail_error_to_form(self, form, exc):
        # The readers' own words for a file they refuse (too large, macros, not UTF-8 or Shift_JIS…).
        CityImportExportMixin.add_data_read_fail_error_to_form(self, form, exc)

    def import_action(self, request, **kwargs):
        # The page of the other bulk imports (onboarding.admin), in their words.
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse):
            context = response.context_data
            context.update(import_page_context(self.model, context.get("result")))
        return response

    def get_export_data(self, file_format, request, queryset, **kwargs):
        """xlsx: text stays text (a leading = is not a formula); CSV: a formula-like text gets the open data's
        apostrophe; JSON keyed by the headers. The xlsx and the CSV import back as they were."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        # Numbers as numbers (計画, 項番) in every format.
        data = self.get_data_for_export(request, queryset, force_native_type=True, **kwargs)
        if isinstance(file_format, XLSX):
            return xlsx_file(data)
        # onboarding.formats: the CSV with its BOM and the apostrophe before formula-like text, the JSON keyed
        # by the headers.
        content = file_format.export_data(data)
        return content.encode("utf-8") if isinstance(content, str) else content

    def process_result(self, result, request):
        # Confirming can still be refused (someone made one of the years meanwhile): say why, and nothing is
        # written; import-export would report a refused import as finished.
        if result.has_errors() or result.has_validation_errors():
            for message in refusal_messages(result):
                messages.error(request, message)
            return HttpResponseRedirect(reverse("admin:reviews_pastresult_import"))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        # In place of import-export's count of rows: what became of the years.
        created = getattr(result, "past_created", [])
        if not created:
            messages.info(
                request, _("変更はありませんでした。ファイルの年度はすべて取り込み済みで、同じ内容です。")
            )
            return
        messages.success(
            request,
            _(
                "%(years)sを公開済みの調査として作成しました。公開するファイル（PDF など）はワーカーが作成します。"
            )
            % {"years": "、".join(fiscal_year_label(c.fiscal_year) for c in created)},
        )

    def get_queryset(self, request):
        return published_entries()

    def has_import_permission(self, request):
        return roles.is_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

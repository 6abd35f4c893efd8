from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, JSON, XLSX
from import_export.forms import ImportForm

from plan.eras import fiscal_year_label
from reviews import roles
from reviews.models import PastResult
from reviews.past_results import (
    PastResultResource,
    csv_safe,
    published_entries,
    refusal_messages,
    xlsx_file,
)
from workbooks import WorkbookError, check_xlsx_file


class PastResultImportForm(ImportForm):
    """An xlsx is checked as every workbook the application reads is (size, zip expansion, macros, XML
    entities) before tablib opens it with openpyxl."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats

    def clean(self):
        cleaned = super().clean()
        upload, chosen = cleaned.get("import_file"), cleaned.get("format")
        if upload is None or chosen in (None, ""):
            return cleaned
        if issubclass(self.formats[int(chosen)], XLSX):
            data = upload.read()
            upload.seek(0)
            try:
                check_xlsx_file(data)
            except WorkbookError as refused:
                self.add_error("import_file", refused.messages)
        return cleaned


@admin.register(PastResult)
class PastResultAdmin(ImportExportModelAdmin):
    """「過去の年度の結果」: the published years' results, read only here; import (upload → preview → confirm)
    makes the years a city surveyed before it had the application (reviews.past_years)."""

    resource_classes = [PastResultResource]
    import_form_class = PastResultImportForm
    import_template_name = "admin/reviews/pastresult/import.html"
    formats = [XLSX, CSV]
    import_formats = [XLSX, CSV]
    export_formats = [XLSX, CSV, JSON]
    to_encoding = "utf-8-sig"  # CSV with a BOM, which Excel on Japanese Windows opens as UTF-8
    # Each year's cycle, entries, publication and audit trail record the import (who, when, which file); the
    # rows of the preview are not saved as such, so there is nothing for the admin's log to point to.
    skip_admin_log = True
    list_display = ["cycle", "initiative", "stage_reached", "progress", "achievement", "direction"]
    list_filter = ["cycle__plan", "cycle__fiscal_year", "cycle__imported"]
    list_select_related = ["cycle__plan", "initiative__plan"]
    search_fields = ["initiative__name", "actions"]

    def get_export_data(self, file_format, request, queryset, **kwargs):
        """xlsx: text stays text (a leading = is not a formula); CSV: a formula-like text gets the open data's
        apostrophe; JSON as import-export writes it. The xlsx and the CSV import back as they were."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        # Numbers as numbers (計画, 項番) in every format.
        data = self.get_data_for_export(request, queryset, force_native_type=True, **kwargs)
        if isinstance(file_format, XLSX):
            return xlsx_file(data)
        if isinstance(file_format, CSV):
            data = csv_safe(data)
        return file_format.export_data(data).encode(kwargs.get("encoding") or self.to_encoding)

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

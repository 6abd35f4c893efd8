"""Bulk imports and exports in the Django admin, on django-import-export, the city's way.

CityImportExportMixin is what an admin adds to get them:

    @admin.register(Thing)
    class ThingAdmin(CityImportExportMixin, admin.ModelAdmin):
        resource_classes = [ThingResource]      # a CityResource subclass (onboarding.resources)
        import_help = gettext_lazy("…")          # one line: what the file holds (shown on 一括取込 and the import)

and lists itself on the 一括取込 page by adding the admin to BULK_IMPORTS (onboarding/views.py) if it should.
What the mixin gives: xlsx and CSV imports (CSV in UTF-8, UTF-8 with BOM or Shift_JIS, detected), the
hostile-file checks of the plan import, upload → preview → confirm with the file staged for its uploader only,
all-or-nothing imports whose errors name row and column in Japanese, exports (xlsx, CSV with BOM, JSON) in
exactly the columns the import reads, an admin log entry per record and an audit event per import.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportMixin
from import_export.forms import ExportForm
from import_export.results import RowResult

from audit.models import AuditKind
from audit.trail import record
from initiatives.models import Department
from onboarding import formats, models
from onboarding.departments import DepartmentResource
from onboarding.initiatives_links import CarryOverResource, InitiativeDepartmentResource
from onboarding.staging import UserStagedFile
from onboarding.users import UserResource, send_password_links
from workbooks import WorkbookError

User = get_user_model()

ROW_WORDS = {
    RowResult.IMPORT_TYPE_NEW: gettext_lazy("新規"),
    RowResult.IMPORT_TYPE_UPDATE: gettext_lazy("更新"),
    RowResult.IMPORT_TYPE_SKIP: gettext_lazy("変更なし"),
}


def import_page_context(model, result=None):
    """What every bulk import's page (admin/onboarding/import.html) shows: its title, the formats it reads, the way
    back to 一括取込 and, with a preview, its rows counted 新規・更新・変更なし."""
    context = {
        "title": _("%(what)sの取込") % {"what": model._meta.verbose_name},
        "format_help": formats.FORMAT_HELP,
        "bulk_import_url": reverse("onboarding_bulk_import"),
    }
    if result is not None:
        context["row_words"] = ROW_WORDS
        context["totals"] = {ROW_WORDS[kind]: result.totals[kind] for kind in ROW_WORDS}
    return context


class CityImportExportMixin(ImportExportMixin):
    import_formats = formats.IMPORT_FORMATS
    export_formats = formats.EXPORT_FORMATS
    import_template_name = "admin/onboarding/import.html"
    export_template_name = "admin/onboarding/export.html"
    import_export_change_list_template = "admin/onboarding/change_list.html"
    # The exported columns are the import's, always: no choosing of columns that would break the round trip.
    export_form_class = ExportForm
    tmp_storage_class = UserStagedFile
    import_help = ""

    # --- Who may -----------------------------------------------------------------------------------

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    # --- Upload and preview ------------------------------------------------------------------------

    def write_to_tmp_storage(self, import_file, input_format):
        # One byte over the limit is enough for the file checks to refuse it, with their own message.
        data = import_file.read(settings.SPREADSHEET_MAX_BYTES + 1)
        storage = UserStagedFile()
        storage.save(data)
        return storage

    def add_data_read_fail_error_to_form(self, form, exc):
        if isinstance(exc, WorkbookError):
            for message in exc.messages:
                form.add_error("import_file", message)
        else:
            form.add_error("import_file", formats.CANNOT_READ)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse):
            response.context_data.update(self.city_import_context(request, response.context_data))
        return response

    def city_import_context(self, request, context):
        result = context.get("result")
        extra = {
            **import_page_context(self.model, result),
            "import_help": self.import_help,
            "password_note": self.password_note(),
        }
        if result is not None:
            extra["city_errors"] = getattr(result, "city_errors", [])
        return extra

    def password_note(self):
        return ""

    # --- Confirm ------------------------------------------------------------------------------------

    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_confirm_form(request)
        if form.is_valid():
            staged = UserStagedFile(name=form.cleaned_data["import_file_name"])
            if not staged.exists():
                messages.error(
                    request,
                    _(
                        "確認待ちのファイルが見つかりません（期限切れか取込済み）。もう一度ファイルを選んでください。"
                    ),
                )
                return HttpResponseRedirect(self.import_url())
        return super().process_import(request, **kwargs)

    def process_dataset(self, dataset, form, request, **kwargs):
        result = super().process_dataset(dataset, form, request, **kwargs)
        result.file_name = form.cleaned_data.get("original_file_name", "")[:255]
        return result

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # Something changed between the preview and the confirmation: nothing was written.
            for error in getattr(result, "city_errors", [])[:20]:
                messages.error(request, self.error_line(error))
            messages.error(request, _("誤りがあるため、何も取り込んでいません。"))
            return HttpResponseRedirect(self.import_url())
        self.generate_log_entries(result, request)
        totals = {kind: result.totals[kind] for kind in ROW_WORDS}
        detail = _("一括取込（%(what)s）: %(file)s（新規 %(new)s・更新 %(update)s・変更なし %(skip)s）") % {
            "what": self.model._meta.verbose_name,
            "file": getattr(result, "file_name", ""),
            "new": totals[RowResult.IMPORT_TYPE_NEW],
            "update": totals[RowResult.IMPORT_TYPE_UPDATE],
            "skip": totals[RowResult.IMPORT_TYPE_SKIP],
        }
        record(AuditKind.ADMIN_CHANGE, request=request, detail=detail)
        messages.success(request, detail)
        self.after_city_import(request, result)
        return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))

    def after_city_import(self, request, result):
        """What a subclass does once the import is written (mail new users, …)."""

    @staticmethod
    def error_line(error):
        if error["row"] and error["column"]:
            return _("%(row)s行目「%(column)s」: %(message)s") % error
        if error["row"]:
            return _("%(row)s行目: %(message)s") % error
        return error["message"]

    def generate_log_entries(self, result, request):
        flags = {
            RowResult.IMPORT_TYPE_NEW: (ADDITION, _("一括取込で追加")),
            RowResult.IMPORT_TYPE_UPDATE: (CHANGE, _("一括取込で変更")),
        }
        file_name = getattr(result, "file_name", "")
        for row in result:
            if row.import_type in flags and row.instance is not None:
                flag, message = flags[row.import_type]
                LogEntry.objects.log_actions(
                    request.user.pk,
                    [row.instance],
                    flag,
                    change_message=f"{message}（{file_name}）",
                    single_object=True,
                )

    def import_url(self):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")

    def get_export_filename(self, request, queryset, file_format):
        return f"{self.opts.model_name}.{file_format.get_extension()}"


@admin.register(Department)
class DepartmentAdmin(CityImportExportMixin, admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    fields = ["name", "members"]
    filter_horizontal = ["members"]
    resource_classes = [DepartmentResource]
    import_help = gettext_lazy(
        "課名と、所属する利用者のユーザー名（「、」・コンマ・セル内の改行で区切る）。"
        "所属の欄は課の所属者全体です（書かれていない人は課から外れます）。利用者を先に取り込んでください。"
    )


class CityUserAdmin(CityImportExportMixin, UserAdmin):
    resource_classes = [UserResource]
    import_help = gettext_lazy(
        "ユーザー名、氏名、メールアドレス、役割（%(roles)s を「、」で区切る）、担当課、有効（はい・いいえ）。"
        "パスワードは書きません。"
    )

    def city_import_context(self, request, context):
        extra = super().city_import_context(request, context)
        from onboarding.users import role_groups

        extra["import_help"] = self.import_help % {"roles": "・".join(g.name for g in role_groups().values())}
        return extra

    def password_note(self):
        if settings.PASSWORD_RESET_ENABLED:
            return _(
                "新しい利用者には、パスワードを設定するリンクをメールで送ります（メールアドレスのある人）。"
            )
        return _(
            "メールの送信が設定されていないため、新しい利用者はパスワードなしで作られます。"
            "取込のあと、管理画面の各利用者の「パスワードを設定」で設定してください。"
        )

    def after_city_import(self, request, result):
        created = [row.instance for row in result if row.import_type == RowResult.IMPORT_TYPE_NEW]
        mailed = send_password_links(request, created)
        if mailed:
            messages.info(
                request, _("%(count)s人にパスワード設定のメールを送りました。") % {"count": len(mailed)}
            )
        elif created:
            messages.warning(request, self.password_note())


admin.site.unregister(User)
admin.site.register(User, CityUserAdmin)


@admin.register(models.InitiativeDepartment)
class InitiativeDepartmentAdmin(CityImportExportMixin, admin.ModelAdmin):
    resource_classes = [InitiativeDepartmentResource]
    list_display = ["number", "name", "plan", "department"]
    list_filter = ["plan", "department"]
    list_select_related = ["plan", "department"]
    ordering = ["plan__ordinal", "number"]
    # Shown here, changed by the import or in the initiative's own page (which keeps its change history).
    fields = ["plan", "number", "name", "department"]
    readonly_fields = fields
    import_help = gettext_lazy(
        "計画（次数）、項番、個別計画名（確認用、読みません）、担当課。担当課だけを変えます。"
        "個別計画を作ったり名前を変えたりはしません。"
    )

    def has_add_permission(self, request):
        return False  # initiatives come from the plan table; here only their department changes

    def has_import_permission(self, request):
        return self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.CarryOver)
class CarryOverAdmin(CityImportExportMixin, admin.ModelAdmin):
    resource_classes = [CarryOverResource]
    list_display = ["number", "name", "plan", "continues"]
    list_filter = ["plan"]
    ordering = ["plan__ordinal", "number"]
    # Shown here, added by the import; removed in the initiative's own page (which keeps its change history).
    fields = ["plan", "number", "name", "carried_from"]
    readonly_fields = fields
    import_help = gettext_lazy(
        "1行に1つの継続：前計画（次数）、前計画の項番、次の計画（次数）、次の計画の項番。"
        "ファイルは継続を加えるだけで、外しません（外すのは個別計画の画面で）。"
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(plan__predecessor__isnull=False)
            .select_related("plan")
            .prefetch_related("carried_from__plan")
        )

    @admin.display(description=gettext_lazy("継続元（前計画の項目）"))
    def continues(self, obj):
        return "、".join(f"{i.plan.ordinal}-{i.number}" for i in obj.carried_from.all()) or "-"

    def has_add_permission(self, request):
        return False

    def has_import_permission(self, request):
        return self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


# Registered here, where Django's admin autodiscovery looks; its own module keeps it apart.
from onboarding import past_results_admin  # noqa: E402, F401

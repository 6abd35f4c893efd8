"""The administrator's plan import in the Django admin: upload, preview every change and error, confirm.

The preview runs the real import and rolls it back, so it shows exactly what confirming will write.
Between the two steps the uploaded file waits in IMPORT_STAGING_DIR under a random name.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from initiatives import staging
from initiatives.forms import PlanImportConfirmForm, PlanImportForm
from initiatives.importing import apply_rows, record_import
from initiatives.spreadsheet import read_plan_workbook
from plan.models import Plan
from workbooks import WorkbookError

logger = logging.getLogger(__name__)


def import_view(model_admin, request):
    context = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta}
    context["title"] = _("計画表（xlsx）の取込")
    context["exportable_plans"] = (
        Plan.objects.filter(initiatives__isnull=False).distinct().order_by("-ordinal")
    )
    form = PlanImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        plan, upload = form.cleaned_data["plan"], form.cleaned_data["file"]
        # One byte over the limit is enough for the file checks to refuse it, with their own message.
        data = upload.read(settings.SPREADSHEET_MAX_BYTES + 1)
        try:
            result = apply_rows(plan, read_plan_workbook(data, plan), dry_run=True)
        except WorkbookError as exc:
            context.update(form=form, errors=exc.messages, file_name=upload.name)
            return TemplateResponse(request, "admin/initiatives/import.html", context, status=400)
        confirm = PlanImportConfirmForm(
            initial={
                "plan": plan.pk,
                "token": staging.stage(data, request.user, "plan"),
                "file_name": upload.name[:255],
            }
        )
        context.update(plan=plan, result=result, confirm_form=confirm, file_name=upload.name)
        return TemplateResponse(request, "admin/initiatives/import_preview.html", context)
    context["form"] = form
    return TemplateResponse(request, "admin/initiatives/import.html", context)


def import_confirm_view(model_admin, request):
    if request.method != "POST":
        return redirect("admin:initiatives_initiative_import")
    form = PlanImportConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("取込の確認に必要な情報が正しくありません。もう一度ファイルを選んでください。")
        )
        return redirect("admin:initiatives_initiative_import")
    plan, token = form.cleaned_data["plan"], form.cleaned_data["token"]
    data = staging.fetch(token, request.user, "plan")
    if data is None:
        messages.error(
            request,
            _("確認待ちのファイルが見つかりません（期限切れか取込済み）。もう一度ファイルを選んでください。"),
        )
        return redirect("admin:initiatives_initiative_import")
    file_name = form.cleaned_data["file_name"]
    try:
        with transaction.atomic():
            result = apply_rows(
                plan,
                read_plan_workbook(data, plan),
                user=request.user,
                reason=_("計画表（xlsx）の取込: %(file)s") % {"file": file_name},
            )
            record_import(plan, f"管理画面から {file_name}", result, request=request)
    except WorkbookError as exc:
        # The stored data changed since the preview in a way the file no longer fits.
        for message in exc.messages:
            messages.error(request, message)
        return redirect("admin:initiatives_initiative_import")
    finally:
        staging.discard(token, request.user, "plan")
    logger.info(
        "plan import by %s: plan %s, file %s: %s",
        request.user.get_username(),
        plan.ordinal,
        file_name,
        result.summary(),
    )
    messages.success(
        request,
        _("%(file)s を%(plan)sに取り込みました。%(summary)s")
        % {"file": file_name, "plan": plan.title, "summary": result.summary()},
    )
    return redirect(f"{reverse('admin:initiatives_initiative_changelist')}?plan__id__exact={plan.pk}")

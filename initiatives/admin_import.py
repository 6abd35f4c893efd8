"""The administrator's plan import in the Django admin: upload, preview every change and error, confirm.

The preview runs the real import and rolls it back, so it shows exactly what confirming will write.
Between the two steps the uploaded file waits in IMPORT_STAGING_DIR under a random name. Confirming hands
the file to the task worker (initiatives.tasks), and the administrator follows the import on its job's page.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.models import AuditKind
from audit.trail import record
from background import jobs
from background.jobs import job_context, requesters_job
from initiatives import staging, tasks
from initiatives.forms import ImportMappingForm, PlanImportConfirmForm, PlanImportForm
from initiatives.importing import apply_rows
from initiatives.models import ImportProfile
from initiatives.spreadsheet import UnknownHeaders, read_plan_workbook, target_choices
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
        except UnknownHeaders as exc:
            token = staging.stage(data, request.user, "plan")
            return _mapping_page(request, context, plan, token, upload.name[:255], exc)
        except WorkbookError as exc:
            context.update(form=form, errors=exc.messages, file_name=upload.name)
            return TemplateResponse(request, "admin/initiatives/import.html", context, status=400)
        token = staging.stage(data, request.user, "plan")
        return _preview_page(request, context, plan, token, upload.name[:255], result)
    context["form"] = form
    return TemplateResponse(request, "admin/initiatives/import.html", context)


def _preview_page(request, context, plan, token, file_name, result):
    confirm = PlanImportConfirmForm(initial={"plan": plan.pk, "token": token, "file_name": file_name})
    context.update(plan=plan, result=result, confirm_form=confirm, file_name=file_name)
    return TemplateResponse(request, "admin/initiatives/import_preview.html", context)


def _mapping_page(request, context, plan, token, file_name, unknown, form=None, status=200):
    """The sheet's header rows with a proposed reading of each column, to correct and save for the plan."""
    if form is None:
        form = ImportMappingForm(
            initial={"plan": plan.pk, "token": token, "file_name": file_name},
            columns=unknown.columns,
            choices=target_choices(plan),
        )
    rows = [{"column": c, "field": form[f"col_{c['index']}"]} for c in unknown.columns]
    context.update(
        plan=plan, file_name=file_name, unknown=unknown, mapping_form=form, rows=rows, title=_("見出しの対応")
    )
    return TemplateResponse(request, "admin/initiatives/import_mapping.html", context, status=status)


def import_mapping_view(model_admin, request):
    """Save the administrator's mapping as the plan's import profile, then preview the staged file with it."""
    context = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta}
    if request.method != "POST":
        return redirect("admin:initiatives_initiative_import")
    base = PlanImportConfirmForm(request.POST)
    data = _staged(request, base)
    if data is None:
        return redirect("admin:initiatives_initiative_import")
    plan, token = base.cleaned_data["plan"], base.cleaned_data["token"]
    file_name = base.cleaned_data["file_name"]
    try:
        read_plan_workbook(data, plan)
        unknown = None
    except UnknownHeaders as exc:
        unknown = exc
    except WorkbookError:
        unknown = None
    if unknown is None:
        # The file reads as it is (someone saved a mapping meanwhile): straight to the preview.
        return _preview_or_errors(request, context, plan, token, file_name, data)
    form = ImportMappingForm(request.POST, columns=unknown.columns, choices=target_choices(plan))
    if not form.is_valid():
        return _mapping_page(request, context, plan, token, file_name, unknown, form=form, status=400)
    with transaction.atomic():
        profile, _created = ImportProfile.objects.select_for_update().get_or_create(plan=plan)
        profile.mapping = {**profile.mapping, **form.mapping()}
        profile.updated_by = request.user
        profile.save()
        record(
            AuditKind.PLAN_IMPORT,
            request=request,
            obj=plan,
            detail=f"取込の見出しの対応を保存: {file_name}（{len(form.mapping())}列）",
        )
    return _preview_or_errors(request, context, plan, token, file_name, data)


def _preview_or_errors(request, context, plan, token, file_name, data):
    context["title"] = _("計画表（xlsx）の取込")
    try:
        result = apply_rows(plan, read_plan_workbook(data, plan), dry_run=True)
    except UnknownHeaders as exc:
        return _mapping_page(request, context, plan, token, file_name, exc, status=400)
    except WorkbookError as exc:
        staging.discard(token, request.user, "plan")
        context.update(
            form=PlanImportForm(initial={"plan": plan.pk}), errors=exc.messages, file_name=file_name
        )
        return TemplateResponse(request, "admin/initiatives/import.html", context, status=400)
    return _preview_page(request, context, plan, token, file_name, result)


def _staged(request, form):
    """The file staged for the user under the form's token, or None with the message saying it is gone."""
    data = staging.fetch(form.cleaned_data["token"], request.user, "plan") if form.is_valid() else None
    if data is None:
        messages.error(
            request,
            _("確認待ちのファイルが見つかりません（期限切れか取込済み）。もう一度ファイルを選んでください。"),
        )
    return data


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
    data = _staged(request, form)
    if data is None:
        return redirect("admin:initiatives_initiative_import")
    file_name = form.cleaned_data["file_name"]
    staging.discard(token, request.user, "plan")
    # Recorded here, with the request's address; the worker records what the import changed.
    record(AuditKind.PLAN_IMPORT, request=request, obj=plan, detail=f"取込を受付: {file_name}")
    # The import runs in the task worker, with the file; the administrator follows it on the job's page.
    job = jobs.start(
        tasks.import_plan_table,
        # One job per upload: a second file confirmed while the first waits is a second import, never dropped.
        key=f"plan_import:{plan.pk}:{token}",
        label=gettext_noop("%(file)s を%(plan)sに取り込む"),
        text_args={"file": file_name, "plan": plan.title},
        user=request.user,
        args=(plan.pk, request.user.pk, file_name),
        source=data,
    )
    logger.info(
        "plan import by %s: plan %s, file %s: job %s",
        request.user.get_username(),
        plan.ordinal,
        file_name,
        job.pk,
    )
    return redirect("admin:initiatives_initiative_import_job", job.pk)


def import_job_view(model_admin, request, job_id):
    """The import's progress and result, in the admin."""
    job = requesters_job(request, job_id)
    context = {
        **model_admin.admin_site.each_context(request),
        **job_context(job),
        "opts": model_admin.model._meta,
        "title": _("計画表（xlsx）の取込"),
        "crumbs": [
            {
                "label": model_admin.model._meta.verbose_name_plural,
                "url": reverse("admin:initiatives_initiative_changelist"),
            },
            {"label": _("計画表（xlsx）の取込"), "url": reverse("admin:initiatives_initiative_import")},
        ],
    }
    return TemplateResponse(request, "admin/background/job.html", context)

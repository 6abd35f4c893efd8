"""The plan table's import, done by the task worker (django-tasks) once the administrator confirms it.

The file comes with the job (background.Job.source), so a worker on another machine has it. The import is
all or nothing, as in the preview: read, checked, then written in one transaction.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from background import jobs
from initiatives.importing import apply_rows, record_import
from initiatives.spreadsheet import read_plan_workbook
from plan.models import Plan
from workbooks import WorkbookError


@task()
def import_plan_table(job_id, plan_id, user_id, file_name):
    jobs.run(job_id, lambda job_id: _import(job_id, plan_id, user_id, file_name))


def _import(job_id, plan_id, user_id, file_name):
    plan = Plan.objects.get(pk=plan_id)
    user = get_user_model().objects.get(pk=user_id)
    changelist = reverse("admin:initiatives_initiative_changelist")
    again = {
        "label": gettext_noop("計画表の取込に戻る"),
        "url": reverse("admin:initiatives_initiative_import"),
    }
    args = {"file": file_name, "plan": plan.title}
    jobs.running(job_id, gettext_noop("計画表を読み込んでいます"), total=2)
    try:
        rows = read_plan_workbook(jobs.source_of(job_id), plan)
        jobs.progress(
            job_id,
            gettext_noop("%(count)s件の個別計画を書き込んでいます"),
            1,
            text_args={**args, "count": len(rows)},
        )
        with transaction.atomic():
            result = apply_rows(
                plan, rows, user=user, reason=_("計画表（xlsx）の取込: %(file)s") % {"file": file_name}
            )
            record_import(plan, f"管理画面から {file_name}", result, user=user)
    except WorkbookError as exc:
        # The stored data changed since the preview in a way the file no longer fits: nothing was written.
        jobs.failed(
            job_id,
            gettext_noop("取り込めませんでした。何も変更していません。\n%(errors)s"),
            links=[again],
            text_args={**args, "errors": "\n".join(exc.messages)},
        )
        return
    jobs.done(
        job_id,
        gettext_noop("%(file)s を%(plan)sに取り込みました。%(summary)s"),
        links=[{"label": gettext_noop("個別計画の一覧へ"), "url": f"{changelist}?plan__id__exact={plan.pk}"}],
        text_args={**args, "summary": result.summary()},
    )

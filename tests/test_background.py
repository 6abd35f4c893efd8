"""Long work through the real task queue: the database backend of django-tasks and its worker command.

Elsewhere the tests run each task at once (conftest); here a request only enqueues it, the requester's page
says so, and the work happens when `db_worker` runs: in this process on both databases, and as a process of
its own on PostgreSQL, as production runs it.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from background.models import Job
from reviews.models import CycleState, Publication
from tests.jobs import job_of, job_page
from tests.personas import make_user, open_cycle
from tests.test_publication import deliberated  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def work_the_queue():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def test_a_report_file_waits_for_the_worker_and_then_downloads(client, seeded, plan5, queue):
    cycle = open_cycle(plan5, 2024, make_user("admin"))
    client.force_login(make_user("committee"))

    response = client.get(reverse("reviews:report_file", args=[cycle.pk, "xlsx"]))

    job = job_of(response)
    assert job.state == "queued" and DBTaskResult.objects.count() == 1
    waiting = job_page(client, response).content.decode()
    assert "待機中" in waiting and '<meta http-equiv="refresh" content="2">' in waiting
    assert f"/jobs/{job.pk}/file" not in waiting
    # Asking again while it waits is the same job, not a second piece of work.
    assert job_of(client.get(reverse("reviews:report_file", args=[cycle.pk, "xlsx"]))) == job

    work_the_queue()

    done = job_page(client, response).content.decode()
    assert "完了" in done and "http-equiv" not in done
    file = client.get(f"/jobs/{job.pk}/file")
    assert file.content[:2] == b"PK"
    assert file["Content-Disposition"] == 'attachment; filename="report-5-2024.xlsx"'
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_publishing_happens_in_the_worker(client, deliberated, admin, queue):  # noqa: F811
    client.force_login(admin)
    response = client.post(reverse("reviews:cycle_step", args=[deliberated.pk]), {"step": "publish"})
    assert not Publication.objects.exists()
    assert "待機中" in job_page(client, response).content.decode()

    work_the_queue()

    deliberated.refresh_from_db()
    assert deliberated.state == CycleState.PUBLISHED
    publication = Publication.objects.get()
    assert set(publication.files.values_list("format", flat=True)) == {"html", "pdf", "xlsx", "csv", "json"}
    page = job_page(client, response).content.decode()
    assert "を公開しました。" in page and reverse("published:report", args=[5, 2025]) in page


def test_a_pdf_too_large_publishes_nothing_and_says_so(client, deliberated, admin, queue, settings):  # noqa: F811
    settings.REPORT_PDF_MAX_BYTES = 1000
    client.force_login(admin)
    response = client.post(reverse("reviews:cycle_step", args=[deliberated.pk]), {"step": "publish"})

    work_the_queue()

    deliberated.refresh_from_db()
    assert deliberated.state == CycleState.HEADQUARTERS_DONE and not Publication.objects.exists()
    page = job_page(client, response).content.decode()
    assert (
        "失敗" in page
        and "報告のPDFを作成できなかった（大きすぎるか時間がかかりすぎた）ため、公開していません。" in page
    )


def test_an_unforeseen_error_ends_the_job_with_a_message(client, seeded, plan5, queue, monkeypatch):
    from reviews import tasks

    def broken(cycle):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasks, "cycle_report", broken)
    cycle = open_cycle(plan5, 2024, make_user("admin"))
    client.force_login(make_user("committee"))
    response = client.get(reverse("reviews:report_file", args=[cycle.pk, "pdf"]))

    work_the_queue()

    assert job_of(response).state == "failed"
    page = job_page(client, response).content.decode()
    assert "処理中に予期しないエラーが起きたため、中止しました。" in page and "disk full" not in page
    assert DBTaskResult.objects.get().status == "FAILED"


def test_a_job_is_its_requesters_alone(client, seeded, plan5):
    cycle = open_cycle(plan5, 2024, make_user("admin"))
    client.force_login(make_user("committee"))
    job = job_of(client.get(reverse("reviews:report_file", args=[cycle.pk, "html"])))
    client.force_login(make_user("committee"))
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/file").status_code == 404
    client.logout()
    assert client.get(f"/jobs/{job.pk}/file")["Location"].startswith("/accounts/login/")
    client.force_login(job.requested_by)
    assert client.get(f"/jobs/{job.pk}/file").status_code == 200


def test_a_job_page_in_english(client, seeded, plan5):
    cycle = open_cycle(plan5, 2024, make_user("admin"))
    client.force_login(make_user("committee"))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("reviews:report_file", args=[cycle.pk, "html"]))
    page = job_page(client, response).content.decode()
    assert "Completed" in page and "Back to the progress report" in page


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="the test database of SQLite lives in this process: another process cannot see it",
)
def test_the_worker_command_as_its_own_process(client, seeded, plan5, queue):
    cycle = open_cycle(plan5, 2024, make_user("admin"))
    client.force_login(make_user("committee"))
    response = client.get(reverse("reviews:report_file", args=[cycle.pk, "pdf"]))
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "TASKS_IMMEDIATE": "0"}
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"]
    done = subprocess.run(command, env=env, cwd=settings.BASE_DIR, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    job = Job.objects.get(pk=job_of(response).pk)
    assert job.state == "done" and bytes(job.content).startswith(b"%PDF")


def test_finished_jobs_are_pruned_after_their_days(seeded, plan5):
    import datetime
    import io

    from django.utils import timezone

    user = make_user("committee")
    old = Job.objects.create(key="k", label="l", requested_by=user, state="done")
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - datetime.timedelta(days=8))
    recent = Job.objects.create(
        key="k", label="l", requested_by=user, state="done", finished_at=timezone.now()
    )
    waiting = Job.objects.create(key="k", label="l", requested_by=user)
    out = io.StringIO()
    call_command("prune_jobs", stdout=out)
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert "1件" in out.getvalue()


def test_a_confirmed_plan_import_runs_in_the_worker(admin_client, seeded, plan5, queue):
    from audit.models import AuditEvent, AuditKind
    from initiatives.models import Initiative
    from tests.test_admin_import import CONFIRM_URL, exported_workbook, upload

    data = exported_workbook(plan5, (7, "個別計画名", "市公式ホームページ等の拡充"))
    confirm = upload(admin_client, plan5, data).context["confirm_form"].initial
    response = admin_client.post(CONFIRM_URL, confirm)
    waiting = admin_client.get(response["Location"]).content.decode()
    assert "待機中" in waiting and "http-equiv" in waiting
    assert Initiative.objects.get(plan=plan5, number=7).name == "市公式ホームページ等の検討"

    work_the_queue()

    assert Initiative.objects.get(plan=plan5, number=7).name == "市公式ホームページ等の拡充"
    done = admin_client.get(response["Location"]).content.decode()
    assert "完了" in done and "更新 1件" in done
    job = Job.objects.get()
    assert job.source is None  # the upload is not kept once imported
    details = list(AuditEvent.objects.filter(kind=AuditKind.PLAN_IMPORT).values_list("detail", "ip_address"))
    assert any(d.startswith("取込を受付: plan.xlsx") and ip for d, ip in details)
    assert any(d.startswith("管理画面から plan.xlsx: 新規作成 0件、更新 1件") for d, _ip in details)


def test_two_files_confirmed_while_the_first_waits_are_two_imports(admin_client, seeded, plan5, queue):
    from initiatives.models import Initiative
    from tests.test_admin_import import CONFIRM_URL, exported_workbook, upload

    first = exported_workbook(plan5, (7, "個別計画名", "一つ目のファイルの名前"))
    second = exported_workbook(plan5, (8, "個別計画名", "二つ目のファイルの名前"))
    for data in (first, second):
        confirm = upload(admin_client, plan5, data).context["confirm_form"].initial
        admin_client.post(CONFIRM_URL, confirm)
    assert Job.objects.count() == 2

    work_the_queue()

    # Both ran, in order, each saying what it changed: the second file, a whole table read before the first
    # was imported, puts item 7 back as it states it.
    jobs = list(Job.objects.order_by("created_at"))
    assert [j.state for j in jobs] == ["done", "done"]
    assert "更新 1件" in jobs[0].args["summary"] and "更新 2件" in jobs[1].args["summary"]
    assert Initiative.objects.get(plan=plan5, number=8).name == "二つ目のファイルの名前"


def test_the_admin_index_names_the_workers_records_in_japanese(admin_client, seeded, plan5, queue):
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "ワーカーの実行記録" in index and "Tasks Database Backend" not in index
    cycle = open_cycle(plan5, 2024, make_user("admin"))
    admin_client.get(reverse("reviews:report_file", args=[cycle.pk, "xlsx"]))
    work_the_queue()
    page = admin_client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    html = page.content.decode()
    assert page.status_code == 200 and "実行記録" in html
    assert "依頼日時" in html and "成功" in html and "Enqueued at" not in html and "Task name" not in html

"""Starting long work in the background and reporting on it (the Job the requester's page shows).

start() is called by a view: it records the job and enqueues the task in one transaction, so the worker
never sees a task without its job, nor a job without its task. The task then calls running(), progress()
and done() or failed(). Each of these is its own short write outside any transaction of the work, so the
requester's page sees progress while the work goes on.
"""

import logging

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_noop

from background.models import UNFINISHED, Job, JobState

logger = logging.getLogger(__name__)

# How often an unfinished job's page asks again (seconds).
REFRESH_SECONDS = 2


def start(task, *, key, label, user, args=(), text_args=None, source=None):
    """The job for this work: the requester's unfinished one with the same key, or a new one, enqueued.

    label (and later the step and message) are source texts marked with gettext_noop, their %(name)s values
    in text_args; the task gets the job's id followed by args. source: bytes the work reads (source_of)."""
    with transaction.atomic():
        existing = Job.objects.filter(key=key, requested_by=user, state__in=UNFINISHED).first()
        if existing is not None:
            return existing
        job = Job.objects.create(key=key, label=label, args=text_args or {}, requested_by=user, source=source)
        task.enqueue(str(job.pk), *args)
    return job


def source_of(job_id):
    source = Job.objects.values_list("source", flat=True).get(pk=job_id)
    return None if source is None else bytes(source)


def running(job_id, step="", total=0):
    Job.objects.filter(pk=job_id).update(
        state=JobState.RUNNING, started_at=timezone.now(), step=step, total=total, done=0
    )


def progress(job_id, step, done, total=None, text_args=None):
    fields = {"step": step, "done": done}
    if total is not None:
        fields["total"] = total
    if text_args is not None:
        fields["args"] = text_args
    Job.objects.filter(pk=job_id).update(**fields)


def done(job_id, message="", *, links=(), file_name="", content_type="", content=None, text_args=None):
    file = {"file_name": file_name, "content_type": content_type, "content": content}
    _end(job_id, JobState.DONE, message, links, text_args, **file)


def failed(job_id, message, *, links=(), text_args=None):
    _end(job_id, JobState.FAILED, message, links, text_args)


def _end(job_id, state, message, links, text_args, **fields):
    """The job's end: its state and message, what to do next, and the upload it no longer needs dropped."""
    if text_args is not None:
        fields["args"] = text_args
    Job.objects.filter(pk=job_id).update(
        **fields,
        source=None,
        state=state,
        finished_at=timezone.now(),
        step="",
        message=message,
        links=list(links),
    )


def run(job_id, work):
    """Run work(job_id) as the job, so that an error nobody foresaw still ends it as failed, with a message
    the requester understands; the error itself goes to the log (and the task's own result)."""
    try:
        return work(job_id)
    except Exception:
        logger.exception("background job %s failed", job_id)
        failed(
            job_id, gettext_noop("処理中に予期しないエラーが起きたため、中止しました。何も変更していません。")
        )
        raise


def requesters_job(request, job_id, *fields):
    """The job, if the request's user asked for it (or administers the site); 404 otherwise. Without fields,
    everything but the files."""
    queryset = Job.objects.defer("content", "source") if not fields else Job.objects.only(*fields)
    job = get_object_or_404(queryset, pk=job_id)
    # Only its requester (and the administrators) know a job: to anyone else it does not exist.
    if job.requested_by_id != request.user.pk and not request.user.is_superuser:
        raise Http404("No such job.")
    return job


def job_context(job):
    """What a job's page shows: the job, and while it is unfinished, how often the page asks again."""
    return {"job": job, "refresh": None if job.finished else REFRESH_SECONDS}

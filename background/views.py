"""The page of a job in the background, which its requester watches, and the file it made."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from background.jobs import job_context, requesters_job


@login_required
@require_GET
def job_page(request, job_id):
    return render(request, "background/job.html", job_context(requesters_job(request, job_id)))


@login_required
@require_GET
def job_file(request, job_id):
    job = requesters_job(request, job_id, "requested_by", "state", "file_name", "content_type", "content")
    if job.content is None:
        raise Http404("The job made no file.")
    response = HttpResponse(bytes(job.content), content_type=job.content_type)
    response["Content-Disposition"] = content_disposition_header(True, job.file_name)
    return response

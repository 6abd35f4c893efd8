"""Following a job in the background as its requester does: the page a request redirects to, and its file.

The tests run each task at once (conftest: the immediate backend), so the job has ended by the time the
request that started it answers.
"""

from django.urls import resolve

from background.models import Job


def job_of(response):
    """The job a response redirected to (a view that starts one answers with its page)."""
    assert response.status_code == 302, response.status_code
    match = resolve(response["Location"])
    assert match.view_name == "background:job", response["Location"]
    return Job.objects.get(pk=match.kwargs["job_id"])


def job_page(client, response):
    return client.get(response["Location"])


def job_file(client, response):
    """The file the job made, as the download link of its page gives it."""
    job = job_of(response)
    page = job_page(client, response).content.decode()
    url = f"/jobs/{job.pk}/file"
    assert url in page, page
    return client.get(url)

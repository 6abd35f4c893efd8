"""The published reports, for anyone who reaches the application: no login, nothing unpublished."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import content_disposition_header

from caching.pages import cached_html
from initiatives.open_data_schema import schema_url
from plan.paging import page_number, page_of
from reviews import report_files
from reviews.models import Publication, PublishedFile

PUBLISHED_MAX_AGE = 24 * 60 * 60


def published_list(request):
    return render(
        request, "reviews/published_list.html", {"publications": Publication.objects.for_public_list()}
    )


def published_report(request, ordinal, year):
    """A published report, REPORT_PER_PAGE rows to a page; the whole is in its files. The snapshot never
    changes, so the page comes from the cache; it is read from the database only to make a page."""
    publication = get_object_or_404(
        Publication.objects.for_public_list(), cycle__plan__ordinal=ordinal, cycle__fiscal_year=year
    )
    number = page_number(request)

    def context():
        report = Publication.objects.values_list("report", flat=True).get(pk=publication.pk)
        page = page_of(report["rows"], settings.REPORT_PER_PAGE, number)
        return {"publication": publication, "report": report, "page_obj": page}

    template = "reviews/partials/published_report_page.html"
    body = cached_html("published_report", [publication.pk, number], template, context, request)
    return render(request, "reviews/published_report.html", {"publication": publication, "body": body})


def published_file(request, ordinal, year, fmt):
    """A published file as stored at publication: the same bytes for everyone, for as long as it is public."""
    stored = get_object_or_404(
        PublishedFile.objects.only("sha256", "format"),
        publication__cycle__plan__ordinal=ordinal,
        publication__cycle__fiscal_year=year,
        format=fmt,
    )
    etag = f'"{stored.sha256}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        content = PublishedFile.objects.values_list("content", flat=True).get(pk=stored.pk)
        response = HttpResponse(bytes(content), content_type=report_files.FORMATS[fmt])
        if fmt != "json":
            name = f"進捗状況報告_第{ordinal}次計画_{year}.{fmt}"
            response["Content-Disposition"] = content_disposition_header(True, name)
        else:
            response["Access-Control-Allow-Origin"] = "*"
            response["Link"] = f'<{schema_url("published-v1")}>; rel="describedby"'
    response["ETag"] = etag
    # A published file never changes: any cache, a browser's or the city's proxy, may keep it for a day.
    patch_cache_control(response, public=True, max_age=PUBLISHED_MAX_AGE)
    return response

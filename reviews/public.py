"""The published reports, for anyone who reaches the application: no login, nothing unpublished."""

from django.shortcuts import get_object_or_404, render

from reviews.models import Publication
from reviews.views import report_file_response


def _publication(ordinal, year):
    return get_object_or_404(
        Publication.objects.select_related("cycle", "cycle__plan"),
        cycle__plan__ordinal=ordinal,
        cycle__fiscal_year=year,
    )


def published_list(request):
    return render(
        request, "reviews/published_list.html", {"publications": Publication.objects.for_public_list()}
    )


def published_report(request, ordinal, year):
    publication = _publication(ordinal, year)
    context = {"publication": publication, "report": publication.report}
    return render(request, "reviews/published_report.html", context)


def published_file(request, ordinal, year, fmt):
    publication = _publication(ordinal, year)
    return report_file_response(
        publication.report,
        fmt,
        f"進捗状況報告_第{ordinal}次計画_{year}",
        publication=publication,
        open_data=publication.open_data,
    )

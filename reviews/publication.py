"""Publishing a review cycle: a frozen snapshot that anyone may read without logging in.

The city website lives outside the closed network, so publication is a set of self-contained files
(HTML, PDF, xlsx, CSV, JSON) that staff carry to the website's CMS, plus the public pages here.
"""

import hashlib
import logging

from initiatives.open_data import plan_to_dict
from initiatives.open_data_schema import schema_url
from reviews import report_files
from reviews.models import Publication, PublishedFile
from reviews.reports import cycle_report

logger = logging.getLogger(__name__)


def cycle_open_data(cycle, report):
    """The plan's open-data shape (initiatives/open_data.py) with this cycle's results as evaluations."""
    # "schema" names the JSON Schema the document follows; added after the other keys were published.
    data = {"schema": schema_url("published-v1"), **plan_to_dict(cycle.plan)}
    by_number = {row["number"]: row for row in report["rows"]}
    for item in data["initiatives"]:
        row = by_number.get(item["number"])
        # Each indicator with this year's actual as published (the report's rows list them in the same order).
        for indicator, reported in zip(item["indicators"], (row or {}).get("indicators", []), strict=False):
            indicator["fiscal_year"] = cycle.fiscal_year
            indicator["actual"] = reported["actual"]
            indicator["target"] = reported["target"]  # the year's, also among "targets"
        item["evaluations"] = (
            [
                {
                    "fiscal_year": cycle.fiscal_year,
                    "achievement": row["achievement"],
                    "direction": row["direction"],
                    "actions": row["actions"],
                    # Added with the committee's report (the first four keys are the plan export's).
                    "planned_stage": row["planned_stage"],
                    "stage_reached": row["stage_reached"],
                    "progress": row["progress"],
                    "issues": row["issues"],
                    # 自己評価と年次計画の差: {"given": progress word, "roadmap": the roadmap's word} or null.
                    "contradiction": row["contradiction"],
                    "progress_reason": row["progress_reason"],
                }
            ]
            if row
            else []
        )
    return data


def prepare(cycle, progress=None):
    """The snapshot of the cycle and every file made from it, before anything is written: the slow part of
    publishing, done outside the publish step's lock (reviews.tasks). progress(step, done, total) is told
    of each file. Raises PdfTooLarge if the PDF cannot be made within its bounds."""
    report = cycle_report(cycle)
    open_data = cycle_open_data(cycle, report)
    files = {}
    for done, fmt in enumerate(report_files.FORMATS):
        if progress:
            progress(fmt, done, len(report_files.FORMATS))
        files[fmt] = report_files.report_file(report, fmt, open_data)
    return {"report": report, "open_data": open_data, "files": files}


def freeze(cycle, user, prepared=None):
    """The snapshot taken as the cycle is published (reviews.cycles.take_step "publish"), with its files:
    those prepared beforehand, or made now.

    Raises PdfTooLarge if the PDF cannot be made within its bounds; the caller's transaction then publishes
    nothing.
    """
    prepared = prepared or prepare(cycle)
    publication = Publication.objects.create(
        cycle=cycle, published_by=user, report=prepared["report"], open_data=prepared["open_data"]
    )
    for fmt, content in prepared["files"].items():
        _store(PublishedFile, publication, fmt, content)
    return publication


def _store(file_model, publication, fmt, content):
    file_model.objects.create(
        publication=publication, format=fmt, content=content, sha256=hashlib.sha256(content).hexdigest()
    )


def store_missing_files(publication):
    """The formats of the publication's report not yet stored, made and stored (a publication frozen without its
    files: reviews.past_years). A PDF that cannot be made within its bounds is left out and logged (the other
    formats are stored all the same); the formats stored are returned."""
    stored = set(publication.files.values_list("format", flat=True))
    made = []
    for fmt in report_files.FORMATS:
        if fmt in stored:
            continue
        try:
            content = report_files.report_file(publication.report, fmt, publication.open_data)
        except report_files.PdfTooLarge:
            logger.warning("publication %s: the PDF could not be made within its bounds", publication.pk)
            continue
        _store(PublishedFile, publication, fmt, content)
        made.append(fmt)
    return made


def store_files(publication, file_model):
    """Every format of the publication's report, stored. file_model: the historical model of PublishedFile
    in the migration that made the files of reports published before files were stored."""
    for fmt in report_files.FORMATS:
        _store(
            file_model,
            publication,
            fmt,
            report_files.report_file(publication.report, fmt, publication.open_data),
        )

"""The survey's long work, done by the task worker (django-tasks): the report's files and publication.

Each task is given the id of its background.Job, which the requester's page follows, and the ids of what it
works on; it reads everything else from the database when it runs.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_noop
from django_tasks import task

from background import jobs
from plan.eras import fiscal_year_label
from reviews import publication, report_files
from reviews.cycles import take_step
from reviews.evaluations import unrecorded_numbers
from reviews.models import Publication, ReviewCycle, TransitionError
from reviews.reports import cycle_report

# The report's files that are made in the background, with the words for them.
REPORT_FILES = {
    "pdf": gettext_noop("PDF"),
    "xlsx": gettext_noop("Excel (xlsx)"),
    "html": gettext_noop("HTML"),
}

PDF_REFUSED = gettext_noop(
    "この報告は大きいため、PDFの作成が決められた時間または容量の中で終わりませんでした。"
    "サーバーの負担を抑えるため、作成を中止しました。同じ内容は Excel（xlsx）と HTML で取り出せます。"
    "HTML はブラウザの印刷機能で PDF にできます。"
)


def report_file_name(cycle, fmt):
    return f"report-{cycle.plan.ordinal}-{cycle.fiscal_year}.{fmt}"


@task()
def make_report_file(job_id, cycle_id, fmt):
    jobs.run(job_id, lambda job_id: _make_report_file(job_id, cycle_id, fmt))


def _make_report_file(job_id, cycle_id, fmt):
    cycle = ReviewCycle.objects.select_related("plan").get(pk=cycle_id)
    jobs.running(job_id, gettext_noop("報告の内容を集めています"), total=2)
    report = cycle_report(cycle)
    jobs.progress(job_id, gettext_noop("ファイルを作成しています"), 1)
    try:
        content = report_files.report_file(report, fmt)
    except report_files.PdfTooLarge:
        others = [
            {"label": REPORT_FILES[f], "url": reverse("reviews:report_file", args=[cycle.pk, f])}
            for f in REPORT_FILES
            if f != fmt
        ]
        jobs.failed(job_id, PDF_REFUSED, links=[*others, _back_to_report(cycle)])
        return
    jobs.done(
        job_id,
        links=[_back_to_report(cycle)],
        file_name=report_file_name(cycle, fmt),
        content_type=report_files.FORMATS[fmt],
        content=content,
    )


def _back_to_report(cycle):
    return {"label": gettext_noop("進捗状況報告に戻る"), "url": reverse("reviews:report", args=[cycle.pk])}


@task()
def publish_cycle(job_id, cycle_id, user_id):
    jobs.run(job_id, lambda job_id: _publish(job_id, cycle_id, user_id))


def _publish(job_id, cycle_id, user_id):
    """The publish step: the report and its five files made first (progress shown), then, in one short
    transaction under the cycle's lock, the publication, its files and the year's evaluations written."""
    cycle = ReviewCycle.objects.select_related("plan").get(pk=cycle_id)
    user = get_user_model().objects.get(pk=user_id)
    total = len(report_files.FORMATS) + 1
    jobs.running(job_id, gettext_noop("報告の内容を集めています"), total=total)

    def progress(fmt, done, _total):
        step = gettext_noop("公開するファイルを作成しています（%(format)s）")
        jobs.progress(job_id, step, done + 1, text_args={"cycle": cycle.title, "format": fmt.upper()})

    worklist = {
        "label": gettext_noop("入力状況の一覧へ"),
        "url": reverse("reviews:worklist", args=[cycle.pk]),
    }
    try:
        prepared = publication.prepare(cycle, progress)
        jobs.progress(job_id, gettext_noop("公開しています"), total - 1)
        cycle = take_step(cycle, "publish", user, prepared=prepared)
    except report_files.PdfTooLarge:
        message = gettext_noop(
            "報告のPDFを作成できなかった（大きすぎるか時間がかかりすぎた）ため、公開していません。"
        )
        jobs.failed(job_id, message, links=[worklist])
        return
    except TransitionError as exc:
        jobs.failed(job_id, gettext_noop("%(reason)s"), links=[worklist], text_args={"reason": str(exc)})
        return
    args = {"cycle": cycle.title}
    message = gettext_noop("%(cycle)sを公開しました。")
    numbers = unrecorded_numbers(cycle)
    if numbers:
        message = gettext_noop(
            "%(cycle)sを公開しました。項番 %(numbers)s は達成状況または今後の方向性が未入力のため、"
            "%(year)sの評価として記録していません。公開した報告には未入力として載っています。"
        )
        args.update(numbers="、".join(map(str, numbers)), year=fiscal_year_label(cycle.fiscal_year))
    published = {
        "label": gettext_noop("公開ページ"),
        "url": reverse("published:report", args=[cycle.plan.ordinal, cycle.fiscal_year]),
    }
    jobs.done(job_id, message, links=[published, worklist], text_args=args)


@task()
def store_published_files(publication_ids):
    """The files of publications frozen without them (past years' results, reviews.past_years), made once."""
    for published in Publication.objects.filter(pk__in=publication_ids).order_by("pk"):
        publication.store_missing_files(published)

"""Publishing a cycle: a frozen snapshot anyone may read, and nothing unpublished without login."""

import datetime
import hashlib
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reviews.cycles import take_step
from reviews.entries import save_entry
from reviews.models import CycleState, Publication, StatusEntry, TransitionError
from tests.jobs import job_file, job_of, job_page
from tests.personas import cycle_in_state, make_user, open_cycle


def publish(cycle, user):
    return take_step(cycle, "publish", user)


def record(cycle, number, user, **values):
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=number)
    return save_entry(entry, values, user, entry.version)[0]


@pytest.fixture
def deliberated(plan5, admin):
    """FY2025 surveyed, compiled and deliberated by both bodies, ready to publish."""
    cycle = open_cycle(plan5, 2025, admin)
    record(
        cycle,
        1,
        admin,
        stage_reached="実施中",
        progress="計画どおり",
        achievement="達成",
        direction="継続",
        actions="電子申請を20手続に拡大した。",
    )
    record(
        cycle,
        2,
        admin,
        stage_reached="検討中",
        progress="計画より遅れている",
        achievement="一部達成",
        direction="見直し",
        actions="要件を整理した。",
    )
    cycle = take_step(cycle, "compile", admin)
    cycle = take_step(
        cycle, "committee", admin, date=datetime.date(2026, 5, 20), comment="施設予約の遅れに留意すること。"
    )
    return take_step(cycle, "headquarters", admin, date=datetime.date(2026, 6, 10), comment="了承")


def test_publishing_freezes_the_report_and_the_open_data(deliberated, admin):
    cycle = publish(deliberated, admin)
    assert cycle.state == CycleState.PUBLISHED
    publication = Publication.objects.get(cycle=cycle)
    assert publication.published_by == admin
    assert publication.report["title"] == "第五次東大和市情報化推進計画 進捗状況報告 令和7年度 (2025)"
    first = publication.open_data["initiatives"][0]
    assert first["evaluations"] == [
        {
            "fiscal_year": 2025,
            "achievement": "達成",
            "direction": "継続",
            "actions": "電子申請を20手続に拡大した。",
        }
    ]
    assert cycle.events.last().to_state == CycleState.PUBLISHED


def test_a_published_report_stays_as_published_after_later_edits(client, deliberated, admin):
    publish(deliberated, admin)
    url = reverse("published:report", args=[5, 2025])
    before = client.get(url).content.decode()
    # Someone edits the plan and the entry's stored data after publication.
    StatusEntry.objects.filter(cycle=deliberated, initiative__number=1).update(actions="後から書き換えた内容")
    deliberated.plan.initiatives.filter(number=1).update(name="後から変えた名前")
    after = client.get(url).content.decode()
    assert "電子申請を20手続に拡大した。" in after and "後から書き換えた内容" not in after
    assert "後から変えた名前" not in after
    article = slice(before.index("<article"), before.index("</article>"))
    assert after[article] == before[article]
    data = client.get(reverse("published:file", args=[5, 2025, "json"])).json()
    assert data["initiatives"][0]["name"] == "行政手続きのオンライン化"


def test_only_a_deliberated_cycle_can_be_published(plan5, admin):
    from reviews.models import TransitionError

    cycle = cycle_in_state(plan5, 2024, admin, CycleState.COMMITTEE_DONE)
    with pytest.raises(TransitionError):
        publish(cycle, admin)
    assert not Publication.objects.exists()


def test_a_published_cycle_cannot_be_reopened(deliberated, admin):
    cycle = publish(deliberated, admin)
    assert cycle.available_steps() == []


def test_only_an_administrator_publishes(client, deliberated):
    client.force_login(make_user("staff"))
    response = client.post(reverse("reviews:cycle_step", args=[deliberated.pk]), {"step": "publish"})
    assert response.status_code == 403
    assert not Publication.objects.exists()


def test_the_administrator_publishes_from_the_worklist(client, deliberated, admin):
    client.force_login(admin)
    response = client.post(reverse("reviews:cycle_step", args=[deliberated.pk]), {"step": "publish"})
    page = job_page(client, response).content.decode()
    assert "達成状況調査 令和7年度 (2025)の公開" in page
    assert "完了" in page and "を公開しました。" in page
    assert reverse("published:report", args=[5, 2025]) in page
    assert Publication.objects.filter(cycle=deliberated).exists()
    assert "公開済" in client.get(reverse("reviews:worklist", args=[deliberated.pk])).content.decode()


def test_citizens_find_the_published_report_and_every_download_without_login(client, deliberated, admin):
    publish(deliberated, admin)
    listing = client.get(reverse("published:list")).content.decode()
    assert "第五次東大和市情報化推進計画 進捗状況報告 令和7年度 (2025)" in listing
    page = client.get(reverse("published:report", args=[5, 2025]))
    html = page.content.decode()
    assert page.status_code == 200 and '<html lang="ja">' in html
    assert "施設予約の遅れに留意すること。" in html
    assert '<th scope="col"' in html
    pdf = client.get(reverse("published:file", args=[5, 2025, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    book = load_workbook(io.BytesIO(client.get(reverse("published:file", args=[5, 2025, "xlsx"])).content))
    assert book["進捗状況報告"]["A1"].value.endswith("令和7年度 (2025)")
    csv_text = client.get(reverse("published:file", args=[5, 2025, "csv"])).content.decode("utf-8")
    assert csv_text.startswith("\ufeff項番") and "電子申請を20手続に拡大した。" in csv_text
    data = json.loads(client.get(reverse("published:file", args=[5, 2025, "json"])).content)
    assert set(data) == {"plan", "goals", "columns", "initiatives"}
    html_file = client.get(reverse("published:file", args=[5, 2025, "html"])).content.decode()
    assert "<link" not in html_file and "施設予約の遅れに留意すること。" in html_file


def test_nothing_unpublished_is_reachable_without_login(client, deliberated, admin):
    # The cycle is deliberated but not published: its report must not leak.
    assert client.get(reverse("published:report", args=[5, 2025])).status_code == 404
    assert client.get(reverse("published:file", args=[5, 2025, "pdf"])).status_code == 404
    entry_url = reverse("reviews:entry", args=[deliberated.pk, 1])
    urls = [
        reverse("reviews:cycle_list"),
        reverse("reviews:worklist", args=[deliberated.pk]),
        entry_url,
        reverse("reviews:report", args=[deliberated.pk]),
        reverse("reviews:report_file", args=[deliberated.pk, "pdf"]),
        reverse("reviews:report_file", args=[deliberated.pk, "xlsx"]),
        reverse("reviews:report_file", args=[deliberated.pk, "html"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_the_public_plan_data_shows_a_years_results_only_once_published(client, deliberated, admin):
    def evaluations_of_2025():
        data = client.get("/open-data/plans/5.json").json()
        return [e for i in data["initiatives"] for e in i["evaluations"] if e["fiscal_year"] == 2025]

    assert evaluations_of_2025() == []  # deliberated, not yet published
    assert "電子申請を20手続に拡大した。" not in client.get("/plans/5/").content.decode()
    publish(deliberated, admin)
    assert {e["achievement"] for e in evaluations_of_2025()} == {"達成", "一部達成"}


SAMPLE_KWARGS = {
    "cycle_id": None,
    "number": 1,
    "department_id": 1,
    "ordinal": 5,
    "fmt": "pdf",
    "step": "compile",
}


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_page_of_the_survey_sends_an_anonymous_visitor_to_the_login(client, deliberated, method):
    """Every URL of the reviews app, whatever it does, answers an anonymous request with the login page."""
    from django.urls import get_resolver

    patterns = get_resolver("reviews.urls").reverse_dict
    names = [name for name in patterns if isinstance(name, str)]
    assert len(names) >= 15
    for name in names:
        params = patterns.getlist(name)[0][0][0][1]
        kwargs = {p: deliberated.pk if p == "cycle_id" else SAMPLE_KWARGS[p] for p in params}
        url = reverse(f"reviews:{name}", kwargs=kwargs)
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


# --- Stored files: made once at publication, served as stored -------------------------------------------


def published_file(client, fmt, **headers):
    return client.get(reverse("published:file", args=[5, 2025, fmt]), headers=headers)


@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx", "csv", "json"])
def test_a_published_file_is_served_as_stored_without_making_it_again(
    client, deliberated, admin, fmt, monkeypatch
):
    from reviews import report_files

    publish(deliberated, admin)
    stored = bytes(Publication.objects.get().files.get(format=fmt).content)

    def must_not_run(*args, **kwargs):
        raise AssertionError("a published file was made again on request")

    monkeypatch.setattr(report_files, "report_file", must_not_run)
    monkeypatch.setattr(report_files, "render_pdf", must_not_run)
    response = published_file(client, fmt)

    assert response.status_code == 200
    assert response.content == stored
    assert response["Cache-Control"] == "public, max-age=86400"
    assert response["ETag"].strip('"') == hashlib.sha256(stored).hexdigest()


def test_a_browser_holding_the_file_gets_not_modified(client, deliberated, admin):
    publish(deliberated, admin)
    etag = published_file(client, "pdf")["ETag"]

    response = published_file(client, "pdf", if_none_match=etag)

    assert response.status_code == 304 and response.content == b""


def test_the_stored_files_stay_as_published_after_later_edits(client, deliberated, admin):
    publish(deliberated, admin)
    before = {fmt: published_file(client, fmt).content for fmt in ("html", "pdf", "xlsx", "csv", "json")}
    from initiatives.models import Initiative

    Initiative.objects.filter(plan=deliberated.plan, number=1).update(name="後で変えた名前")

    assert {fmt: published_file(client, fmt).content for fmt in before} == before
    assert "後で変えた名前" not in before["csv"].decode()


def test_a_pdf_too_large_for_its_bounds_publishes_nothing(deliberated, admin, settings):
    settings.REPORT_PDF_MAX_BYTES = 1000

    with pytest.raises(TransitionError, match="報告のPDFを作成できなかった"):
        publish(deliberated, admin)

    deliberated.refresh_from_db()
    assert deliberated.state == CycleState.HEADQUARTERS_DONE
    assert not Publication.objects.exists()


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("REPORT_PDF_TIMEOUT", 0.01),
        ("REPORT_PDF_MAX_MEMORY", 64 * 1024 * 1024),
        ("REPORT_PDF_MAX_BYTES", 1000),
    ],
)
def test_a_pdf_asked_for_in_the_browser_is_bounded_and_refused_with_a_message(
    client, deliberated, admin, settings, setting, value
):
    setattr(settings, setting, value)
    client.force_login(make_user("committee"))

    response = client.get(reverse("reviews:report_file", args=[deliberated.pk, "pdf"]))

    assert job_of(response).state == "failed" and job_of(response).content is None
    page = job_page(client, response).content.decode()
    assert "失敗" in page and "PDFの作成が決められた時間または容量の中で終わりませんでした" in page
    assert reverse("reviews:report_file", args=[deliberated.pk, "xlsx"]) in page
    assert "/file" not in page


def test_a_pdf_within_its_bounds_is_made_on_request(client, deliberated):
    client.force_login(make_user("committee"))

    response = job_file(client, client.get(reverse("reviews:report_file", args=[deliberated.pk, "pdf"])))

    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_the_published_list_reads_titles_not_snapshots(client, deliberated, admin, django_assert_num_queries):
    publish(deliberated, admin)
    publications = list(Publication.objects.for_public_list())
    assert [p.title for p in publications] == ["第五次東大和市情報化推進計画 進捗状況報告 令和7年度 (2025)"]
    assert {"report", "open_data"} <= publications[0].get_deferred_fields()
    # The publications with their cycles and plans, and the city's names (page header, licence): however many.
    with django_assert_num_queries(2):
        listing = client.get(reverse("published:list")).content.decode()
    assert "第五次東大和市情報化推進計画 進捗状況報告 令和7年度 (2025)" in listing

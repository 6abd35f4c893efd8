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
            # Added for the committee's report; the four keys above are those of the plan's own open data.
            "planned_stage": "実施",
            "stage_reached": "実施中",
            "progress": "計画どおり",
            "issues": "",
            "contradiction": None,
            "progress_reason": "",
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
    assert set(data) == {
        "schema",
        "plan",
        "goals",
        "columns",
        "initiatives",
    }  # "schema" added with the schemas
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


# --- What the committee reads, in the open data and the published page -------------------------------------


@pytest.fixture
def deliberated_with_flag(plan5, admin):
    """FY2025 with a contradicted entry (3: still studying what the roadmap plans to implement, said to be on
    plan) and an indicator with its target and actual (1), deliberated."""
    from initiatives.models import Indicator, IndicatorTarget

    indicator = Indicator.objects.create(
        initiative=plan5.initiatives.get(number=1), name="オンライン申請できる手続の数", unit="件"
    )
    IndicatorTarget.objects.create(indicator=indicator, fiscal_year=2025, target=40)
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
        kpi_actuals={indicator.key: "42"},
    )
    record(
        cycle,
        3,
        admin,
        stage_reached="検討中",
        progress="計画どおり",
        achievement="一部達成",
        direction="継続",
        actions="公開するデータを選んだ。",
        issues="個人情報の確認に時間がかかっている。",
        progress_reason="公開の準備は予定どおり進んでいる。",
    )
    for step, extra in (("compile", {}), ("committee", {"date": datetime.date(2026, 5, 20)})):
        cycle = take_step(cycle, step, admin, **extra)
    return take_step(cycle, "headquarters", admin, date=datetime.date(2026, 6, 10))


FLAG = {"given": "計画どおり", "roadmap": "計画より遅れている"}


def test_the_published_json_adds_progress_issues_the_flag_and_the_years_target(
    client, deliberated_with_flag, admin
):
    publish(deliberated_with_flag, admin)
    data = client.get(reverse("published:file", args=[5, 2025, "json"])).json()
    by_number = {i["number"]: i for i in data["initiatives"]}
    (evaluation,) = by_number[3]["evaluations"]
    assert evaluation == {
        "fiscal_year": 2025,
        "achievement": "一部達成",
        "direction": "継続",
        "actions": "公開するデータを選んだ。",
        "planned_stage": "実施",
        "stage_reached": "検討中",
        "progress": "計画どおり",
        "issues": "個人情報の確認に時間がかかっている。",
        "contradiction": FLAG,
        "progress_reason": "公開の準備は予定どおり進んでいる。",
    }
    assert by_number[1]["evaluations"][0]["contradiction"] is None
    (indicator,) = by_number[1]["indicators"]
    assert {k: indicator[k] for k in ("name", "unit", "fiscal_year", "target", "actual")} == {
        "name": "オンライン申請できる手続の数",
        "unit": "件",
        "fiscal_year": 2025,
        "target": "40.00",
        "actual": "42",
    }
    assert indicator["targets"] == [{"fiscal_year": 2025, "target": "40.00"}]  # as it was


def test_the_published_csv_adds_its_columns_after_the_ones_there_were(client, deliberated_with_flag, admin):
    import csv

    from initiatives.open_data import plan_to_csv

    # The plan's own CSV (before the year is published into it), and the year's three columns, where a reader
    # counting columns found them before.
    plan_header = next(csv.reader(io.StringIO(plan_to_csv(deliberated_with_flag.plan).lstrip("\ufeff"))))
    publish(deliberated_with_flag, admin)
    text = client.get(reverse("published:file", args=[5, 2025, "csv"])).content.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    year = "令和7年度 (2025)"
    before = [*plan_header[:-1], f"取組内容 {year}", f"達成状況 {year}", f"今後の方向性 {year}", "継続元"]
    assert header[: len(before)] == before
    assert header[len(before) :] == [
        f"計画上の段階 {year}",
        f"実施状況 {year}",
        f"進捗 {year}",
        f"課題 {year}",
        f"自己評価と年次計画の差 {year}",
        f"自己評価と年次計画の差の理由 {year}",
        "指標1 名称",
        "指標1 単位",
        f"指標1 目標値 {year}",
        f"指標1 実績値 {year}",
    ]
    row = {n: dict(zip(header, r, strict=True)) for n, r in ((int(r[0]), r) for r in rows)}
    assert row[3][f"自己評価と年次計画の差 {year}"] == "計画どおり（年次計画では 計画より遅れている）"
    assert row[3][f"自己評価と年次計画の差の理由 {year}"] == "公開の準備は予定どおり進んでいる。"
    assert row[3][f"課題 {year}"] == "個人情報の確認に時間がかかっている。"
    assert row[1][f"進捗 {year}"] == "計画どおり" and row[1][f"自己評価と年次計画の差 {year}"] == ""
    assert [row[1][f"指標1 {k}"] for k in ("名称", "単位")] == ["オンライン申請できる手続の数", "件"]
    assert [row[1][f"指標1 {k} {year}"] for k in ("目標値", "実績値")] == ["40.00", "42"]
    assert row[2]["指標1 名称"] == ""


def test_the_published_page_marks_the_contradicted_entry(client, deliberated_with_flag, admin):
    publish(deliberated_with_flag, admin)
    html = client.get(reverse("published:report", args=[5, 2025])).content.decode()
    assert "自己評価と年次計画の差がある個別計画" in html
    assert (
        "計画どおり（年次計画では 計画より遅れている）" in html
        and "公開の準備は予定どおり進んでいる。" in html
    )
    assert "個人情報の確認に時間がかかっている。" in html


def test_a_report_published_before_the_flag_still_renders(client, deliberated, admin):
    """Its snapshot has no flag, no reason and counts complete entries as 入力済 (before reviews.0009)."""
    publish(deliberated, admin)
    publication = Publication.objects.get()
    report = publication.report
    for row in report["rows"]:
        del row["contradiction"], row["progress_reason"]
    del report["summary"]["contradicted"]
    report["summary"]["state"] = [{"word": "入力済", "count": 2, "share": 7.7}]
    Publication.objects.filter(pk=publication.pk).update(report=report)
    response = client.get(reverse("published:report", args=[5, 2025]))
    html = response.content.decode()
    assert response.status_code == 200 and "電子申請を20手続に拡大した。" in html
    assert "自己評価と年次計画の差" not in html[html.index("<article") :]

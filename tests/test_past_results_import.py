"""Past years' results (FY2022–FY2025) imported in the admin as published years: upload → preview → confirm, and
the public pages, the open data and the dashboard showing them as any published year."""

import csv
import datetime
import io
import json
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from audit.models import AuditEvent, AuditKind
from initiatives.models import Evaluation, Indicator, IndicatorTarget, RoadmapCell
from reviews import past_results, past_years, report_files
from reviews.cycles import start_cycle
from reviews.models import (
    CycleEvent,
    CycleState,
    EntryEvent,
    EntryState,
    Publication,
    ReviewCycle,
    StatusEntry,
)
from workbooks import set_text

pytestmark = pytest.mark.django_db

YEARS = [2022, 2023, 2024, 2025]
HEADERS = [
    "計画",
    "年度",
    "項番",
    "個別計画名",
    "実施状況",
    "進捗",
    "達成状況",
    "取組内容",
    "課題",
    "今後の方向性",
    "自己評価と年次計画の差の理由",
    "指標の実績値",
]
# How the city's file writes a year: each of the forms the brief names.
YEAR_TEXT = {2022: 2022, 2023: "令和5年度", 2024: "令和6年度 (2024)", 2025: "2025"}
ACHIEVED = {2022: "一部達成", 2023: "一部達成", 2024: "達成", 2025: "達成"}
NUMBER = 16  # グループウェアの導入: 実施 every year of the roadmap


@pytest.fixture
def indicator(plan5):
    """項番16's KPI, with a target for each past year."""
    indicator = Indicator.objects.create(
        initiative=plan5.initiatives.get(number=NUMBER), name="グループウェアの利用者数", unit="人"
    )
    for year in YEARS:
        IndicatorTarget.objects.create(
            indicator=indicator, fiscal_year=year, target=Decimal(400 + 100 * (year - 2022))
        )
    return indicator


@pytest.fixture
def fast_pdf(monkeypatch):
    """The publications' files made without WeasyPrint, where a test does not look at the PDF."""
    monkeypatch.setattr(report_files, "render_pdf", lambda html: b"%PDF-1.7 test")


def rows_for(plan, years=YEARS, change=None):
    """One row per initiative and year, as the city's file has them: the stage the roadmap planned, under way."""
    planned = {
        (c.initiative.number, c.fiscal_year): c.stage
        for c in RoadmapCell.objects.filter(initiative__plan=plan).select_related("initiative")
    }
    reached = {s.word: s.reached for s in plan.roadmap_stages}
    has_kpi = Indicator.objects.filter(initiative__plan=plan, initiative__number=NUMBER).exists()
    rows = []
    for year in years:
        for initiative in plan.initiatives.order_by("number"):
            stage = planned.get((initiative.number, year))
            row = {
                "計画": plan.ordinal,
                "年度": YEAR_TEXT[year],
                "項番": initiative.number,
                "個別計画名": initiative.name,
                "実施状況": reached[stage] if stage else "未着手",
                "進捗": "計画どおり" if stage else "評価できない",
                "達成状況": ACHIEVED[year],
                "取組内容": f"{year}年度は{initiative.name}に取り組んだ。\n関係課と調整した。",
                "課題": "職員の習熟" if initiative.number % 5 == 0 else "",
                "今後の方向性": "継続",
                "自己評価と年次計画の差の理由": "",
                "指標の実績値": f"グループウェアの利用者数: {380 + 100 * (year - 2022)}"
                if initiative.number == NUMBER and has_kpi
                else "",
            }
            if change:
                change(year, initiative.number, row)
            rows.append(row)
    return rows


def xlsx_bytes(rows, headers=HEADERS):
    workbook = Workbook()
    sheet = workbook.active
    for row_no, values in enumerate([headers, *([row.get(h) for h in headers] for row in rows)], start=1):
        for col, value in enumerate(values, start=1):
            set_text(sheet.cell(row=row_no, column=col), value)  # a text typed in Excel stays text
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, headers=HEADERS):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return text.getvalue().encode("utf-8-sig")


IMPORT_URL = "/admin/reviews/pastresult/import/"
CONFIRM_URL = "/admin/reviews/pastresult/process_import/"
FORMAT = {"xlsx": "0", "csv": "1"}


def upload(client, data, name):
    """The first step: the file uploaded, the preview (or the errors) returned."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    fmt = name.rsplit(".", 1)[1]
    return client.post(
        IMPORT_URL, {"import_file": SimpleUploadedFile(name, data), "format": FORMAT[fmt], "resource": "0"}
    )


def confirm(client, preview, capture):
    """The second step: the preview's confirm form posted, the task worker's files made after commit."""
    form = preview.context["confirm_form"]
    with capture(execute=True):
        return client.post(CONFIRM_URL, {name: form[name].value() for name in form.fields})


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def import_file(admin_client, capture, data, name="過去の結果.xlsx"):
    preview = upload(admin_client, data, name)
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is not None, preview.content.decode()
    response = confirm(admin_client, preview, capture)
    assert response.status_code == 302
    return preview


def test_four_past_years_in_one_xlsx_become_published_years(
    admin_client, admin_user, plan5, indicator, fast_pdf, django_capture_on_commit_callbacks
):
    rows = rows_for(plan5)
    preview = upload(admin_client, xlsx_bytes(rows), "過去の結果.xlsx")
    page = preview.content.decode()
    # The preview shows every row to be made and what confirming will do, year by year; nothing is written yet.
    assert page.count('class="new"') == len(rows)
    for year in YEARS:
        assert f"令和{year - 2018}年度 ({year})を公開済みの調査として作成します（26件）" in page
    assert not ReviewCycle.objects.filter(plan=plan5).exists()

    response = confirm(admin_client, preview, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    told = [str(m) for m in get_messages(response.wsgi_request)]
    assert told == [
        "令和4年度 (2022)、令和5年度 (2023)、令和6年度 (2024)、令和7年度 (2025)を公開済みの調査として作成しました。"
        "公開するファイル（PDF など）はワーカーが作成します。"
    ]

    cycles = list(ReviewCycle.objects.filter(plan=plan5).order_by("fiscal_year"))
    assert [c.fiscal_year for c in cycles] == YEARS
    for cycle in cycles:
        assert cycle.state == CycleState.PUBLISHED and cycle.imported
        entries = StatusEntry.objects.filter(cycle=cycle)
        assert entries.count() == 26
        assert set(entries.values_list("state", flat=True)) == {EntryState.CONFIRMED}
        # Frozen as a normal publication is, with its five files made by the task worker.
        published = Publication.objects.get(cycle=cycle)
        assert published.published_by == admin_user
        assert len(published.report["rows"]) == 26
        assert sorted(published.files.values_list("format", flat=True)) == sorted(report_files.FORMATS)
        # The history says it was imported, from which file, and by whom.
        event = CycleEvent.objects.get(cycle=cycle)
        assert (event.from_state, event.to_state, event.user) == ("", CycleState.PUBLISHED, admin_user)
        assert "過去の結果.xlsx" in event.reason
        entry = entries.get(initiative__number=NUMBER)
        step = EntryEvent.objects.get(entry=entry)
        assert step.user == admin_user and "過去の年度の結果の取込（過去の結果.xlsx）" in step.comment
        record = entry.history.get()
        assert record.history_user == admin_user and "過去の結果.xlsx" in record.history_change_reason
        assert entry.kpi_actuals == {indicator.key: f"{380 + 100 * (cycle.fiscal_year - 2022)}.00"}
    audit = AuditEvent.objects.filter(kind=AuditKind.PUBLICATION, user=admin_user)
    assert audit.count() == 4 and all("過去の結果.xlsx" in a.detail for a in audit)

    # The initiatives' evaluations, as a normal publication records them.
    evaluation = Evaluation.objects.get(initiative__plan=plan5, initiative__number=NUMBER, fiscal_year=2023)
    assert (evaluation.achievement, evaluation.direction, evaluation.stage_reached) == (
        "一部達成",
        "継続",
        "実施中",
    )
    assert evaluation.history.get().history_user == admin_user


def test_the_public_pages_open_data_and_dashboard_show_the_imported_years(
    admin_client, plan5, indicator, fast_pdf, django_capture_on_commit_callbacks
):
    import_file(admin_client, django_capture_on_commit_callbacks, xlsx_bytes(rows_for(plan5)))
    client = Client()  # a citizen, not logged in

    # The plan's table: the latest published year's result.
    table = client.get("/plans/5/").content.decode()
    assert "令和7年度 (2025) の結果" in table
    # The initiative's page: every published year, and its KPI's actuals.
    page = client.get(f"/plans/5/{NUMBER}/").content.decode()
    assert "令和7年度 (2025) の結果" in page
    for year in YEARS:
        assert f"{year}年度はグループウェアの導入に取り組んだ。" in page
    assert "680.00" in page or "680" in page
    # The list of published reports, and each report.
    listed = client.get("/published/").content.decode()
    for year in YEARS:
        assert f"令和{year - 2018}年度 ({year})" in listed
        assert client.get(f"/published/5/{year}/").status_code == 200
    # The open data: the plan's JSON with each year's evaluation, and the year's own JSON with its actuals.
    plan_data = json.loads(client.get("/open-data/plans/5.json").content)
    item = next(i for i in plan_data["initiatives"] if i["number"] == NUMBER)
    assert [e["fiscal_year"] for e in item["evaluations"]] == YEARS
    year_data = json.loads(client.get("/published/5/2024.json").content)
    item = next(i for i in year_data["initiatives"] if i["number"] == NUMBER)
    assert item["evaluations"][0]["achievement"] == "達成"
    assert item["indicators"][0]["actual"] == "580.00"

    # The dashboard's trend: each imported year, with its counts.
    latest = ReviewCycle.objects.get(plan=plan5, fiscal_year=2025)
    context = admin_client.get(reverse("reviews:dashboard", args=[latest.pk])).context
    trend = context["trend"] if "trend" in context else context["data"]["trend"]
    assert [t["cycle"].fiscal_year for t in trend] == YEARS
    assert all(t["count"] == 26 for t in trend)
    # The entry's own page, with its history: imported, from which file, by whom.
    entry_page = admin_client.get(reverse("reviews:entry", args=[latest.pk, NUMBER])).content.decode()
    assert "過去の年度の結果の取込（過去の結果.xlsx）" in entry_page and "確認済" in entry_page


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp932"])
def test_a_csv_in_any_encoding_excel_writes_imports_as_the_xlsx_does(
    admin_client, plan5, fast_pdf, django_capture_on_commit_callbacks, encoding
):
    # UTF-8 with a BOM (the application's exports), without, and Shift_JIS: Japanese Excel's 「CSV (コンマ区切り)」.
    data = csv_bytes(rows_for(plan5, [2022])).decode("utf-8-sig").encode(encoding)
    import_file(admin_client, django_capture_on_commit_callbacks, data, "r4.csv")
    cycle = ReviewCycle.objects.get(plan=plan5, fiscal_year=2022)
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=3)
    name = plan5.initiatives.get(number=3).name
    assert entry.actions.replace("\r\n", "\n") == f"2022年度は{name}に取り組んだ。\n関係課と調整した。"
    assert cycle.publication.files.filter(format="csv").exists()


def test_importing_the_same_file_again_changes_nothing_and_the_preview_says_so(
    admin_client, plan5, indicator, fast_pdf, django_capture_on_commit_callbacks
):
    data = xlsx_bytes(rows_for(plan5))
    import_file(admin_client, django_capture_on_commit_callbacks, data)
    counts = _counts()

    preview = import_file(admin_client, django_capture_on_commit_callbacks, data)
    page = preview.content.decode()
    assert 'class="new"' not in page and 'class="update"' not in page
    assert page.count('class="skip"') == 4 * 26
    assert "確定しても何も変わりません。" in page
    assert _counts() == counts


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            ReviewCycle,
            StatusEntry,
            StatusEntry.history.model,
            EntryEvent,
            CycleEvent,
            Publication,
            Evaluation,
        )
    } | {"audit": AuditEvent.objects.count()}


def test_an_export_edited_in_excel_imports_back_unchanged(
    admin_client, plan5, indicator, fast_pdf, django_capture_on_commit_callbacks
):
    def formula_like(year, number, row):
        # Texts a spreadsheet would take for a formula: they stay text in the xlsx, quoted in the CSV.
        if number == 1:
            row["取組内容"] = "=SUM(A1:A3) と書かれた資料を整理した。"
        if number == 2:
            row["課題"] = "-職員の研修\n-端末の更新"

    import_file(
        admin_client, django_capture_on_commit_callbacks, xlsx_bytes(rows_for(plan5, change=formula_like))
    )
    assert StatusEntry.objects.get(cycle__fiscal_year=2022, initiative__number=1).actions.startswith("=SUM")
    counts = _counts()
    for fmt, index in (("xlsx", "0"), ("csv", "1")):
        response = admin_client.post(
            "/admin/reviews/pastresult/export/", {"format": index, "resource": "0", **_all_fields()}
        )
        assert response.status_code == 200, response.content[:500]
        data = response.content
        if fmt == "csv":
            assert data.startswith("\ufeff".encode())
            assert data.decode("utf-8-sig").splitlines()[0].split(",")[:3] == ["計画", "年度", "項番"]
            assert "'=SUM(A1:A3)" in data.decode("utf-8-sig")
        else:
            sheet = load_workbook(io.BytesIO(data)).active
            assert [c.value for c in sheet[1]] == [*HEADERS, "公表日"]
            assert sheet["H2"].data_type == "s" and sheet["H2"].value.startswith("=SUM")
        preview = import_file(admin_client, django_capture_on_commit_callbacks, data, f"export.{fmt}")
        page = preview.content.decode()
        assert page.count('class="skip"') == 4 * 26 and 'class="new"' not in page
    assert _counts() == counts

    response = admin_client.post(
        "/admin/reviews/pastresult/export/", {"format": "2", "resource": "0", **_all_fields()}
    )
    exported = json.loads(response.content)
    assert len(exported) == 4 * 26
    assert exported[0]["計画"] == 5 and exported[0]["年度"] == "令和4年度 (2022)" and exported[0]["項番"] == 1


def _all_fields():
    return {f"pastresultresource_{name}": "on" for name in past_results.DEFAULT_HEADERS}


def test_a_changed_file_for_a_published_year_is_refused_with_how_to_correct_it(
    admin_client, plan5, fast_pdf, django_capture_on_commit_callbacks
):
    import_file(admin_client, django_capture_on_commit_callbacks, xlsx_bytes(rows_for(plan5, [2023])))
    counts = _counts()

    def later(year, number, row):
        if number == 7:
            row["達成状況"] = "達成"

    preview = upload(admin_client, xlsx_bytes(rows_for(plan5, [2023], later)), "訂正.xlsx")
    page = preview.content.decode()
    assert preview.context.get("confirm_form") is None
    assert "8行目 B列（年度）: 令和5年度 (2023)は取り込んで公開済みです。" in page
    assert "達成状況「一部達成」→「達成」" in page
    assert _counts() == counts


@pytest.mark.parametrize(
    ("number", "header", "value", "message"),
    [
        (2, "項番", 99, "C列（項番）: 項番 99 は第五次東大和市情報化推進計画にありません。"),
        (2, "実施状況", "進行中", "E列（実施状況）: 「進行中」は使えません。"),
        (2, "達成状況", "概ね達成", "G列（達成状況）: 「概ね達成」は使えません。"),
        (2, "今後の方向性", "拡大", "J列（今後の方向性）: 「拡大」は使えません。"),
        (
            NUMBER,
            "指標の実績値",
            "職員の満足度: 3",
            "L列（指標の実績値）: 「職員の満足度: 3」は項番 16 の指標の実績値として読めません。",
        ),
        (
            NUMBER,
            "指標の実績値",
            "グループウェアの利用者数: 多い",
            "L列（指標の実績値）: 「多い」は数値として読めません。",
        ),
        (2, "年度", "令和9年度", "B列（年度）: 令和9年度 (2027)は第五次東大和市情報化推進計画の計画期間"),
        (2, "年度", "平成30年度", "B列（年度）: 平成30年度 (2018)は第五次東大和市情報化推進計画の計画期間"),
        (2, "年度", "来年度", "B列（年度）: 年度「来年度」を読めません"),
        (2, "取組内容", "", "H列（取組内容）: 取組内容が空です。"),
    ],
)
def test_a_bad_cell_is_named_by_row_and_column_and_nothing_is_written(
    admin_client, plan5, indicator, number, header, value, message
):
    def bad(year, n, row):
        if year == 2023 and n == number:
            row[header] = value

    rows = rows_for(plan5, [2023, 2024], bad)
    row_no = 2 + next(i for i, r in enumerate(rows) if r[header] == value)  # the header is row 1
    counts = _counts()
    response = upload(admin_client, xlsx_bytes(rows), "誤り.xlsx")
    page = response.content.decode()
    assert response.context.get("confirm_form") is None
    assert f"{row_no}行目 {message}" in page
    assert _counts() == counts


def test_a_year_missing_initiatives_and_a_missing_column_are_refused(admin_client, plan5):
    rows = [r for r in rows_for(plan5, [2022]) if r["項番"] not in (4, 9)]
    page = upload(admin_client, xlsx_bytes(rows), "欠け.xlsx").content.decode()
    assert "2行目 C列（項番）: 令和4年度 (2022)の項番 4、9 の行がありません。" in page

    headers = [h for h in HEADERS if h != "実施状況"]
    page = upload(admin_client, xlsx_bytes(rows_for(plan5, [2022]), headers), "列.xlsx").content.decode()
    assert "1行目: 見出し「実施状況」の列がありません。" in page
    assert not ReviewCycle.objects.exists()


def test_a_year_surveyed_in_the_application_is_never_overwritten(
    admin_client, admin_user, plan5, fast_pdf, django_capture_on_commit_callbacks
):
    surveyed = start_cycle(plan5, 2025, admin_user)
    counts = _counts()
    page = upload(admin_client, xlsx_bytes(rows_for(plan5, [2024, 2025])), "全部.xlsx").content.decode()
    assert (
        "28行目 B列（年度）: 令和7年度 (2025)の達成状況調査は、このシステムの調査としてすでにあります（状態: 準備中）。"
        in page
    )
    # All or nothing: the good year is not made either.
    assert _counts() == counts
    assert list(ReviewCycle.objects.filter(plan=plan5)) == [surveyed]


def test_the_domain_function_refuses_a_year_taken_while_the_file_was_previewed(plan5, admin_user):
    """Another administrator started the year between the preview and the confirm: nothing is written."""
    results = past_years.read_past_results(
        HEADERS, [[r[h] for h in HEADERS] for r in rows_for(plan5, [2022, 2023])]
    )
    start_cycle(plan5, 2023, admin_user)
    with pytest.raises(past_years.PastResultsRefused, match="確認の間にほかの人が作成しました"):
        past_years.publish_past_years(results, admin_user, "x.xlsx")
    assert list(ReviewCycle.objects.filter(plan=plan5).values_list("fiscal_year", flat=True)) == [2023]


def test_the_domain_function_proposes_an_empty_progress_word_as_the_survey_does(plan5, admin_user):
    def empty(year, number, row):
        row["進捗"] = ""

    results = past_years.read_past_results(
        HEADERS, [[r[h] for h in HEADERS] for r in rows_for(plan5, [2022], empty)]
    )
    row = next(r for r in results.rows.values() if r.initiative.number == NUMBER)
    assert row.values["progress"] == "計画どおり" and row.proposed == ["progress"]


def test_only_an_administrator_may_import(client, plan5):
    from tests.personas import make_user

    clerk = make_user("staff", username="joho")
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    assert client.get(IMPORT_URL).status_code == 403


def test_a_file_with_an_imported_year_and_a_new_one_makes_only_the_new_one(
    admin_client, plan5, fast_pdf, django_capture_on_commit_callbacks
):
    import_file(admin_client, django_capture_on_commit_callbacks, xlsx_bytes(rows_for(plan5, [2022])))
    first = ReviewCycle.objects.get(plan=plan5, fiscal_year=2022)
    published_at = first.publication.published_at

    preview = import_file(
        admin_client, django_capture_on_commit_callbacks, xlsx_bytes(rows_for(plan5, [2022, 2023]))
    )
    page = preview.content.decode()
    assert "令和4年度 (2022)は取り込み済みで、変更はありません。" in page
    assert "令和5年度 (2023)を公開済みの調査として作成します（26件）。" in page
    assert page.count('class="skip"') == 26 and page.count('class="new"') == 26
    assert sorted(ReviewCycle.objects.filter(plan=plan5).values_list("fiscal_year", flat=True)) == [
        2022,
        2023,
    ]
    first.refresh_from_db()
    assert first.publication.published_at == published_at
    assert CycleEvent.objects.filter(cycle=first).count() == 1


def test_a_file_that_is_not_a_plain_xlsx_is_refused_before_it_is_read(admin_client, plan5):
    response = upload(admin_client, b"PK\x03\x04 not really a workbook", "壊れた.xlsx")
    assert response.context.get("confirm_form") is None
    assert "Excel形式（.xlsx）のファイルではありません" in response.content.decode()
    assert not ReviewCycle.objects.exists()


def test_the_list_of_past_results_takes_a_fixed_number_of_queries(
    admin_client, plan5, fast_pdf, django_capture_on_commit_callbacks, django_assert_num_queries
):
    import_file(admin_client, django_capture_on_commit_callbacks, xlsx_bytes(rows_for(plan5, [2022, 2023])))
    # Session, user and its role's permissions; the plans and the years of the filters; the counts (filtered and
    # all); the page's rows with their cycles, plans and initiatives in one query; the city's settings (three, as
    # on every admin page).
    with django_assert_num_queries(11):
        response = admin_client.get("/admin/reviews/pastresult/")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 52


def test_a_year_not_yet_ended_is_not_a_past_year(plan5):
    rows = [[r[h] for h in HEADERS] for r in rows_for(plan5, [2024])]
    with pytest.raises(
        past_years.PastResultsRefused, match="2行目 B列（年度）: 令和6年度 \\(2024\\)はまだ終わっていないため"
    ):
        past_years.read_past_results(HEADERS, rows, today=datetime.date(2024, 11, 1))
    assert past_years.read_past_results(HEADERS, rows, today=datetime.date(2025, 4, 1)).new_years


def test_a_year_started_in_the_application_between_preview_and_confirm_is_refused_at_confirm(
    admin_client, admin_user, plan5, fast_pdf, django_capture_on_commit_callbacks
):
    preview = upload(admin_client, xlsx_bytes(rows_for(plan5, [2022, 2023])), "過去.xlsx")
    assert preview.context.get("confirm_form") is not None
    surveyed = start_cycle(plan5, 2023, admin_user)
    response = confirm(admin_client, preview, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"].endswith(IMPORT_URL)
    told = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("このシステムの調査としてすでにあります" in m for m in told), told
    assert list(ReviewCycle.objects.filter(plan=plan5)) == [surveyed]
    assert not Publication.objects.exists()


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_an_export_saved_again_by_libreoffice_imports_back_unchanged(
    admin_client, plan5, indicator, fast_pdf, django_capture_on_commit_callbacks, tmp_path
):
    """A real spreadsheet program's save of the export, as a clerk's edit in Excel would be."""
    import_file(admin_client, django_capture_on_commit_callbacks, xlsx_bytes(rows_for(plan5, [2022, 2023])))
    counts = _counts()
    exported = admin_client.post(
        "/admin/reviews/pastresult/export/", {"format": "0", "resource": "0", **_all_fields()}
    ).content
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "export.xlsx").write_bytes(exported)
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path / "out"),
            str(tmp_path / "in" / "export.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    saved = (tmp_path / "out" / "export.xlsx").read_bytes()
    preview = import_file(admin_client, django_capture_on_commit_callbacks, saved, "libreoffice.xlsx")
    page = preview.content.decode()
    assert page.count('class="skip"') == 2 * 26 and 'class="new"' not in page
    assert _counts() == counts


def test_the_preview_takes_queries_by_years_not_by_rows(admin_client, plan5, indicator):
    """However many rows, the preview reads the plan, its initiatives, indicators, roadmap and the stored
    surveys once: a file of four years costs no more than one of one year. (import-export's savepoint around
    each row is not a query of ours.)"""

    def reads(name, years):
        data = xlsx_bytes(rows_for(plan5, years))
        with CaptureQueriesContext(connection) as queries:
            assert upload(admin_client, data, name).status_code == 200
        return [
            q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
        ]

    one_year, four_years = reads("1.xlsx", [2022]), reads("4.xlsx", YEARS)
    assert len(four_years) == len(one_year), four_years


def test_the_page_speaks_as_the_other_bulk_imports_do(admin_client, plan5, fast_pdf):
    """Its title, the formats it reads, the way back to 一括取込, and 「取り込む」 under the preview."""
    page = admin_client.get(IMPORT_URL).content.decode()
    assert "過去の年度の結果の取込" in page
    assert "Shift_JIS" in page and reverse("onboarding_bulk_import") in page
    preview = upload(admin_client, xlsx_bytes(rows_for(plan5, years=[2022])), "過去の結果.xlsx")
    html = preview.content.decode()
    assert 'value="取り込む"' in html and "インポート実行" not in html


def test_the_day_the_city_published_a_year_is_kept_as_its_publication_date(
    admin_client, plan5, fast_pdf, django_capture_on_commit_callbacks
):
    """公表日 (optional): a date cell as Excel stores one, or text in the forms the city writes; blank on some
    rows is the same day. The published list, the feed and the catalogue date the year by it; the export writes
    it and imports back unchanged."""
    published = {2022: datetime.datetime(2023, 8, 1), 2023: "令和6年8月1日"}

    def dated(year, number, row):
        if number % 2:  # every other row: the rest leave it blank
            row["公表日"] = published.get(year)

    headers = [*HEADERS, "公表日"]
    rows = rows_for(plan5, [2022, 2023, 2024], dated)
    preview = upload(admin_client, xlsx_bytes(rows, headers), "公表日.xlsx").content.decode()
    assert "令和4年度 (2022)を公開済みの調査として作成します（26件、公表日 2023年8月1日）" in preview
    assert "令和6年度 (2024)を公開済みの調査として作成します（26件）" in preview
    import_file(admin_client, django_capture_on_commit_callbacks, xlsx_bytes(rows, headers))

    days = {p.cycle.fiscal_year: p.published_at for p in Publication.objects.select_related("cycle")}
    local = {year: timezone.localtime(at).date() for year, at in days.items()}
    assert local[2022] == datetime.date(2023, 8, 1) and local[2023] == datetime.date(2024, 8, 1)
    assert local[2024] == timezone.localdate()  # no 公表日: the day of the import
    listing = Client().get("/published/").content.decode()
    assert "2023年8月1日 公開" in listing and "2024年8月1日 公開" in listing
    feed = Client().get("/published/feed.atom").content.decode()
    assert "<published>2023-07-31T15:00:00+00:00</published>" in feed  # 1 August, 0:00 in Japan
    catalog = json.loads(Client().get("/open-data/catalog.jsonld").content)
    issued = [d["dct:issued"]["@value"] for d in catalog["dcat:dataset"] if d["@id"].endswith("/5/2022/")]
    assert issued == ["2023-07-31T15:00:00+00:00"]
    assert AuditEvent.objects.filter(
        kind=AuditKind.PUBLICATION, detail__contains="公表日 2023年8月1日"
    ).exists()

    exported = admin_client.post(
        "/admin/reviews/pastresult/export/", {"format": "0", "resource": "0", **_all_fields()}
    ).content
    sheet = load_workbook(io.BytesIO(exported)).active
    column = [c.value for c in sheet[1]].index("公表日")
    assert {row[column] for row in sheet.iter_rows(min_row=2, max_row=27, values_only=True)} == {"2023-08-01"}
    counts = _counts()
    page = import_file(admin_client, django_capture_on_commit_callbacks, exported, "export.xlsx").content
    assert page.decode().count('class="skip"') == 3 * 26
    assert _counts() == counts


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("8月1日", "M列（公表日）: 公表日「8月1日」を日付として読めません"),
        ("2023-02-30", "M列（公表日）: 公表日「2023-02-30」を日付として読めません"),
        ("2023-03-31", "M列（公表日）: 公表日 2023年3月31日 は令和4年度 (2022)が終わる前です。"),
        ("2099-04-01", "M列（公表日）: 公表日 2099年4月1日 は今日より後です。"),
    ],
)
def test_a_publication_day_that_cannot_be_is_named_by_row_and_column(admin_client, plan5, value, message):
    def bad(year, number, row):
        row["公表日"] = value if number == 3 else ""

    page = upload(admin_client, xlsx_bytes(rows_for(plan5, [2022], bad), [*HEADERS, "公表日"]), "日付.xlsx")
    assert f"4行目 {message}" in page.content.decode()
    assert not ReviewCycle.objects.exists()


def test_a_year_has_one_publication_day_and_an_imported_year_keeps_its_own(
    admin_client, plan5, fast_pdf, django_capture_on_commit_callbacks
):
    def two_days(year, number, row):
        row["公表日"] = "2023-08-01" if number != 5 else "2023-09-01"

    headers = [*HEADERS, "公表日"]
    page = upload(admin_client, xlsx_bytes(rows_for(plan5, [2022], two_days), headers), "a.xlsx").content
    assert (
        "6行目 M列（公表日）: 令和4年度 (2022)の公表日 2023年9月1日 が2行目（2023年8月1日）と違います。"
        in page.decode()
    )

    def one_day(year, number, row):
        row["公表日"] = "2023-08-01"

    import_file(
        admin_client,
        django_capture_on_commit_callbacks,
        xlsx_bytes(rows_for(plan5, [2022], one_day), headers),
    )

    def moved(year, number, row):
        row["公表日"] = "2023/9/1" if number == 1 else ""

    counts = _counts()
    page = upload(
        admin_client, xlsx_bytes(rows_for(plan5, [2022], moved), headers), "b.xlsx"
    ).content.decode()
    assert "2行目 M列（公表日）: 令和4年度 (2022)は取り込んで公開済みで、公表日は 2023年8月1日 です" in page
    assert _counts() == counts

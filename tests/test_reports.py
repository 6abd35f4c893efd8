"""The annual progress report: its numbers, and the same numbers in HTML, xlsx and PDF."""

import datetime
import io
import re
import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from initiatives.models import Indicator, IndicatorTarget, Initiative, RoadmapCell
from reviews import report_files
from reviews.cycles import take_step
from reviews.entries import save_entry
from reviews.models import ReviewCycle, StatusEntry
from reviews.report_files import report_pdf, report_xlsx
from reviews.reports import cycle_report
from tests.jobs import job_file
from tests.personas import make_user, open_cycle

# Four entries a clerk recorded, counted by hand below.
RECORDED = {
    1: {
        "stage_reached": "実施中",
        "progress": "計画どおり",
        "achievement": "達成",
        "direction": "継続",
        "actions": "申請の電子化を拡大した。",
    },
    2: {
        "stage_reached": "検討中",
        "progress": "計画より遅れている",
        "achievement": "一部達成",
        "direction": "見直し",
        "actions": "=課題を整理した",
    },
    8: {
        "stage_reached": "実施中",
        "progress": "計画より進んでいる",
        "achievement": "達成",
        "direction": "拡充",
        "actions": "ICT-BCPを策定した。",
    },
    9: {
        "stage_reached": "未着手",
        "progress": "計画より遅れている",
        "achievement": "未達成",
        "direction": "継続",
        "actions": "",
    },
}


@pytest.fixture
def cycle(plan5, admin):
    cycle = open_cycle(plan5, 2026, admin)
    for number, values in RECORDED.items():
        entry = StatusEntry.objects.get(cycle=cycle, initiative__number=number)
        save_entry(entry, values, admin, entry.version)
    return cycle


def counts(rows):
    return {r["word"]: r["count"] for r in rows}


def test_the_summary_counts_each_word_as_counted_by_hand(cycle, plan5):
    total = plan5.initiatives.count()
    summary = cycle_report(cycle)["summary"]
    assert summary["total"] == total
    assert counts(summary["achievement"]) == {"達成": 2, "一部達成": 1, "未達成": 1, "": total - 4}
    assert counts(summary["progress"]) == {
        "計画より進んでいる": 1,
        "計画どおり": 1,
        "計画より遅れている": 2,
        "評価できない": 0,
        "": total - 4,
    }
    assert counts(summary["direction"]) == {"継続": 2, "拡充": 1, "見直し": 1, "取組終了": 0, "": total - 4}
    assert counts(summary["state"]) == {
        "未入力": total - 4,
        "入力中": 4,
        "提出済": 0,
        "確認済": 0,
        "差戻し": 0,
    }
    shares = {r["word"]: r["share"] for r in summary["achievement"]}
    assert shares["達成"] == round(200 / total, 1)


def test_the_late_initiatives_are_listed_with_planned_and_reached_stage(cycle):
    late = cycle_report(cycle)["summary"]["late"]
    assert late == [
        {"number": 2, "name": "施設予約システムの導入", "planned_stage": "実施", "stage_reached": "検討中"},
        {"number": 9, "name": "セキュリティ対策の推進", "planned_stage": "実施", "stage_reached": "未着手"},
    ]


def test_the_breakdowns_by_goal_and_flag_follow_the_initiatives(cycle, plan5):
    summary = cycle_report(cycle)["summary"]
    by_goal = {g["code"]: g for g in summary["by_goal"]}
    # Initiatives (1)–(9) serve goals I and II; (10)–(26) serve goal III.
    assert by_goal["I"]["count"] == plan5.initiatives.filter(goals__code="I").count()
    assert counts(by_goal["I"]["achievement"])["達成"] == 2
    assert counts(by_goal["III"]["achievement"])["達成"] == 0
    flags = {f["flag"]: f for f in summary["by_flag"]}
    assert (
        flags["官民データ活用"]["count"]
        == plan5.initiatives.filter(column_values__public_private_data=True).count()
    )
    # 1 (達成) and 2 (一部達成) use public-private data; 1 and 9 are 自治体DX.
    assert counts(flags["官民データ活用"]["achievement"])["一部達成"] == 1
    assert counts(flags["自治体DX"]["achievement"]) | {"": 0} == counts(flags["自治体DX"]["achievement"]) | {
        "": 0
    }
    assert counts(flags["自治体DX"]["achievement"])["未達成"] == 1


def test_each_row_carries_the_years_planned_stage_from_the_roadmap(cycle):
    rows = {r["number"]: r for r in cycle_report(cycle)["rows"]}
    assert rows[8]["planned_stage"] == "検討"  # ICT-BCPの策定: 検討 ⇒ ⇒ ⇒ ⇒
    assert rows[23]["planned_stage"] == "実施"  # エルタックス連携: 実施 in 2026
    RoadmapCell.objects.filter(initiative__number=23, initiative__plan=cycle.plan, fiscal_year=2026).delete()
    assert {r["number"]: r for r in cycle_report(cycle)["rows"]}[23]["planned_stage"] == ""


def test_the_report_needs_the_same_queries_however_many_initiatives(
    cycle, plan5, admin, django_assert_num_queries
):
    cycle = ReviewCycle.objects.select_related("plan").get(pk=cycle.pk)  # as the views fetch it
    # entries with initiative and department; their goals; the roadmap cells of the year; the plan's goals.
    # … the plan's columns with their choices, for the breakdowns; the city's names of its committees; the plan's
    # rating scales with their words, which the counts follow; the initiatives' indicators and their targets; the
    # plan's roadmap stages, which 自己評価と年次計画の差 compares the stage reached along.
    indicator = Indicator.objects.create(
        initiative=plan5.initiatives.get(number=1), name="申請のオンライン化率"
    )
    IndicatorTarget.objects.create(indicator=indicator, fiscal_year=cycle.fiscal_year, target=50)
    with django_assert_num_queries(12):
        cycle_report(cycle)
    for number in range(100, 130):
        initiative = Initiative.objects.create(plan=plan5, number=number, name=f"追加 {number}")
        StatusEntry.objects.create(cycle=cycle, initiative=initiative)
    cycle = ReviewCycle.objects.select_related("plan").get(
        pk=cycle.pk
    )  # a new request's plan reads its scales anew
    with django_assert_num_queries(12):
        cycle_report(cycle)


def test_the_xlsx_report_has_the_table_cell_by_cell_ready_to_print(cycle):
    report = cycle_report(cycle)
    book = load_workbook(io.BytesIO(report_xlsx(report)))
    sheet = book["進捗状況報告"]
    assert sheet["A1"].value == "第五次東大和市情報化推進計画 進捗状況報告 令和8年度 (2026)"
    header = [c.value for c in sheet[3]]
    assert header == [
        "項番",
        "個別計画名",
        "計画内容",
        "令和8年度 (2026)の計画",
        "実施状況",
        "進捗",
        "取組内容",
        "課題",
        "達成状況",
        "今後の方向性",
        "自己評価と年次計画の差",
        "担当課",
    ]
    by_number = {row[0].value: [c.value for c in row] for row in sheet.iter_rows(min_row=4)}
    assert len(by_number) == len(report["rows"])
    assert by_number[2][1:] == [
        "施設予約システムの導入",
        "令和7(2025)年度のシステム更新に向けて、現行システムの課題を整理・検討する。",
        "実施",
        "検討中",
        "計画より遅れている",
        "=課題を整理した",
        None,
        "一部達成",
        "見直し",
        None,
        None,
    ]
    formula_looking = sheet.cell(
        row=next(r[0].row for r in sheet.iter_rows(min_row=4) if r[0].value == 2), column=7
    )
    assert formula_looking.data_type == "s"  # text, not a formula
    assert by_number[3][8] == "未入力"
    assert sheet.freeze_panes == "C4"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.column_dimensions["G"].width > sheet.column_dimensions["A"].width
    assert sheet.cell(row=4, column=7).alignment.wrap_text
    summary = {row[0].value: row[1].value for row in book["集計"].iter_rows() if row[0].value}
    assert summary["達成"] == 2 and summary["未達成"] == 1


def test_the_pdf_report_has_the_same_numbers_page_numbers_and_the_header_on_every_page(cycle, tmp_path):
    report = cycle_report(cycle)
    path = tmp_path / "report.pdf"
    path.write_bytes(report_pdf(report))
    pages = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    text = pages.stdout.split("\f")
    text = [t for t in text if t.strip()]
    assert len(text) >= 2
    assert report["title"] in text[0]
    for number, page in enumerate(text, start=1):
        assert re.search(rf"\b{number}\s*/\s*{len(text)}\s*$", page.strip())
    table_pages = [p for p in text if "ICT-BCPの策定" in p or "基幹業務システムの標準化・共通化" in p]
    for page in table_pages:
        assert "取組内容" in page and "実施状況" in page  # the repeated table header
    assert "セキュリティ対策の推進" in "".join(text)


def test_a_long_report_is_laid_out_in_pieces_and_reads_as_one_document(cycle, tmp_path, settings):
    settings.REPORT_PDF_PART_ROWS = 10  # the seed's 26 rows in three pieces, as 2,600 would be in thirteen
    report = cycle_report(cycle)
    path = tmp_path / "report.pdf"
    path.write_bytes(report_pdf(report))
    pages = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    text = [t for t in pages.stdout.split("\f") if t.strip()]
    # Numbered as one document, the title and summary once at its start, every row once, in order.
    for number, page in enumerate(text, start=1):
        assert re.search(rf"\b{number}\s*/\s*{len(text)}\s*$", page.strip()), page[-200:]
    whole = "".join(text)
    assert whole.count(report["title"]) == 1 and report["title"] in text[0]
    assert whole.count("個別計画の取組状況と今後の方向性") == 1
    # Each row's 計画内容 (which only the table prints) once, in the table's order.
    flowing = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    )
    flat = re.sub(r"\s+", "", flowing.stdout)
    descriptions = [re.sub(r"\s+", "", row["description"]) for row in report["rows"]]
    assert [flat.count(d) for d in descriptions] == [1] * len(descriptions)
    positions = [flat.find(d) for d in descriptions]
    assert positions == sorted(positions)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Sans-CJK" in fonts and "DejaVu" not in fonts


def test_the_report_page_shows_the_summary_and_every_row(client, cycle, admin):
    client.force_login(admin)
    response = client.get(reverse("reviews:report", args=[cycle.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "年次計画より遅れている個別計画" in html
    assert len(response.context["report"]["rows"]) == cycle.plan.initiatives.count()
    assert "この報告はまだ公開されていません" in html


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("pdf", "application/pdf"), ("xlsx", "application/vnd.openxml"), ("html", "text/html")],
)
def test_the_report_downloads_for_the_committee(client, cycle, fmt, content_type):
    client.force_login(make_user("committee"))
    response = job_file(client, client.get(reverse("reviews:report_file", args=[cycle.pk, fmt])))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"] == f'attachment; filename="report-5-{cycle.fiscal_year}.{fmt}"'


def test_a_department_editor_cannot_read_the_whole_report(client, cycle):
    client.force_login(make_user("department"))
    assert client.get(reverse("reviews:report", args=[cycle.pk])).status_code == 403


def test_the_command_writes_each_format(cycle, tmp_path):
    for fmt in ("html", "xlsx", "pdf"):
        out = tmp_path / f"r.{fmt}"
        call_command(
            "progress_report",
            "--plan",
            "5",
            "--year",
            "2026",
            "--format",
            fmt,
            "-o",
            str(out),
            stdout=io.StringIO(),
        )
        assert out.stat().st_size > 1000
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in html and "<link" not in html  # self-contained


def test_the_command_refuses_a_year_without_a_survey(seeded, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="2030"):
        call_command("progress_report", "--plan", "5", "--year", "2030", "-o", str(tmp_path / "x.html"))


def test_the_committees_comments_and_dates_appear_in_the_report(cycle, admin):
    cycle = take_step(cycle, "compile", admin)
    cycle = take_step(
        cycle,
        "committee",
        admin,
        date=datetime.date(2027, 5, 20),
        comment="遅れている2件は次年度に重点的に確認すること。",
    )
    report = cycle_report(cycle)
    assert report["committee"] == {
        "name": "東大和市情報システム委員会",  # the city's settings, as the seed ships them
        "date": "2027-05-20",
        "comment": "遅れている2件は次年度に重点的に確認すること。",
    }


# --- What the committee reads: 進捗, 課題, the indicators and 自己評価と年次計画の差 ----------------------------

CONTRADICTED = {
    "stage_reached": "検討中",  # the roadmap plans 実施 in 2026: behind it …
    "progress": "計画どおり",  # … though the department says on plan
    "achievement": "一部達成",
    "direction": "継続",
    "actions": "実施に向けた準備を進めた。",
    "issues": "調達の手続に時間がかかった。",
    "progress_reason": "準備は予定どおり終えており、実質的には計画どおりと判断した。",
}
FLAG = "計画どおり（年次計画では 計画より遅れている）"


@pytest.fixture
def flagged(cycle, plan5, admin):
    """The cycle with a contradicted entry (5) and an indicator with its target and actual (1)."""
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=5)
    save_entry(entry, CONTRADICTED, admin, entry.version)
    indicator = Indicator.objects.create(
        initiative=plan5.initiatives.get(number=1), name="オンライン申請できる手続の数", unit="件"
    )
    IndicatorTarget.objects.create(indicator=indicator, fiscal_year=cycle.fiscal_year, target=40)
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=1)
    save_entry(entry, {"kpi_actuals": {indicator.key: "42"}}, admin, entry.version)
    return cycle


def test_an_entry_whose_progress_contradicts_the_roadmap_carries_both_words_and_the_reason(flagged):
    report = cycle_report(flagged)
    rows = {r["number"]: r for r in report["rows"]}
    assert rows[5]["contradiction"] == {"given": "計画どおり", "roadmap": "計画より遅れている"}
    assert rows[5]["progress_reason"] == CONTRADICTED["progress_reason"]
    # Those that agree with the roadmap, and those not entered, carry none.
    assert [n for n, r in rows.items() if r["contradiction"]] == [5]
    assert report["summary"]["contradicted"] == [
        {
            "number": 5,
            "name": "AIチャットボット(市民向け)の導入",
            "planned_stage": "実施",
            "stage_reached": "検討中",
            "given": "計画どおり",
            "roadmap": "計画より遅れている",
            "reason": CONTRADICTED["progress_reason"],
        }
    ]
    assert [r["number"] for r in report["summary"]["late"]] == [2, 9]  # 5 says it is on plan


def test_the_html_and_pdf_report_show_progress_issues_indicators_and_the_flag(flagged, tmp_path):
    report = cycle_report(flagged)
    html = report_files.report_html(report)
    row = re.search(r'<tbody class="entry" id="row-5">.*?</tbody>', html, re.S).group()
    for text in ("検討中", "計画どおり", CONTRADICTED["issues"], "自己評価と年次計画の差", FLAG):
        assert text in row
    assert CONTRADICTED["progress_reason"] in row
    assert (
        'class="flag-row"'
        not in re.search(r'<tbody class="entry" id="row-1">.*?</tbody>', html, re.S).group()
    )
    summary = html[html.index('id="summary-heading"') : html.index('id="table-heading"')]
    assert "自己評価と年次計画の差がある個別計画" in summary and FLAG in summary

    path = tmp_path / "report.pdf"
    path.write_bytes(report_pdf(report))
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True)
    flat = re.sub(r"\s+", "", text.stdout)
    for seen in (FLAG, CONTRADICTED["progress_reason"], CONTRADICTED["issues"], "計画より遅れている"):
        assert re.sub(r"\s+", "", seen) in flat
    assert "オンライン申請できる手続の数" in flat and "40.00件" in flat and "42件" in flat


def test_the_xlsx_report_has_progress_issues_the_flag_and_the_indicators(flagged):
    book = load_workbook(io.BytesIO(report_xlsx(cycle_report(flagged))))
    sheet = book["進捗状況報告"]
    header = [c.value for c in sheet[3]]
    row = next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] == 5)
    values = dict(zip(header, row, strict=True))
    assert values["実施状況"] == "検討中" and values["進捗"] == "計画どおり"
    assert values["課題"] == CONTRADICTED["issues"]
    assert values["自己評価と年次計画の差"] == f"{FLAG}\n理由: {CONTRADICTED['progress_reason']}"
    # Each row is tall enough for its longest text, which a spreadsheet does not fit by itself.
    five = next(r[0].row for r in sheet.iter_rows(min_row=4) if r[0].value == 5)
    assert sheet.row_dimensions[five].height >= 3 * 15

    summary = [[c for c in r if c is not None] for r in book["集計"].iter_rows(values_only=True)]
    at = summary.index(["自己評価と年次計画の差がある個別計画"])
    assert summary[at + 1] == [
        "5 AIチャットボット(市民向け)の導入",
        f"{FLAG}\n理由: {CONTRADICTED['progress_reason']}",
    ]
    kpi = [r for r in book["指標"].iter_rows(min_row=4, values_only=True)]
    assert kpi == [(1, "行政手続きのオンライン化", "オンライン申請できる手続の数", "件", 40, 42, 105)]


def test_the_report_files_are_in_japanese_whoever_asks_for_them(flagged):
    from django.utils import translation

    report = cycle_report(flagged)
    with translation.override("en"):
        html = report_files.report_file(report, "html").decode()
    assert "取組内容" in html and FLAG in html
    assert "Self-assessment" not in html and "On plan" not in html


def test_the_report_page_marks_the_contradicted_entry(client, flagged, admin):
    client.force_login(admin)
    html = client.get(reverse("reviews:report", args=[flagged.pk])).content.decode()
    row = re.search(r'<tbody class="entry" id="row-5">.*?</tbody>', html, re.S).group()
    assert "自己評価と年次計画の差" in row and FLAG in row and CONTRADICTED["progress_reason"] in row


def test_a_report_made_before_the_flag_still_renders_in_every_form(flagged):
    """A snapshot published before 自己評価と年次計画の差 (and before 提出済/確認済, when complete entries counted
    as 入力済) has none of the new keys."""
    report = cycle_report(flagged)
    for row in report["rows"]:
        for key in ("contradiction", "progress_reason", "stage_reached", "issues"):
            del row[key]
    del report["summary"]["contradicted"]
    report["summary"]["state"] = [{"word": "入力済", "count": 5, "share": 19.2}]
    html = report_files.report_html(report)
    article = html[html.index("<article") :]
    assert "自己評価と年次計画の差" not in article
    assert "AIチャットボット(市民向け)の導入" in article
    book = load_workbook(io.BytesIO(report_xlsx(report)))
    row = next(r for r in book["進捗状況報告"].iter_rows(min_row=4, values_only=True) if r[0] == 5)
    assert row[4] is None and row[10] is None  # 実施状況 and the flag: not in the snapshot
    assert "入力済" in [c.value for r in book["集計"].iter_rows() for c in r]

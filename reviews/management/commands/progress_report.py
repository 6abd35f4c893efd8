from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews import report_files
from reviews.models import Publication, ReviewCycle
from reviews.reports import cycle_report


class Command(BaseCommand):
    help = "達成状況調査の進捗状況報告を HTML・xlsx・PDF で書き出します（公開済みの調査は公開した内容）。"

    def add_arguments(self, parser):
        parser.add_argument("--plan", type=int, required=True, help="計画の次数（第五次なら 5）")
        parser.add_argument("--year", type=int, required=True, help="調査の年度（西暦。令和8年度なら 2026）")
        parser.add_argument("--format", choices=["html", "xlsx", "pdf"], default="html")
        parser.add_argument("-o", "--output", required=True, help="出力先ファイル")

    def handle(self, *args, plan, year, format, output, **options):
        cycle = (
            ReviewCycle.objects.select_related("plan").filter(plan__ordinal=plan, fiscal_year=year).first()
        )
        if cycle is None:
            raise CommandError(f"第{plan}次計画の {year} 年度の達成状況調査はありません。")
        # A published report is a public document: the command gives exactly what was published.
        publication = Publication.objects.filter(cycle=cycle).first()
        report = publication.report if publication else cycle_report(cycle)
        if format == "html":
            content = report_files.report_html(report, publication).encode("utf-8")
        elif format == "xlsx":
            content = report_files.report_xlsx(report)
        else:
            content = report_files.report_pdf(report, publication)
        Path(output).write_bytes(content)
        self.stdout.write(f"{report['title']} を {output} に書き出しました。")

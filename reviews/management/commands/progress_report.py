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
        # A published report is a public document: the command gives exactly the file that was published.
        publication = Publication.objects.filter(cycle=cycle).first()
        if publication:
            report = publication.report
            content = bytes(publication.files.values_list("content", flat=True).get(format=format))
        else:
            report = cycle_report(cycle)
            try:
                content = report_files.report_file(report, format)
            except report_files.PdfTooLarge as exc:
                raise CommandError(
                    "PDFを作成できませんでした（REPORT_PDF_TIMEOUT・REPORT_PDF_MAX_MEMORY_MB・"
                    "REPORT_PDF_MAX_MB の範囲を超えました）。"
                ) from exc
        Path(output).write_bytes(content)
        self.stdout.write(f"{report['title']} を {output} に書き出しました。")

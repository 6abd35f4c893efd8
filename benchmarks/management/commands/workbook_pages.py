"""`manage.py workbook_pages`: the workbooks the application writes, converted by LibreOffice to PDF and PNG,
for a person to look at (issue 13: rows as high as their wrapped text).

It reads the database as it is (after `make run`: the seed and the development survey) and writes, for each
plan with initiatives, the plan table (the export and the open data xlsx are the same writer) and the final
table; for the newest survey, each department's survey workbook and the report workbook. Each goes to
--output as .xlsx, .pdf (soffice --headless) and a PNG of its first page (pdftoppm). Nothing is written to the
database.
"""

import subprocess
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from initiatives.models import Department, Initiative
from initiatives.spreadsheet import write_plan_workbook
from plan.models import Plan
from reviews import report_files
from reviews.models import ReviewCycle, StatusEntry
from reviews.reports import cycle_report, final_table
from reviews.survey_workbooks import write_survey_workbook

TIMEOUT = 180


class Command(BaseCommand):
    help = (
        "アプリが書き出すブック（xlsx）を LibreOffice で PDF と PNG に変換し、目で確かめられるようにします。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", default="test-artifacts/workbook-pages", help="出力先のフォルダ")

    def handle(self, *args, output, **options):
        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        books = {}
        for plan in Plan.objects.filter(initiatives__isnull=False).distinct().order_by("ordinal"):
            books[f"plan-{plan.ordinal}"] = write_plan_workbook(plan, Initiative.objects.for_plan_table(plan))
            books[f"final-{plan.ordinal}"] = report_files.final_workbook(plan, final_table(plan))
        cycle = ReviewCycle.objects.order_by("-fiscal_year", "-pk").first()
        if cycle:
            books[f"report-{cycle.fiscal_year}"] = report_files.report_xlsx(cycle_report(cycle))
            for department in Department.objects.filter(initiatives__plan=cycle.plan).distinct():
                entries = StatusEntry.objects.for_worklist(cycle).filter(initiative__department=department)
                books[f"survey-{cycle.fiscal_year}-{department.pk}"] = write_survey_workbook(
                    cycle, department, entries
                )
        if not books:
            raise CommandError(
                "書き出すものがありません。先に make run（または manage.py load_seed）を実行してください。"
            )
        with tempfile.TemporaryDirectory(prefix="workbook-pages-") as profile:
            for name, data in books.items():
                path = out / f"{name}.xlsx"
                path.write_bytes(data)
                subprocess.run(
                    [
                        "soffice",
                        f"-env:UserInstallation=file://{profile}",
                        "--headless",
                        "--norestore",
                        "--convert-to",
                        "pdf",
                        "--outdir",
                        str(out),
                        str(path),
                    ],
                    capture_output=True,
                    timeout=TIMEOUT,
                    check=True,
                )
                pdf = out / f"{name}.pdf"
                subprocess.run(
                    [
                        "pdftoppm",
                        "-png",
                        "-r",
                        "80",
                        "-f",
                        "1",
                        "-l",
                        "1",
                        "-singlefile",
                        str(pdf),
                        str(out / name),
                    ],
                    timeout=TIMEOUT,
                    check=True,
                )
                self.stdout.write(f"{path}  {pdf}  {out / name}.png")

import json

from django.core.management.base import BaseCommand, CommandError

from initiatives.models import Initiative
from initiatives.open_data import plan_to_csv, plan_to_dict
from initiatives.spreadsheet import write_plan_workbook
from plan.models import Plan


class Command(BaseCommand):
    help = "計画（第N次）を JSON・CSV・xlsx で書き出します。"

    def add_arguments(self, parser):
        parser.add_argument("plan", type=int, help="計画の次数（第五次なら 5）")
        parser.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
        parser.add_argument("-o", "--output", help="出力先ファイル（省略時は標準出力。xlsx では必須）")

    def handle(self, *args, plan, format, output, **options):
        try:
            plan = (
                Plan.objects.select_related("predecessor")
                .prefetch_related("goals", "references")
                .get(ordinal=plan)
            )
        except Plan.DoesNotExist:
            raise CommandError(f"第{plan}次の計画は登録されていません。") from None
        initiatives = Initiative.objects.for_plan_table(plan)
        if format == "json":
            content = json.dumps(plan_to_dict(plan, initiatives), ensure_ascii=False, indent=2) + "\n"
        elif format == "csv":
            content = plan_to_csv(plan, initiatives)
        else:
            if not output:
                raise CommandError("xlsx は -o でファイル名を指定してください。")
            content = write_plan_workbook(plan, initiatives)
        if output:
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(output, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": ""})) as f:
                f.write(content)
        else:
            self.stdout.write(content, ending="")

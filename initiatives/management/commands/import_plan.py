import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from initiatives.importing import apply_rows, record_import
from initiatives.spreadsheet import read_plan_workbook
from plan.models import Plan
from workbooks import WorkbookError


class Command(BaseCommand):
    help = (
        "計画表の xlsx（本アプリの書き出し、または計画書の表の形式）を読み込みます。"
        "項番で照合するため、同じファイルを何度読み込んでも結果は同じです。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="読み込む .xlsx ファイル")
        parser.add_argument("--plan", type=int, required=True, help="計画の次数（第五次なら 5）")
        parser.add_argument("--dry-run", action="store_true", help="変更内容を表示するだけで保存しない")

    def handle(self, *args, file, plan, dry_run, **options):
        try:
            plan = Plan.objects.select_related("predecessor").get(ordinal=plan)
        except Plan.DoesNotExist:
            raise CommandError(
                f"第{plan}次の計画は登録されていません。先に load_seed を実行してください。"
            ) from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"ファイル {file} が見つかりません。")
        try:
            rows = read_plan_workbook(path.read_bytes(), plan)
            with transaction.atomic():
                result = apply_rows(
                    plan,
                    rows,
                    dry_run=dry_run,
                    reason=_("計画表（xlsx）の取込: %(file)s") % {"file": f"import_plan {path.name}"},
                )
                if not dry_run:
                    record_import(plan, f"import_plan コマンド（OS の利用者 {os_user()}）で {path}", result)
        except WorkbookError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(
                f"{path.name} は読み込めませんでした（{len(exc.messages)}件の誤り）。何も保存していません。"
            ) from None
        for item in result.initiatives:
            self.stdout.write(f"{item.outcome_label}: {item.number} {item.name}")
            for change in item.changes:
                self.stdout.write(f"    {change.label}: 「{change.old}」→「{change.new}」")
        for initiative in result.not_in_file:
            self.stdout.write(f"ファイルにない個別計画（変更なし）: {initiative.number} {initiative.name}")
        prefix = "（試行のため保存していません）" if dry_run else ""
        self.stdout.write(f"{prefix}{plan.title}: {result.summary()}")


def os_user():
    """Who ran the command, as far as the operating system says: there is no logged-in user here."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "不明"

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "すべてのテーブル（変更履歴・公開した報告・監査ログを含む）を1つのファイルに書き出します。"
        "restore コマンドで空のデータベースに戻せます。セッションは含みません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="書き出すファイル（例 backup.json.gz）")

    def handle(self, *args, output, **options):
        try:
            counts = backup(Path(output))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{output} に {sum(counts.values())} 行（{len(counts)} テーブル）を書き出しました。"
        )

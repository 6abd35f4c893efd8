from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "backup コマンドのファイルを、migrate しただけの空のデータベースに読み込みます。"
        "データのあるデータベースには読み込みません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="backup コマンドで書き出したファイル（.json.gz）")

    def handle(self, *args, file, **options):
        try:
            counts = restore(Path(file))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{file} から {sum(counts.values())} 行（{len(counts)} テーブル）を復元しました。")

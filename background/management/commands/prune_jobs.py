"""Delete finished background jobs (and the files they made) older than --days, for the scheduler."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from background.models import UNFINISHED, Job


class Command(BaseCommand):
    help = (
        "終わってから --days 日（既定 7 日）を過ぎたバックグラウンド処理と、その作ったファイルを削除します。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days, **options):
        cutoff = timezone.now() - timedelta(days=days)
        old = Job.objects.exclude(state__in=UNFINISHED).filter(finished_at__lt=cutoff)
        count, _ = old.delete()
        self.stdout.write(f"{count}件のバックグラウンド処理を削除しました（{days}日より前に終わったもの）。")

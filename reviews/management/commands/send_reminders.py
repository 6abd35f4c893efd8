import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications import delivery
from reviews import notices


class Command(BaseCommand):
    help = (
        "調査中の達成状況調査の提出期限のお知らせ（REMINDER_DAYS_BEFORE 日前と当日）を、まだ提出していない担当課に"
        "送ります。送れなかった通知のメールも送り直します。何度実行しても、同時に実行しても、お知らせは1人に1回です。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            help="この日（YYYY-MM-DD）に実行したものとして送る（確かめるとき・送りそびれた日の分）。既定は今日",
        )

    def handle(self, *args, date=None, **options):
        today = date or timezone.localdate()
        made = notices.send_reminders(today)
        sent = delivery.send(made)
        resent = delivery.send_unsent()
        self.stdout.write(
            f"{today:%Y-%m-%d}: 提出期限のお知らせ {len(made)}件（うちメール {sent}件）、"
            f"送り直したメール {resent}件"
        )

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

# Development only: known passwords are acceptable on a developer's machine and nowhere else.
DEV_USERS = [
    # (username, password, role shown to the developer)
    ("admin", "admin-dev-password", "システム管理者（管理画面: 計画表の取込・書き出し、利用者管理）"),
]


class Command(BaseCommand):
    help = "開発用のログインアカウントを作ります（DEBUG が有効なときだけ）。"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "開発用アカウントは DEBUG=1 のときだけ作成できます。本番では createsuperuser を使ってください。"
            )
        User = get_user_model()
        self.stdout.write("開発用アカウント（この端末でのみ使用）:")
        for username, password, role in DEV_USERS:
            user, _created = User.objects.get_or_create(username=username)
            user.is_staff = user.is_superuser = username == "admin"
            user.set_password(password)
            user.save()
            self.stdout.write(f"  {role}: ユーザー名 {username} / パスワード {password}")

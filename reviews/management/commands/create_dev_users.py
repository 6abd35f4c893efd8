from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.development import DEVELOPMENT_GROUP, DEVELOPMENT_PASSWORDS
from caching import pages
from initiatives.models import Department, Initiative
from plan.models import Plan
from reviews.cycles import start_cycle, take_step
from reviews.models import ReviewCycle
from reviews.roles import Role

# Development only: known passwords are acceptable on a developer's machine and nowhere else. The
# accounts are marked (accounts/development.py), and the log-in refuses them wherever DEBUG is off.
# (username, password, role, what the role does here)
DEV_USERS = [
    (
        "admin",
        DEVELOPMENT_PASSWORDS["admin"],
        Role.ADMIN,
        "調査の作成・開始・取りまとめ・審議記録・再開、管理画面（計画表の取込、利用者）",
    ),
    ("staff", DEVELOPMENT_PASSWORDS["staff"], Role.STAFF, "すべての個別計画の入力、取りまとめ"),
    ("dept", DEVELOPMENT_PASSWORDS["dept"], Role.DEPARTMENT, "自課（開発用の例の課）の個別計画だけ入力"),
    ("committee", DEVELOPMENT_PASSWORDS["committee"], Role.COMMITTEE, "閲覧のみ"),
]
# The plan document names no departments. For trying the department role, a made-up department owns
# three initiatives in the development database only.
DEV_DEPARTMENT = "総務課（開発用の例）"
DEV_DEPARTMENT_INITIATIVES = [16, 19, 25]


class Command(BaseCommand):
    help = "開発用のログインアカウントと、試用のための調査を作ります（DEBUG が有効なときだけ）。"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "開発用アカウントは DEBUG=1 のときだけ作成できます。本番では createsuperuser を使ってください。"
            )
        with transaction.atomic():
            users = self.create_users()
            self.create_sample_survey(users["admin"])
        self.stdout.write("開発用アカウント（この端末でのみ使用。ログイン: /accounts/login/）:")
        for username, password, role, duties in DEV_USERS:
            self.stdout.write(f"  {role.label}: ユーザー名 {username} / パスワード {password}  … {duties}")

    def create_users(self):
        User = get_user_model()
        development, _created = Group.objects.get_or_create(name=DEVELOPMENT_GROUP)
        users = {}
        for username, password, role, _duties in DEV_USERS:
            user, _created = User.objects.get_or_create(username=username)
            user.is_staff = user.is_superuser = role == Role.ADMIN
            user.set_password(password)
            user.save()
            user.groups.set([role.group(), development])
            users[username] = user
        department, _created = Department.objects.get_or_create(name=DEV_DEPARTMENT)
        department.members.add(users["dept"])
        plan = Plan.objects.filter(initiatives__isnull=False).order_by("-ordinal").first()
        Initiative.objects.filter(plan=plan, number__in=DEV_DEPARTMENT_INITIATIVES, department=None).update(
            department=department
        )
        pages.changed()  # update() sends no signal
        return users

    def create_sample_survey(self, admin):
        """A survey of the plan's current fiscal year, open for entry, so every role has something to do."""
        plan = Plan.objects.filter(initiatives__isnull=False).order_by("-ordinal").first()
        if plan is None or not plan.fiscal_years or ReviewCycle.objects.filter(plan=plan).exists():
            return
        cycle = start_cycle(plan, plan.last_fiscal_year, admin)
        take_step(cycle, "open", admin)

"""A file waiting between preview and confirmation belongs to its uploader and to its kind of import.

Another user's token, or a token from the other import, fetches nothing: the confirmation is refused with
the usual message and nothing is written. The staged files are readable by the application's user only.
"""

import stat

from django.conf import settings
from django.urls import reverse

from initiatives.models import Department, Initiative
from reviews.models import StatusEntry
from tests.personas import make_user, open_cycle
from tests.test_admin_import import CONFIRM_URL, exported_workbook
from tests.test_admin_import import upload as upload_plan
from tests.test_survey_workbooks import download, fill
from tests.test_survey_workbooks import upload as upload_survey

GONE = "確認待ちのファイルが見つかりません"


def survey_preview(client, plan5):
    cycle = open_cycle(plan5, 2024, make_user("admin"))
    department = Department.objects.create(name="総務課")
    Initiative.objects.filter(plan=plan5, number__in=[16, 19]).update(department=department)
    data = fill(download(client, cycle, department), {16: {"実施状況": "実施中", "取組内容": "展開した"}})
    return cycle, upload_survey(client, cycle, department, data)


def test_another_users_survey_token_is_refused_and_nothing_is_written(client, plan5):
    client.force_login(make_user("staff"))
    cycle, preview = survey_preview(client, plan5)
    client.force_login(make_user("staff"))

    response = client.post(
        reverse("reviews:workbook_confirm", args=[cycle.pk]),
        preview.context["confirm_form"].initial,
        follow=True,
    )

    assert GONE in response.content.decode()
    assert not StatusEntry.objects.filter(cycle=cycle).exclude(version=0).exists()


def test_the_uploader_can_still_confirm_after_another_user_tried_the_token(client, plan5):
    uploader = make_user("staff")
    client.force_login(uploader)
    cycle, preview = survey_preview(client, plan5)
    confirm = preview.context["confirm_form"].initial
    client.force_login(make_user("staff"))
    client.post(reverse("reviews:workbook_confirm", args=[cycle.pk]), confirm)
    client.force_login(uploader)

    response = client.post(reverse("reviews:workbook_confirm", args=[cycle.pk]), confirm, follow=True)

    assert "1件の入力を保存しました" in response.content.decode()


def test_another_administrators_plan_import_token_is_refused(client, plan5, admin_user):
    client.force_login(admin_user)
    preview = upload_plan(client, plan5, exported_workbook(plan5, (7, "個別計画名", "別の名前")))
    client.force_login(type(admin_user).objects.create_superuser("second-admin", "", "test-password-2"))

    response = client.post(CONFIRM_URL, preview.context["confirm_form"].initial, follow=True)

    assert GONE in response.content.decode()
    assert Initiative.objects.get(plan=plan5, number=7).name == "市公式ホームページ等の検討"


def test_a_plan_import_token_does_not_confirm_a_survey_workbook(client, plan5, admin_user):
    client.force_login(admin_user)
    plan_token = upload_plan(client, plan5, exported_workbook(plan5)).context["confirm_form"].initial["token"]
    cycle, preview = survey_preview(client, plan5)
    forged = {**preview.context["confirm_form"].initial, "token": plan_token}

    response = client.post(reverse("reviews:workbook_confirm", args=[cycle.pk]), forged, follow=True)

    assert GONE in response.content.decode()
    assert not StatusEntry.objects.filter(cycle=cycle).exclude(version=0).exists()


def test_staged_files_are_readable_by_the_applications_user_only(client, plan5, admin_user):
    client.force_login(admin_user)
    upload_plan(client, plan5, exported_workbook(plan5))

    directory = settings.IMPORT_STAGING_DIR
    files = list(directory.glob("*.xlsx"))
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700

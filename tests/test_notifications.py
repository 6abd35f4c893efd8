"""Notifications: who is told what, in the application and by e-mail through a real SMTP server.

The e-mails go through Django's SMTP backend to an aiosmtpd server on loopback, started for the test; what
arrived there is what the tests read (recipient, subject, the Japanese body with its 項番 and links).
The survey's hooks run after commit, so each step is taken inside django_capture_on_commit_callbacks.
"""

import datetime
import io
import threading

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core import checks
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from notifications import delivery
from notifications.models import EmailStatus, Notification, Preference
from reviews import notices, workflow
from reviews.cycles import start_cycle, take_step
from reviews.entries import save_entry
from reviews.models import EntryState, StatusEntry
from tests.mail import SITE, Inbox, subject, text
from tests.personas import make_department, make_user, open_cycle
from tests.test_production_settings import production_settings

COMPLETE = {
    "stage_reached": "実施中",
    "progress": "計画どおり",
    "achievement": "達成",
    "actions": "全庁で運用を始めた。",
    "direction": "継続",
}


def notices_of(user):
    return list(Notification.objects.for_list(user))


@pytest.fixture
def survey(plan5, admin, staff):
    """The fifth plan's 2024 survey, prepared (準備中), with 総務課 owning 1, 2, 16 and 企画課 owning 3."""
    somu = make_department("総務課", plan5, numbers=[1, 2, 16])
    kikaku = make_department("企画課", plan5, numbers=[3])
    return {
        "cycle": start_cycle(plan5, 2024, admin),
        "somu": somu,
        "kikaku": kikaku,
        "somu_editor": make_user("department", departments=[somu], username="somu"),
        "kikaku_editor": make_user("department", departments=[kikaku], username="kikaku"),
        "committee": make_user("committee", username="iin"),
    }


@pytest.fixture
def opened(survey, admin, django_capture_on_commit_callbacks):
    """The survey opened, its notices left aside: what each test then does is all it is told."""
    with django_capture_on_commit_callbacks(execute=False):
        survey["cycle"] = take_step(survey["cycle"], "open", admin)
    return survey


def entry_of(cycle, number):
    return StatusEntry.objects.select_related("initiative", "initiative__department", "cycle").get(
        cycle=cycle, initiative__number=number
    )


def filled(cycle, number, user):
    saved, _changes = save_entry(entry_of(cycle, number), COMPLETE, user, based_on_version=0)
    return saved


# --- Who is told what, by e-mail -------------------------------------------------------------------------


def test_opening_the_survey_tells_each_departments_editors_their_items_worklist_and_workbook(
    smtp, survey, admin, staff, django_capture_on_commit_callbacks
):
    cycle = survey["cycle"]
    cycle.due_date = datetime.date(2024, 6, 28)
    cycle.save()
    with django_capture_on_commit_callbacks(execute=True):
        take_step(cycle, "open", admin)

    message = smtp.one_to(survey["somu_editor"])
    assert message["To"] == survey["somu_editor"].email
    assert message["From"] == "keikaku@example.lg.jp"
    assert subject(message) == "【情報化推進計画 進捗管理】達成状況調査 令和6年度 (2024)が始まりました"
    body = text(message)
    assert "総務課の担当の個別計画（3件）" in body and "2024年6月28日までに提出してください" in body
    assert "項番 1　" in body and "項番 2　" in body and "項番 16　" in body and "項番 3　" not in body
    somu = survey["somu"].pk
    assert f"{SITE}/reviews/{cycle.pk}/?department={somu}" in body
    assert f"{SITE}{reverse('reviews:workbook_download', args=[cycle.pk, somu])}" in body
    kikaku = text(smtp.one_to(survey["kikaku_editor"]))
    assert "項番 3　" in kikaku and "項番 1　" not in kikaku
    # 情報管理課 hears that it opened; the administrator who opened it hears nothing, the committee too.
    assert "開始しました" in subject(smtp.one_to(staff))
    assert smtp.to(admin) == [] and smtp.to(survey["committee"]) == []
    assert Notification.objects.filter(user=survey["somu_editor"], email_status=EmailStatus.SENT).count() == 1


def test_a_department_submitting_tells_information_management_not_the_submitter(
    smtp, opened, staff, django_capture_on_commit_callbacks
):
    editor, cycle = opened["somu_editor"], opened["cycle"]
    saved = filled(cycle, 1, editor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.take(saved, "submit", editor, saved.version)

    message = smtp.one_to(staff)
    assert subject(message).startswith("【情報化推進計画 進捗管理】提出: 項番 1 ")
    body = text(message)
    assert "somuさんが達成状況調査 令和6年度 (2024)の項番 1「" in body and "（総務課）を提出しました" in body
    assert f"{SITE}/reviews/{cycle.pk}/entries/1/" in body
    assert smtp.to(editor) == [] and smtp.to(opened["kikaku_editor"]) == []


def test_a_returned_entry_tells_its_department_with_the_comment(
    smtp, opened, staff, django_capture_on_commit_callbacks
):
    editor, cycle = opened["somu_editor"], opened["cycle"]
    saved = filled(cycle, 2, editor)
    workflow.take(saved, "submit", editor, saved.version)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.take(
            entry_of(cycle, 2), "return", staff, saved.version, comment="指標の実績値を入れてください。"
        )

    message = smtp.one_to(editor)
    assert "差戻し: 項番 2" in subject(message)
    body = text(message)
    assert "を差し戻しました" in body and "指標の実績値を入れてください。" in body
    assert f"{SITE}/reviews/{cycle.pk}/entries/2/" in body
    assert smtp.to(opened["kikaku_editor"]) == [] and smtp.to(staff) == []
    assert StatusEntry.objects.get(pk=saved.pk).state == EntryState.RETURNED


def test_confirming_tells_the_department(smtp, opened, staff, django_capture_on_commit_callbacks):
    editor, cycle = opened["somu_editor"], opened["cycle"]
    saved = filled(cycle, 16, editor)
    workflow.take(saved, "submit", editor, saved.version)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.take(entry_of(cycle, 16), "confirm", staff, saved.version)
    assert "確認済: 項番 16" in subject(smtp.one_to(editor))
    assert smtp.to(staff) == []


def test_a_comment_goes_to_the_other_side(smtp, opened, staff, admin, django_capture_on_commit_callbacks):
    editor, cycle = opened["somu_editor"], opened["cycle"]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.take(entry_of(cycle, 1), "comment", staff, 0, comment="今年度の予算額も書いてください。")
    assert "今年度の予算額も書いてください。" in text(smtp.one_to(editor))
    assert smtp.to(staff) == [] and smtp.to(admin) == []

    with django_capture_on_commit_callbacks(execute=True):
        workflow.take(entry_of(cycle, 1), "comment", editor, 0, comment="予算額は未定です。")
    assert "予算額は未定です。" in text(smtp.one_to(staff))
    assert len(smtp.to(editor)) == 1  # not told of their own comment


def test_a_workbook_taken_in_tells_information_management_the_items_written(
    smtp, opened, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notices.workbook_uploaded(opened["cycle"], opened["somu"], opened["somu_editor"], [1, 16])
    body = text(smtp.one_to(staff))
    assert "総務課の調査票（xlsx）を取り込み、次の2件を保存しました" in body
    assert "項番 1　" in body and "項番 16　" in body and "項番 2　" not in body
    assert smtp.to(opened["somu_editor"]) == []


def test_survey_steps_tell_the_roles_concerned(
    smtp, opened, admin, staff, django_capture_on_commit_callbacks
):
    cycle, committee = opened["cycle"], opened["committee"]
    other_admin = make_user("admin", username="kanri2")
    with django_capture_on_commit_callbacks(execute=True):
        cycle = take_step(cycle, "compile", staff)
    # The committee, the administrators and the rest of 情報管理課; not the departments, not the clerk.
    assert "取りまとめました" in subject(smtp.one_to(committee))
    assert f"{SITE}/reviews/{cycle.pk}/report/" in text(smtp.one_to(committee))
    assert len(smtp.to(admin)) == 1 and len(smtp.to(other_admin)) == 1 and smtp.to(staff) == []
    assert smtp.to(opened["somu_editor"]) == []

    smtp.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cycle = take_step(cycle, "committee", admin, date=datetime.date(2025, 6, 1), comment="概ね妥当")
    assert "情報システム委員会の審議（2025年6月1日）を記録しました" in text(smtp.one_to(staff))
    assert "概ね妥当" in text(smtp.one_to(other_admin))
    assert smtp.to(committee) == [] and smtp.to(admin) == []

    smtp.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        take_step(cycle, "reopen", admin, reason="項番3の数値に誤りがあったため")
    # Reopening: 情報管理課 and every department's editors, with the reason.
    for user in (staff, opened["somu_editor"], opened["kikaku_editor"], other_admin):
        assert "項番3の数値に誤りがあったため" in text(smtp.one_to(user))
    assert smtp.to(committee) == [] and smtp.to(admin) == []


def test_publishing_tells_the_administrators_information_management_and_the_committee(
    smtp, opened, admin, staff, pdf_rendered_once, django_capture_on_commit_callbacks
):
    cycle = take_step(opened["cycle"], "compile", staff)
    cycle = take_step(cycle, "committee", admin, date=datetime.date(2025, 6, 1))
    cycle = take_step(cycle, "headquarters", admin, date=datetime.date(2025, 7, 1))
    other_admin = make_user("admin", username="kanri2")
    with pdf_rendered_once(), django_capture_on_commit_callbacks(execute=True):
        take_step(cycle, "publish", admin)
    published = f"{SITE}{reverse('published:report', args=[5, 2024])}"
    for user in (staff, opened["committee"], other_admin):
        assert published in text(smtp.one_to(user))
    assert smtp.to(admin) == [] and smtp.to(opened["somu_editor"]) == []


def test_a_superuser_counts_as_an_administrator(smtp, opened, staff, django_capture_on_commit_callbacks):
    root = make_user("none", username="root")
    root.is_superuser = True
    root.save()
    with django_capture_on_commit_callbacks(execute=True):
        take_step(opened["cycle"], "compile", staff)
    assert len(smtp.to(root)) == 1


def test_nobody_inactive_or_without_a_role_is_told(smtp, survey, admin, django_capture_on_commit_callbacks):
    gone = make_user("department", departments=[survey["somu"]], username="gone")
    gone.is_active = False
    gone.save()
    member_only = make_user("none", departments=[survey["somu"]], username="member")
    with django_capture_on_commit_callbacks(execute=True):
        take_step(survey["cycle"], "open", admin)
    assert smtp.to(gone) == [] and smtp.to(member_only) == []
    assert not Notification.objects.filter(user__in=[gone, member_only]).exists()


# --- Reminders ---------------------------------------------------------------------------------------------


def remind(date):
    out = io.StringIO()
    call_command("send_reminders", "--date", date.isoformat(), stdout=out)
    return out.getvalue()


def test_each_reminder_goes_once_however_often_the_command_runs(smtp, opened, staff):
    cycle, somu_editor, kikaku_editor = opened["cycle"], opened["somu_editor"], opened["kikaku_editor"]
    due = datetime.date(2024, 6, 28)
    cycle.due_date = due
    cycle.save()
    # 企画課 has handed in its only item; 総務課 has handed in 16 but not 1 and 2.
    for number, editor in ((3, kikaku_editor), (16, somu_editor)):
        saved = filled(cycle, number, editor)
        workflow.take(saved, "submit", editor, saved.version)

    assert "お知らせ 0件" in remind(due - datetime.timedelta(days=4))  # too early
    assert smtp.received == []
    remind(due - datetime.timedelta(days=3))
    remind(due - datetime.timedelta(days=3))
    remind(due - datetime.timedelta(days=1))  # still before: told already
    message = smtp.one_to(somu_editor)
    assert (
        subject(message)
        == "【情報化推進計画 進捗管理】提出期限は2024年6月28日です（達成状況調査 令和6年度 (2024)）"
    )
    body = text(message)
    assert "総務課の次の2件がまだ提出されていません" in body
    assert "項番 1　" in body and "項番 2　" in body and "項番 16　" not in body
    assert f"{SITE}/reviews/{cycle.pk}/?department={opened['somu'].pk}" in body
    assert smtp.to(kikaku_editor) == [] and smtp.to(staff) == []

    smtp.received.clear()
    assert "お知らせ 1件" in remind(due)
    assert "お知らせ 0件" in remind(due)
    assert "今日が提出期限です" in subject(smtp.one_to(somu_editor))
    smtp.received.clear()
    remind(due + datetime.timedelta(days=1))
    assert smtp.received == []
    assert Notification.objects.filter(user=somu_editor).count() == 2


def test_no_reminders_for_a_survey_no_longer_taking_entries_or_without_a_due_date(smtp, opened, staff):
    cycle = opened["cycle"]
    remind(datetime.date(2024, 6, 28))
    assert smtp.received == []
    cycle.due_date = datetime.date(2024, 6, 28)
    cycle.save()
    take_step(cycle, "compile", staff)
    remind(datetime.date(2024, 6, 28))
    assert smtp.received == []


def test_the_days_before_are_a_setting(smtp, opened, settings):
    settings.REMINDER_DAYS_BEFORE = 7
    cycle = opened["cycle"]
    cycle.due_date = datetime.date(2024, 6, 28)
    cycle.save()
    remind(datetime.date(2024, 6, 21))
    assert len(smtp.to(opened["somu_editor"])) == 1


# --- Switched off, and a mail server that is down ------------------------------------------------------------


def test_a_person_who_switched_e_mail_off_gets_the_notice_in_the_application_only(
    smtp, opened, staff, client, django_capture_on_commit_callbacks
):
    editor = opened["somu_editor"]
    client.force_login(staff)
    response = client.post(reverse("notifications:settings"), {})  # the box left unticked
    assert response.status_code == 302
    assert Preference.objects.get(user=staff).email is False
    saved = filled(opened["cycle"], 1, editor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.take(saved, "submit", editor, saved.version)
    assert smtp.to(staff) == []
    [notice] = notices_of(staff)
    assert notice.email_status == EmailStatus.SWITCHED_OFF and notice.is_unread
    assert "提出: 項番 1" in client.get(reverse("notifications:list")).content.decode()

    client.post(reverse("notifications:settings"), {"email": "on"})
    assert Preference.objects.get(user=staff).email is True


def test_a_mail_server_that_is_down_fails_no_save_and_the_command_sends_the_mail_later(
    smtp_down, settings, opened, staff, django_capture_on_commit_callbacks, caplog
):
    editor, cycle = opened["somu_editor"], opened["cycle"]
    saved = filled(cycle, 1, editor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.take(saved, "submit", editor, saved.version)
    assert StatusEntry.objects.get(pk=saved.pk).state == EntryState.SUBMITTED
    [notice] = notices_of(staff)
    assert notice.email_status == EmailStatus.FAILED and notice.email_attempts == 1
    assert "ConnectionRefusedError" in notice.email_error
    assert f"e-mail of notification {notice.pk} to user {staff.pk} failed" in caplog.text

    # Within TRY_TIMEOUT of the failed try, nothing is tried again; after it, the command sends it.
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        remind(datetime.date(2024, 5, 1))
        assert inbox.received == []
        Notification.objects.filter(pk=notice.pk).update(
            email_tried_at=timezone.now() - delivery.TRY_TIMEOUT - datetime.timedelta(seconds=1)
        )
        assert "送り直したメール 1件" in remind(datetime.date(2024, 5, 1))
        assert "提出: 項番 1" in subject(inbox.one_to(staff))
        assert "送り直したメール 0件" in remind(datetime.date(2024, 5, 1))
    finally:
        controller.stop()
    notice.refresh_from_db()
    assert notice.email_status == EmailStatus.SENT and notice.email_sent_at and notice.email_attempts == 2


def test_a_survey_opened_while_the_mail_server_is_down_opens_and_keeps_every_notice(
    smtp_down, survey, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cycle = take_step(survey["cycle"], "open", admin)
    assert cycle.state == "調査中"
    notices = Notification.objects.filter(user=survey["somu_editor"])
    assert [n.email_status for n in notices] == [EmailStatus.FAILED]


def test_an_old_unsent_e_mail_is_given_up(smtp, staff):
    [notice] = delivery.tell([staff], "件名", "本文")
    Notification.objects.filter(pk=notice.pk).update(
        created_at=timezone.now() - delivery.RETRY_FOR - datetime.timedelta(minutes=1)
    )
    assert delivery.send_unsent() == 0 and smtp.received == []


def test_without_a_mail_server_in_production_no_e_mail_is_tried(settings, staff, mailoutbox):
    settings.NOTIFICATION_EMAILS = False
    notices = delivery.tell([staff], "件名", "本文")
    delivery.send(notices)
    assert [n.email_status for n in notices] == [EmailStatus.NO_SERVER] and mailoutbox == []


def test_a_person_without_an_address_is_told_in_the_application(db, mailoutbox):
    user = make_user("staff")
    user.email = ""
    user.save()
    [notice] = delivery.tell([user], "件名", "本文")
    assert notice.email_status == EmailStatus.NO_ADDRESS


# --- In the application ---------------------------------------------------------------------------------------


def some_notices(user, count):
    for n in range(count):
        delivery.tell(
            [user],
            "%(cycle)sを開始しました",
            "本文",
            args={"cycle": f"調査 {n}"},
            links=[{"label": "一覧", "url": "/reviews/"}],
        )


def test_the_list_is_newest_first_and_paged_with_unread_marked(client, staff, settings):
    settings.NOTIFICATIONS_PER_PAGE = 3
    some_notices(staff, 5)
    client.force_login(staff)
    page = client.get(reverse("notifications:list")).content.decode()
    assert page.index("調査 4を開始しました") < page.index("調査 2を開始しました")
    assert "調査 1を開始しました" not in page and "5件中 1 / 2 ページ" in page
    assert page.count('<span class="unread-mark">未読</span>') == 3
    assert "調査 0を開始しました" in client.get(reverse("notifications:list") + "?page=2").content.decode()
    assert "調査 0を開始しました" in client.get(reverse("notifications:list") + "?page=99").content.decode()


def test_opening_a_notice_marks_it_read_and_the_header_counts_down(client, staff):
    some_notices(staff, 2)
    client.force_login(staff)
    assert "未読 2件" in client.get(reverse("reviews:cycle_list")).content.decode()
    newest = notices_of(staff)[0]
    page = client.get(reverse("notifications:detail", args=[newest.pk])).content.decode()
    assert "調査 1を開始しました" in page and 'href="/reviews/"' in page
    assert "未読 1件" in page
    newest.refresh_from_db()
    assert newest.read_at is not None
    read_at = newest.read_at
    client.get(reverse("notifications:detail", args=[newest.pk]))
    newest.refresh_from_db()
    assert newest.read_at == read_at  # the first reading is the one kept


def test_mark_all_read(client, staff):
    some_notices(staff, 3)
    client.force_login(staff)
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    response = client.post(reverse("notifications:mark_all_read"), follow=True)
    page = response.content.decode()
    assert "3件の通知を既読にしました。" in page and "未読" not in page
    assert not Notification.objects.unread(staff).exists()


def test_nobody_opens_anothers_notice(client, staff):
    other = make_user("staff")
    some_notices(other, 1)
    client.force_login(staff)
    assert client.get(reverse("notifications:detail", args=[notices_of(other)[0].pk])).status_code == 404
    assert notices_of(other)[0].is_unread


def test_the_pages_need_logging_in(client):
    for name in ("notifications:list", "notifications:settings"):
        assert client.get(reverse(name)).status_code == 302


def test_a_notice_reads_in_the_readers_language(client, staff):
    # A source text the catalogue already translates: the stored notice is shown in the reader's language.
    delivery.tell([staff], "%(cycle)sを公開しました。", "本文", args={"cycle": "令和6年度 (2024)"})
    client.force_login(staff)
    assert "令和6年度 (2024)を公開しました。" in client.get(reverse("notifications:list")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert (
        "令和6年度 (2024) has been published." in client.get(reverse("notifications:list")).content.decode()
    )


def test_the_header_count_is_one_query_and_the_list_needs_the_same_queries_however_many(
    client, staff, django_assert_num_queries
):
    some_notices(staff, 3)
    client.force_login(staff)
    # session, user; the unread count (header); the page's count and its notices; the city's names (header).
    with django_assert_num_queries(6):
        client.get(reverse("notifications:list"))
    some_notices(staff, 30)
    with django_assert_num_queries(6):
        client.get(reverse("notifications:list"))


def test_a_page_for_someone_logged_out_counts_nothing(client, seeded, django_assert_num_queries):
    # The publications and the city's names (header): no count for nobody.
    with django_assert_num_queries(2):
        client.get(reverse("published:list"))


# --- The administrator's list ------------------------------------------------------------------------------


def test_the_administrator_reads_who_was_told_what_and_changes_nothing(client, admin, staff):
    admin.is_staff = True  # an administrator by role (its group's permissions), not a superuser
    admin.save()
    [notice] = delivery.tell([staff], "%(cycle)sを開始しました", "本文", args={"cycle": "達成状況調査"})
    client.force_login(admin)
    changelist = client.get(reverse("admin:notifications_notification_changelist"))
    assert changelist.status_code == 200
    page = changelist.content.decode()
    assert "達成状況調査を開始しました" in page and "joho" in page and "送信待ち" in page
    change = client.get(reverse("admin:notifications_notification_change", args=[notice.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
    assert (
        client.post(reverse("admin:notifications_notification_delete", args=[notice.pk])).status_code == 403
    )


# --- Settings --------------------------------------------------------------------------------------------------


def test_development_prints_e_mails_on_the_console_unless_a_mail_server_is_set():
    assert production_settings("EMAIL_BACKEND", "NOTIFICATION_EMAILS", DEBUG="1") == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "NOTIFICATION_EMAILS": "True",
    }
    assert production_settings("EMAIL_BACKEND", "NOTIFICATION_EMAILS", DEBUG="1", EMAIL_HOST="mail")[
        "EMAIL_BACKEND"
    ] == ("django.core.mail.backends.smtp.EmailBackend")


def test_production_sends_through_the_citys_mail_server_only_where_one_is_set():
    assert production_settings("NOTIFICATION_EMAILS") == {"NOTIFICATION_EMAILS": "False"}
    values = production_settings(
        "EMAIL_BACKEND",
        "NOTIFICATION_EMAILS",
        "EMAIL_USE_SSL",
        "EMAIL_PORT",
        "SITE_URL",
        EMAIL_HOST="mail.example.lg.jp",
        EMAIL_PORT="465",
        EMAIL_USE_SSL="1",
        SITE_URL=SITE,
    )
    assert values == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "NOTIFICATION_EMAILS": "True",
        "EMAIL_USE_SSL": "True",
        "EMAIL_PORT": "465",
        "SITE_URL": SITE,
    }


def test_the_deployment_check_warns_of_e_mail_links_to_localhost(settings):
    settings.NOTIFICATION_EMAILS, settings.DEBUG = True, False
    settings.SITE_URL = "http://localhost:8000"
    found = checks.run_checks(include_deployment_checks=True, tags=None)
    assert "notifications.W001" in [c.id for c in found]
    settings.SITE_URL = SITE
    assert "notifications.W001" not in [c.id for c in checks.run_checks(include_deployment_checks=True)]


# --- Two runs of the scheduler at once (PostgreSQL) ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="SQLite runs one writing transaction at a time: the runs cannot overlap there",
)
def test_two_overlapping_runs_of_send_reminders_send_each_reminder_once(smtp, seeded, plan5):
    admin = make_user("admin")
    departments = [make_department(f"課{n}", plan5, numbers=[n, n + 10]) for n in range(1, 9)]
    editors = [make_user("department", departments=[d]) for d in departments for _ in range(2)]
    cycle = open_cycle(plan5, 2024, admin)
    cycle.due_date = datetime.date(2024, 6, 28)
    cycle.save()
    smtp.received.clear()
    runs = 4
    barrier = threading.Barrier(runs)
    errors = []

    def run():
        try:
            barrier.wait()
            remind(datetime.date(2024, 6, 25))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert smtp.recipients == sorted(e.email for e in editors)
    assert Notification.objects.filter(key__startswith="reminder:").count() == len(editors)
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}

"""The audit trail: every log-in, refusal, import, cycle step, publication, next plan and admin change leaves a
row saying who, when, from where, what and on which object; administrators read and filter it in the admin,
and nobody can change or delete it."""

import datetime
import getpass
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit import receivers
from audit.models import AuditEvent, AuditKind, AuditRecordIsFinal
from audit.trail import record
from initiatives.models import Department, Initiative
from initiatives.spreadsheet import write_plan_workbook
from plan.models import Plan
from reviews import survey_workbooks as workbooks
from reviews.cycles import take_step
from reviews.entries import save_entry
from reviews.models import CycleState, StatusEntry
from reviews.roles import Role
from tests.personas import cycle_in_state, make_department, make_user, open_cycle
from workbooks import XLSX_CONTENT_TYPE

A = AuditKind
ADDRESS = "192.0.2.10"  # TEST-NET-1: a documentation address
LOGIN_URL = reverse("login")
CHANGELIST = reverse("admin:audit_auditevent_changelist")


def events(kind):
    return list(AuditEvent.objects.filter(kind=kind).order_by("id"))


def only_event(kind):
    found = events(kind)
    assert len(found) == 1, [str(e) for e in found]
    return found[0]


def admin_staff(username="kanri-admin"):
    """A システム管理者 who may open the admin site, as the README tells an administrator to set one up."""
    user = make_user("admin", username=username)
    user.is_staff = True
    user.save()
    return user


# --- Log-ins --------------------------------------------------------------------------------------------


def test_a_log_in_is_recorded_with_who_when_and_from_where(client, django_user_model):
    user = django_user_model.objects.create_user("tanaka", password="a-good-password-1")
    before = timezone.now()

    client.post(LOGIN_URL, {"username": "tanaka", "password": "a-good-password-1"}, REMOTE_ADDR=ADDRESS)

    event = only_event(A.LOGIN)
    assert (event.user, event.username, event.ip_address) == (user, "tanaka", ADDRESS)
    assert before <= event.timestamp <= timezone.now()
    assert event.get_kind_display() == "ログイン"


def test_a_failed_log_in_records_the_name_tried_and_never_the_password(client, db):
    response = client.post(
        LOGIN_URL, {"username": "nosuchuser", "password": "secret-guess-42"}, REMOTE_ADDR=ADDRESS
    )

    assert response.status_code == 200  # the form again, with its error
    event = only_event(A.LOGIN_FAILED)
    assert (event.user, event.username, event.ip_address) == (None, "nosuchuser", ADDRESS)
    row = AuditEvent.objects.filter(pk=event.pk).values().get()
    assert not any("secret-guess-42" in str(value) for value in row.values())
    assert not events(A.LOGIN)


def test_a_log_out_is_recorded(client, django_user_model):
    user = django_user_model.objects.create_user("tanaka", password="x")
    client.force_login(user)

    client.post(reverse("logout"), REMOTE_ADDR=ADDRESS)

    event = only_event(A.LOGOUT)
    assert (event.user, event.ip_address) == (user, ADDRESS)


def test_a_lock_out_is_recorded_with_the_name_and_the_address(rf, db):
    request = rf.post(LOGIN_URL, REMOTE_ADDR=ADDRESS)
    # What django-axes sends (axes.signals.user_locked_out) when it refuses a log-in.
    receivers.on_locked_out("axes", request=request, username="tanaka", ip_address=ADDRESS)

    event = only_event(A.LOCKED_OUT)
    assert (event.user, event.username, event.ip_address) == (None, "tanaka", ADDRESS)
    assert ADDRESS in event.detail


def test_a_real_lock_out_after_repeated_failures_is_recorded(client, settings, django_user_model):
    settings.AXES_FAILURE_LIMIT = 3
    django_user_model.objects.create_user("tanaka", password="a-good-password-1")

    for _ in range(3):
        response = client.post(LOGIN_URL, {"username": "tanaka", "password": "wrong"}, REMOTE_ADDR=ADDRESS)

    assert response.status_code == 429
    assert len(events(A.LOGIN_FAILED)) == 3
    event = only_event(A.LOCKED_OUT)
    assert (event.username, event.ip_address) == ("tanaka", ADDRESS)


def test_the_address_behind_the_citys_proxy_is_the_one_recorded(client, settings, db):
    settings.REVERSE_PROXY_COUNT = 1
    client.post(
        LOGIN_URL,
        {"username": "tanaka", "password": "x"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=f"203.0.113.9, {ADDRESS}",  # the left one is the client's own claim
    )
    assert only_event(A.LOGIN_FAILED).ip_address == ADDRESS


# --- Refusals -------------------------------------------------------------------------------------------


def test_an_action_outside_the_users_role_is_recorded_with_what_was_tried(client, plan5):
    member = make_user("committee", username="iin")
    client.force_login(member)

    response = client.post(
        reverse("reviews:cycle_create"), {"plan": plan5.pk, "fiscal_year": 2024}, REMOTE_ADDR=ADDRESS
    )

    assert response.status_code == 403
    event = only_event(A.PERMISSION_DENIED)
    assert (event.user, event.username, event.ip_address) == (member, "iin", ADDRESS)
    assert "open a review cycle" in event.detail
    assert f"POST {reverse('reviews:cycle_create')}" in event.detail


# --- Plan imports ---------------------------------------------------------------------------------------


def plan_workbook(plan, number, name):
    """The plan's own export with one initiative renamed."""
    book = load_workbook(io.BytesIO(write_plan_workbook(plan, Initiative.objects.for_plan_table(plan))))
    sheet = book.active
    row = next(r for r in sheet.iter_rows(min_row=5) if r[0].value == number)
    row[1].value = name
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_plan_import_in_the_admin_is_recorded_with_the_file_and_what_changed(admin_client, plan5):
    data = plan_workbook(plan5, 7, "市公式ホームページ等の拡充")
    file = SimpleUploadedFile("計画表.xlsx", data, content_type=XLSX_CONTENT_TYPE)
    seeded = len(events(A.PLAN_IMPORT))  # load_seed's own
    preview = admin_client.post(
        reverse("admin:initiatives_initiative_import"), {"plan": plan5.pk, "file": file}
    )
    assert len(events(A.PLAN_IMPORT)) == seeded  # the preview records nothing

    admin_client.post(
        reverse("admin:initiatives_initiative_import_confirm"),
        preview.context["confirm_form"].initial,
        REMOTE_ADDR=ADDRESS,
    )

    event = events(A.PLAN_IMPORT)[-1]
    assert (event.username, event.ip_address) == ("admin", ADDRESS)
    assert (event.object_type, event.object_id, event.object_repr) == ("plan.plan", str(plan5.pk), str(plan5))
    assert "管理画面から 計画表.xlsx" in event.detail
    assert "更新 1件" in event.detail
    assert "更新の項番 7" in event.detail


def test_the_import_command_is_recorded_without_a_user_naming_the_os_user(plan5, tmp_path):
    path = tmp_path / "plan5.xlsx"
    path.write_bytes(plan_workbook(plan5, 7, "市公式ホームページ等の拡充"))
    seeded = len(events(A.PLAN_IMPORT))

    call_command("import_plan", str(path), "--plan", "5", "--dry-run", stdout=io.StringIO())
    assert len(events(A.PLAN_IMPORT)) == seeded  # a dry run changes nothing and records nothing
    call_command("import_plan", str(path), "--plan", "5", stdout=io.StringIO())

    event = events(A.PLAN_IMPORT)[-1]
    assert (event.user, event.username, event.ip_address) == (None, "", None)
    assert f"import_plan コマンド（OS の利用者 {getpass.getuser()}）" in event.detail
    assert "更新の項番 7" in event.detail


def test_loading_the_seed_into_an_empty_database_is_recorded_once_per_plan(plan5):
    assert {e.object_repr for e in events(A.PLAN_IMPORT)} == {
        "第四次東大和市情報化推進計画",
        "第五次東大和市情報化推進計画",
    }
    call_command("load_seed", stdout=io.StringIO())  # nothing changes the second time
    assert len(events(A.PLAN_IMPORT)) == 2


# --- Survey workbooks -----------------------------------------------------------------------------------


def test_a_confirmed_survey_workbook_is_recorded_with_the_department_file_and_items(client, plan5, admin):
    somu = make_department("総務課", plan5, numbers=[16, 19])
    cycle = open_cycle(plan5, 2024, admin)
    staff = make_user("staff", username="joho")
    client.force_login(staff)
    data = client.get(reverse("reviews:workbook_download", args=[cycle.pk, somu.pk])).content
    book = load_workbook(io.BytesIO(data))
    sheet = book[workbooks.SURVEY_SHEET]
    columns = {cell.value: cell.column for cell in sheet[workbooks.HEADER_ROW]}
    row = next(r[0].row for r in sheet.iter_rows(min_row=workbooks.HEADER_ROW + 1) if r[0].value == 19)
    sheet.cell(row=row, column=columns["達成状況"]).value = "達成"
    out = io.BytesIO()
    book.save(out)
    file = SimpleUploadedFile("総務課.xlsx", out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    preview = client.post(
        reverse("reviews:workbook_upload", args=[cycle.pk]), {"department": somu.pk, "file": file}
    )
    assert not events(A.SURVEY_IMPORT)  # the preview writes nothing

    client.post(
        reverse("reviews:workbook_confirm", args=[cycle.pk]),
        preview.context["confirm_form"].initial,
        REMOTE_ADDR=ADDRESS,
    )

    event = only_event(A.SURVEY_IMPORT)
    assert (event.user, event.ip_address) == (staff, ADDRESS)
    assert (event.object_type, event.object_id) == ("reviews.reviewcycle", str(cycle.pk))
    assert event.detail == "総務課の調査票 総務課.xlsx: 保存した項番 19"


# --- Cycle steps, publication and the next plan ---------------------------------------------------------


def test_every_step_of_a_cycle_is_recorded_with_who_and_the_states(plan5, admin):
    cycle = cycle_in_state(plan5, 2023, admin, CycleState.COMPILED)
    take_step(cycle, "reopen", admin, reason="入力の誤りを直すため")

    details = [e.detail for e in events(A.CYCLE_STEP)]
    assert details == [
        "作成 → 準備中",
        "準備中 → 調査中",
        "調査中 → 取りまとめ済",
        "取りまとめ済 → 調査中（理由: 入力の誤りを直すため）",
    ]
    assert {(e.user, e.object_type, e.object_id) for e in events(A.CYCLE_STEP)} == {
        (admin, "reviews.reviewcycle", str(cycle.pk))
    }


def test_a_deliberation_step_is_recorded_with_its_date(plan5, admin):
    cycle_in_state(plan5, 2023, admin, CycleState.HEADQUARTERS_DONE)

    details = [e.detail for e in events(A.CYCLE_STEP)]
    assert "取りまとめ済 → 委員会審議済（審議日 2023-06-01）" in details
    assert "委員会審議済 → 本部会議審議済（審議日 2023-07-01）" in details


def test_publication_is_recorded_with_the_publication_it_made(plan5, admin):
    cycle = cycle_in_state(plan5, 2023, admin, CycleState.HEADQUARTERS_DONE)

    cycle = take_step(cycle, "publish", admin)

    event = only_event(A.PUBLICATION)
    assert (event.user, event.object_type, event.object_id) == (
        admin,
        "reviews.publication",
        str(cycle.publication.pk),
    )
    assert events(A.CYCLE_STEP)[-1].detail == "本部会議審議済 → 公開済"


def test_starting_the_next_plan_is_recorded_with_the_draft(client, plan5, admin):
    cycle = open_cycle(plan5, plan5.last_fiscal_year, admin)
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=1)
    save_entry(entry, {"achievement": "達成", "direction": "継続", "actions": "進めた。"}, admin, 0)
    cycle = take_step(cycle, "compile", admin)
    cycle = take_step(cycle, "committee", admin, date=datetime.date(2026, 6, 1))
    cycle = take_step(cycle, "headquarters", admin, date=datetime.date(2026, 7, 1))
    take_step(cycle, "publish", admin)
    client.force_login(admin)

    first = plan5.initiatives.get(number=1)
    client.post(reverse("reviews:start_next_plan", args=[5]), {"carry": [first.pk]}, REMOTE_ADDR=ADDRESS)

    draft = Plan.objects.get(predecessor=plan5)
    event = only_event(A.NEXT_PLAN)
    assert (event.user, event.ip_address, event.object_type, event.object_id) == (
        admin,
        ADDRESS,
        "plan.plan",
        str(draft.pk),
    )
    # What was left out, with its word: here every other item, which had no evaluation.
    left_out = "、".join(f"項番 {n}（評価なし）" for n in range(2, plan5.initiatives.count() + 1))
    assert event.detail == (
        f"第五次東大和市情報化推進計画から、個別計画1件を引き継いで作成。引き継がなかった個別計画: {left_out}"
    )


# --- Changes in the admin -------------------------------------------------------------------------------


def test_a_change_in_the_admin_is_recorded_with_who_from_where_and_what(client, db):
    department = Department.objects.create(name="総務課")
    user = admin_staff()
    client.force_login(user)

    response = client.post(
        reverse("admin:initiatives_department_change", args=[department.pk]),
        {"name": "総務部総務課", "members": []},
        REMOTE_ADDR=ADDRESS,
    )

    assert response.status_code == 302
    event = only_event(A.ADMIN_CHANGE)
    assert (event.user, event.ip_address) == (user, ADDRESS)
    assert (event.object_type, event.object_id, event.object_repr) == (
        "initiatives.department",
        str(department.pk),
        "総務部総務課",
    )
    assert event.detail == "課名 を変更しました。"


def test_the_trail_is_written_in_japanese_whatever_the_screens_language(client, db):
    user = admin_staff()
    client.force_login(user)
    client.cookies["django_language"] = "en"

    client.post(reverse("admin:initiatives_department_add"), {"name": "企画課", "members": []})

    assert only_event(A.ADMIN_CHANGE).detail == "追加されました。"


def test_a_delete_in_the_admin_is_recorded(client, db):
    department = Department.objects.create(name="総務課")
    client.force_login(admin_staff())

    client.post(reverse("admin:initiatives_department_delete", args=[department.pk]), {"post": "yes"})

    event = only_event(A.ADMIN_CHANGE)
    assert (event.object_repr, event.object_id, event.detail) == ("総務課", str(department.pk), "削除")


def test_a_bulk_delete_in_the_admin_is_recorded_for_each_object(client, db):
    departments = [Department.objects.create(name=name) for name in ("総務課", "企画課")]
    client.force_login(admin_staff())

    client.post(
        reverse("admin:initiatives_department_changelist"),
        {"action": "delete_selected", "_selected_action": [d.pk for d in departments], "post": "yes"},
        REMOTE_ADDR=ADDRESS,
    )

    assert not Department.objects.exists()
    assert sorted((e.object_repr, e.detail, e.ip_address) for e in events(A.ADMIN_CHANGE)) == [
        ("企画課", "削除（一括）", ADDRESS),
        ("総務課", "削除（一括）", ADDRESS),
    ]


def test_a_bulk_delete_that_is_only_asked_about_records_nothing(client, db):
    department = Department.objects.create(name="総務課")
    client.force_login(admin_staff())

    response = client.post(
        reverse("admin:initiatives_department_changelist"),
        {"action": "delete_selected", "_selected_action": [department.pk]},
    )

    assert response.status_code == 200  # the "are you sure?" page
    assert not events(A.ADMIN_CHANGE)


# --- Reading the trail ----------------------------------------------------------------------------------


def test_administrators_read_the_trail_in_the_admin_and_filter_it_by_action(client, db):
    record(A.LOGIN, username="tanaka")
    record(A.LOGIN_FAILED, username="suzuki")
    client.force_login(admin_staff())

    response = client.get(CHANGELIST, {"kind": A.LOGIN_FAILED})

    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert [e.username for e in shown] == ["suzuki"]
    assert "ログイン失敗" in response.content.decode()


def test_the_trail_is_searched_by_name_object_and_detail(admin_client, db):
    record(A.PERMISSION_DENIED, username="tanaka", detail="open a review cycle")
    record(A.PERMISSION_DENIED, username="suzuki", detail="read entry")

    response = admin_client.get(CHANGELIST, {"q": "read entry"})

    assert [e.username for e in response.context["cl"].result_list] == ["suzuki"]


def test_the_trail_is_filtered_by_date(admin_client, db):
    record(A.LOGIN_FAILED, username="tanaka")
    AuditEvent.objects.create(
        kind=A.LOGIN_FAILED, username="suzuki", timestamp=timezone.now() - datetime.timedelta(days=40)
    )
    today = timezone.localdate()

    response = admin_client.get(
        CHANGELIST,
        {
            "kind": A.LOGIN_FAILED,
            "timestamp__year": today.year,
            "timestamp__month": today.month,
            "timestamp__day": today.day,
        },
    )

    assert [e.username for e in response.context["cl"].result_list] == ["tanaka"]


def test_only_administrators_may_read_the_trail(client, db):
    clerk = make_user("staff", username="joho")
    clerk.is_staff = True  # may open the admin site, but is no administrator
    clerk.save()
    client.force_login(clerk)
    assert client.get(CHANGELIST).status_code == 403

    client.force_login(admin_staff())
    assert client.get(CHANGELIST).status_code == 200
    assert Role.ADMIN.group().permissions.filter(codename="view_auditevent").exists()


def test_nobody_can_add_change_or_delete_a_record_in_the_admin(admin_client, db):
    event = record(A.LOGIN, username="tanaka")
    change_url = reverse("admin:audit_auditevent_change", args=[event.pk])

    assert admin_client.get(change_url).status_code == 200  # read-only
    assert admin_client.post(change_url, {"username": "someone-else"}).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert admin_client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    response = admin_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert AuditEvent.objects.filter(pk=event.pk, username="tanaka").exists()


def test_a_record_cannot_be_changed_or_deleted_in_code_either(db):
    event = record(A.LOGIN, username="tanaka")

    event.username = "someone-else"
    with pytest.raises(AuditRecordIsFinal):
        event.save()
    with pytest.raises(AuditRecordIsFinal):
        event.delete()
    with pytest.raises(AuditRecordIsFinal):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditRecordIsFinal):
        AuditEvent.objects.update(username="someone-else")
    assert AuditEvent.objects.get(pk=event.pk).username == "tanaka"


def test_deleting_a_user_keeps_their_records_with_their_name(django_user_model, db):
    user = django_user_model.objects.create_user("tanaka", password="x")
    event = record(A.LOGIN, user=user)

    user.delete()

    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.user, event.username) == (None, "tanaka")

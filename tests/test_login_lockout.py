"""Repeated wrong passwords lock the account and the address out, in Japanese, until an administrator lifts it."""

import datetime
import io

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.personas import make_user

LOGIN_URL = reverse("login")
LOCKED_OUT = "ログインできません"


@pytest.fixture
def clerk(db):
    return make_user("staff", username="shokuin")


def log_in(client, username, password, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


def fail(client, username, times, **extra):
    return [log_in(client, username, "wrong-password", **extra) for _ in range(times)]


def test_twenty_wrong_passwords_lock_the_account_and_then_the_right_one_is_refused_in_japanese(client, clerk):
    responses = fail(client, "shokuin", 20)
    assert responses[0].status_code == 200
    assert "ユーザー名またはパスワードが違います" in responses[0].content.decode()
    assert responses[-1].status_code == 429

    response = log_in(client, "shokuin", "test-password")
    html = response.content.decode()
    assert response.status_code == 429
    assert LOCKED_OUT in html and "30分" in html and "システム管理者" in html
    assert "Account locked" not in html
    assert "_auth_user_id" not in client.session


def test_the_lock_starts_at_the_configured_limit(client, clerk, settings):
    settings.AXES_FAILURE_LIMIT = 3
    first, second, third = fail(client, "shokuin", 3)
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)


def test_the_account_stays_locked_from_another_address(client, clerk, settings):
    settings.AXES_FAILURE_LIMIT = 3
    fail(client, "shokuin", 3, REMOTE_ADDR="10.0.0.5")
    response = log_in(Client(), "shokuin", "test-password", REMOTE_ADDR="10.0.0.6")
    assert response.status_code == 429 and LOCKED_OUT in response.content.decode()


def test_the_address_stays_locked_for_another_user_name(client, clerk, settings):
    settings.AXES_FAILURE_LIMIT = 3
    fail(client, "someone-else", 3, REMOTE_ADDR="10.0.0.5")
    response = log_in(client, "shokuin", "test-password", REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 429
    assert log_in(Client(), "shokuin", "test-password", REMOTE_ADDR="10.0.0.7").status_code == 302


def test_a_forwarded_for_header_does_not_dodge_the_address_lock_unless_a_proxy_is_configured(
    client, clerk, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    for number in range(3):
        log_in(
            client, f"guess-{number}", "x", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}"
        )
    assert log_in(client, "shokuin", "test-password", REMOTE_ADDR="10.0.0.5").status_code == 429


def test_behind_the_citys_proxy_the_address_is_the_one_the_proxy_saw(client, clerk, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.REVERSE_PROXY_COUNT = 1
    # The proxy appends the address it saw; the part before it is whatever the client wrote.
    for forged in ["1.1.1.1", "2.2.2.2", "3.3.3.3"]:
        log_in(client, "nobody", "x", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"{forged}, 10.0.0.5")
    assert AccessAttempt.objects.get().ip_address == "10.0.0.5"
    other_pc = log_in(
        Client(), "shokuin", "test-password", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.9"
    )
    assert other_pc.status_code == 302
    same_pc = log_in(
        Client(), "shokuin", "test-password", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.5"
    )
    assert same_pc.status_code == 429


def test_the_lock_lifts_by_itself_after_the_lockout_time(client, clerk):
    fail(client, "shokuin", 20)
    # Thirty-one minutes later, as far as the recorded attempts are concerned.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=31))
    assert log_in(client, "shokuin", "test-password").status_code == 302


def test_the_users_own_log_in_elsewhere_does_not_wipe_an_attackers_count(client, clerk, settings):
    settings.AXES_FAILURE_LIMIT = 3
    fail(client, "shokuin", 2, REMOTE_ADDR="192.0.2.66")
    assert log_in(Client(), "shokuin", "test-password", REMOTE_ADDR="10.0.0.5").status_code == 302
    assert fail(client, "shokuin", 1, REMOTE_ADDR="192.0.2.66")[0].status_code == 429


def test_an_administrator_sees_the_lock_out_in_japanese_and_lifts_it_by_deleting_it(
    client, clerk, admin_client
):
    fail(client, "shokuin", 20)
    changelist = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    html = changelist.content.decode()
    assert changelist.status_code == 200
    assert "shokuin" in html and "締め出し中" in html and "ユーザー名" in html
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "ログインの試行と締め出し" in index
    assert "shokuin" in admin_client.get(reverse("admin:axes_accessfailurelog_changelist")).content.decode()

    attempt = AccessAttempt.objects.get(username="shokuin")
    admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()
    assert log_in(client, "shokuin", "test-password").status_code == 302


def test_an_administrator_in_the_admin_role_may_lift_lock_outs(client, clerk):
    administrator = make_user("admin")
    administrator.is_staff = True
    administrator.save()
    fail(client, "shokuin", 20)
    admin = Client()
    admin.force_login(administrator)
    assert admin.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    attempt = AccessAttempt.objects.get(username="shokuin")
    assert (
        admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}).status_code
        == 302
    )
    assert not AccessAttempt.objects.exists()


def test_the_axes_reset_command_lifts_a_lock_out(client, clerk):
    fail(client, "shokuin", 20)
    call_command("axes_reset_username", "shokuin", stdout=io.StringIO())
    assert log_in(client, "shokuin", "test-password").status_code == 302


def test_log_ins_failures_and_lock_outs_are_signalled_with_the_request(client, clerk, settings):
    settings.AXES_FAILURE_LIMIT = 2
    seen = []

    def remember(signal_name):
        def receiver(sender, request=None, **kwargs):
            seen.append((signal_name, request.META["REMOTE_ADDR"]))

        return receiver

    receivers = {
        user_logged_in: remember("logged_in"),
        user_login_failed: remember("failed"),
        user_locked_out: remember("locked_out"),
    }
    for signal, receiver in receivers.items():
        signal.connect(receiver)
    try:
        log_in(client, "shokuin", "test-password")
        client.logout()
        fail(client, "shokuin", 2)
    finally:
        for signal, receiver in receivers.items():
            signal.disconnect(receiver)
    # axes sends user_locked_out from its own user_login_failed receiver, so the order between them varies.
    assert sorted(seen) == [
        ("failed", "127.0.0.1"),
        ("failed", "127.0.0.1"),
        ("locked_out", "127.0.0.1"),
        ("logged_in", "127.0.0.1"),
    ]
    assert AccessFailureLog.objects.filter(username="shokuin", locked_out=True).count() == 1

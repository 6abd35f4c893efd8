"""A log-in ends after SESSION_IDLE_TIMEOUT without activity and SESSION_ABSOLUTE_TIMEOUT in all, and says so."""

import datetime
import time

import pytest
from django.urls import reverse

import accounts.middleware
from tests.personas import make_user

MINUTE = 60
IDLE_MESSAGE = "一定時間操作がなかったため、ログアウトしました"
ABSOLUTE_MESSAGE = "ログインしてから長時間たったため、ログアウトしました"


class Clock:
    def __init__(self):
        self.now = time.time()

    def time(self):
        return self.now

    def advance(self, minutes):
        self.now += minutes * MINUTE


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(accounts.middleware, "time", clock)
    monkeypatch.setattr("accounts.sessions.time", clock)
    return clock


@pytest.fixture
def clerk_client(client, db, clock):
    make_user("staff", username="shokuin")
    response = client.post(reverse("login"), {"username": "shokuin", "password": "test-password"})
    assert response.status_code == 302
    return client


SURVEYS = reverse("reviews:cycle_list")


def is_logged_in(client):
    return "_auth_user_id" in client.session


def test_the_defaults_are_thirty_minutes_idle_and_eight_hours_in_all(settings):
    assert datetime.timedelta(minutes=30) == settings.SESSION_IDLE_TIMEOUT
    assert datetime.timedelta(hours=8) == settings.SESSION_ABSOLUTE_TIMEOUT


def test_a_clerk_back_within_the_idle_time_is_still_logged_in(clerk_client, clock):
    clock.advance(29)
    assert clerk_client.get(SURVEYS).status_code == 200
    assert is_logged_in(clerk_client)


def test_a_clerk_idle_too_long_is_logged_out_and_told_so_on_the_login_page(clerk_client, clock):
    clock.advance(31)
    response = clerk_client.get(SURVEYS)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={SURVEYS}"
    assert not is_logged_in(clerk_client)
    page = clerk_client.get(response["Location"]).content.decode()
    assert IDLE_MESSAGE in page


def test_each_request_restarts_the_idle_time(clerk_client, clock):
    for _ in range(6):
        clock.advance(20)
        assert clerk_client.get(SURVEYS).status_code == 200
    assert is_logged_in(clerk_client)


def test_a_busy_clerk_is_still_logged_out_after_the_absolute_time(clerk_client, clock):
    for _ in range(8 * 3):
        clock.advance(20)
        clerk_client.get(SURVEYS)
    assert is_logged_in(clerk_client)
    clock.advance(20)
    response = clerk_client.get(SURVEYS, follow=True)
    assert not is_logged_in(clerk_client)
    assert ABSOLUTE_MESSAGE in response.content.decode()


def test_a_form_sent_after_the_idle_time_is_not_saved_and_the_clerk_is_told(clerk_client, clock):
    clock.advance(31)
    response = clerk_client.post(SURVEYS, {"fiscal_year": "2026"}, follow=True)
    html = response.content.decode()
    assert IDLE_MESSAGE in html and "送信した内容は保存されていません" in html


def test_the_limits_follow_the_settings(clerk_client, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = datetime.timedelta(minutes=5)
    clock.advance(6)
    assert clerk_client.get(SURVEYS).status_code == 302


def test_an_anonymous_visitor_is_not_affected(client, db, clock):
    clock.advance(24 * 60)
    assert client.get(reverse("published:list")).status_code == 200


def test_a_log_in_records_its_time_before_any_page_is_served(django_user_model):
    """The log-in time is written by a receiver that accounts' AppConfig connects when the app is ready, not
    when a request first loads the middleware: a log-in at the start of a process is counted too."""
    from django.apps import apps
    from django.test import Client

    from accounts.apps import AccountsConfig
    from accounts.sessions import LAST_SEEN_AT, LOGGED_IN_AT

    assert isinstance(apps.get_app_config("accounts"), AccountsConfig)
    client = Client()
    client.force_login(django_user_model.objects.create_user("shokuin-2", password="x" * 12))
    assert {LOGGED_IN_AT, LAST_SEEN_AT} <= set(client.session.keys())

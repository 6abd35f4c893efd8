"""The README's development accounts never log in where DEBUG is off, even when they are in the database."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.development import DEVELOPMENT_GROUP
from reviews.management.commands.create_dev_users import DEV_USERS
from tests.personas import make_user

ROOT = Path(__file__).resolve().parent.parent
SURVEYS = reverse("reviews:cycle_list")


@pytest.fixture
def dev_users(seeded, settings):
    settings.DEBUG = True
    call_command("create_dev_users", stdout=io.StringIO())
    settings.DEBUG = False
    return {username: password for username, password, _role, _duties in DEV_USERS}


def log_in(username, password):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client, response


@pytest.mark.parametrize("username", [u for u, _p, _r, _d in DEV_USERS])
def test_a_development_account_cannot_log_in_in_production(dev_users, username):
    client, response = log_in(username, dev_users[username])
    assert response.status_code == 200
    assert "ユーザー名またはパスワードが違います" in response.content.decode()
    assert client.get(SURVEYS).status_code == 302


def test_a_development_account_cannot_use_the_admin_login_either(dev_users):
    client = Client()
    client.post(
        reverse("admin:login"), {"username": "admin", "password": dev_users["admin"], "next": "/admin/"}
    )
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_session_a_development_account_already_had_stops_working_in_production(dev_users):
    client = Client()
    client.force_login(get_user_model().objects.get(username="staff"))
    response = client.get(SURVEYS)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_development_account_taken_out_of_its_group_is_refused_by_its_published_password(dev_users):
    staff = get_user_model().objects.get(username="staff")
    staff.groups.remove(Group.objects.get(name=DEVELOPMENT_GROUP))
    client, response = log_in("staff", dev_users["staff"])
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_a_real_user_called_admin_with_their_own_password_logs_in(db):
    get_user_model().objects.create_superuser("admin", "admin@example.jp", "a-real-long-password")
    client, response = log_in("admin", "a-real-long-password")
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_member_of_the_development_group_is_refused_whatever_their_password(db):
    user = make_user("staff", username="tameshi")
    user.groups.add(Group.objects.get_or_create(name=DEVELOPMENT_GROUP)[0])
    _client, response = log_in("tameshi", "test-password")
    assert response.status_code == 200


def test_development_accounts_log_in_on_a_developers_machine(dev_users, settings):
    settings.DEVELOPMENT_ACCOUNTS_CAN_LOG_IN = True
    client, response = log_in("staff", dev_users["staff"])
    assert response.status_code == 302
    assert client.get(SURVEYS).status_code == 200


@pytest.mark.parametrize("debug, expected", [("0", "False"), ("1", "True")])
def test_only_debug_lets_development_accounts_log_in(debug, expected):
    env = {
        **os.environ,
        "DEBUG": debug,
        "SECRET_KEY": "k" * 10 + "-production-like-secret-key-0123456789abcdef",
    }
    env.pop("DEVELOPMENT_ACCOUNTS_CAN_LOG_IN", None)
    output = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.DEVELOPMENT_ACCOUNTS_CAN_LOG_IN)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert output.strip() == expected

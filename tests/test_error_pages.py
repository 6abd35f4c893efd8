"""Errors show a Japanese page that needs no database: 500, 503 while the database is down, 400."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import path, reverse

from config.urls import handler500  # noqa: F401  (the URLconf below uses the application's handler)
from tests.personas import make_user


def broken(request):
    raise RuntimeError("a bug")


def database_down(request):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')


def connection_lost(request):
    raise InterfaceError("connection already closed")


urlpatterns = [
    path("broken/", broken),
    path("database-down/", database_down),
    path("connection-lost/", connection_lost),
]


@pytest.fixture
def browser():
    return Client(raise_request_exception=False)


@pytest.fixture
def test_urls(settings):
    settings.ROOT_URLCONF = __name__


def test_a_bug_shows_the_japanese_error_page(browser, test_urls, db):
    response = browser.get("/broken/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "エラーが発生しました" in html and "保存されていません" in html
    assert "Server Error" not in html


@pytest.mark.parametrize("url", ["/database-down/", "/connection-lost/"])
def test_a_database_outage_shows_the_japanese_page_and_asks_to_retry_later(browser, test_urls, db, url):
    response = browser.get(url)
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "ただいま利用できません" in html and "データベースに接続できない" in html


def test_with_the_database_down_the_pages_of_the_application_answer_503_without_a_query(browser, db):
    user = make_user("staff")
    browser.force_login(user)
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("server closed")
    ) as execute:
        response = browser.get(reverse("reviews:cycle_list"))
    assert response.status_code == 503
    assert "ただいま利用できません" in response.content.decode()
    # The session was the only thing tried: the error page itself asked nothing of the database.
    assert execute.call_count == 1


def test_a_request_too_large_is_refused_in_japanese_and_nothing_is_saved(browser, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = browser.post(reverse("login"), {"username": "x" * 2000, "password": "y"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "大きすぎる" in html and "何も保存されていません" in html
    assert "Bad Request" not in html

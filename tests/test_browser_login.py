"""Logging in, in a real browser: wrong passwords lock the account out with a Japanese explanation."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser import log_in, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def clerk(site, settings):
    settings.AXES_FAILURE_LIMIT = 3
    get_user_model().objects.create_user("shokuin", "shokuin@example.jp", "the-right-password")


@pytest.mark.parametrize("width", [1366, 390])
def test_a_clerk_locked_out_after_wrong_passwords_reads_why_and_for_how_long(page, site, clerk, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + "/accounts/login/")
    shot(page, f"login-{width}")
    for _ in range(2):
        log_in(page, "shokuin", "wrong-password")
        expect(page.get_by_role("alert")).to_contain_text("ユーザー名またはパスワードが違います")
    log_in(page, "shokuin", "wrong-password")
    expect(page.get_by_role("heading", name="ログインできません")).to_be_visible()

    page.get_by_role("link", name="ログインの画面へ").click()
    log_in(page, "shokuin", "the-right-password")
    expect(page.get_by_role("alert")).to_contain_text("30分たつと、またログインできます")
    expect(page.get_by_role("main")).to_contain_text("システム管理者（総務部 情報管理課）に連絡してください")
    shot(page, f"locked-out-{width}")

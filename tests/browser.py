"""Helpers for the Playwright journeys."""

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def log_in(page, username, password):
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def shot(page, name):
    """A full-page screenshot in test-artifacts/, to look at what the user saw."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

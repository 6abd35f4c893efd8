"""Notifications in a real browser: the header's unread count, the list, opening one, the count going down."""

import pytest
from playwright.sync_api import expect

from notifications import delivery
from tests.browser import log_in, shot
from tests.personas import make_user

pytestmark = pytest.mark.browser


def told(user, subject, cycle):
    delivery.tell(
        [user],
        subject,
        "%(by)sさんが%(cycle)sの項番 %(number)s「%(name)s」を差し戻しました。"
        "次のコメントを読んで直し、もう一度提出してください。",
        args={"by": "joho", "cycle": cycle, "number": 16, "name": "グループウェアの導入"},
        comment="取組内容に、掲示板機能の利用を始めた時期を書いてください。",
        links=[{"label": "実施状況の入力画面", "url": "/reviews/"}],
    )


@pytest.mark.parametrize("width", [1366, 390])
def test_a_user_sees_the_unread_count_opens_a_notice_and_the_count_goes_down(page, site, width):
    editor = make_user("department", username="somu")
    told(editor, "差戻し: 項番 %(number)s %(name)s", "達成状況調査 令和7年度 (2025)")
    told(editor, "%(cycle)sを開始しました", "達成状況調査 令和8年度 (2026)")
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(site + "/accounts/login/")
    log_in(page, "somu", "test-password")
    header = page.locator(".site-header")
    expect(header.get_by_role("link", name="通知 未読 2件")).to_be_visible()
    shot(page, f"notifications-header-{width}")

    header.get_by_role("link", name="通知 未読 2件").click()
    expect(page.locator(".notification-list li.unread")).to_have_count(2)
    shot(page, f"notifications-list-{width}")

    page.get_by_role("link", name="差戻し: 項番 16 グループウェアの導入").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("差戻し: 項番 16 グループウェアの導入")
    expect(page.locator(".notification-comment")).to_contain_text("掲示板機能の利用を始めた時期")
    expect(header.get_by_role("link", name="通知 未読 1件")).to_be_visible()
    shot(page, f"notifications-detail-{width}")

    page.get_by_role("link", name="通知の一覧に戻る").click()
    expect(page.locator(".notification-list li.unread")).to_have_count(1)
    page.get_by_role("button", name="すべて既読にする").click()
    expect(page.locator(".messages")).to_contain_text("1件の通知を既読にしました。")
    expect(header.get_by_role("link", name="通知", exact=True)).to_be_visible()
    expect(page.locator(".unread-mark")).to_have_count(0)

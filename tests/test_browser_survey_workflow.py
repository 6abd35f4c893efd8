"""The survey as a city runs it, in a real browser: the administrator opens a year's survey with a due date, a
department editor fills in and submits, 情報管理課 returns one entry with a comment, the editor fixes and
resubmits, 情報管理課 confirms, and compiling shows what is not yet confirmed before it is taken."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import log_in, shot
from tests.mail import subject, text

pytestmark = pytest.mark.browser

YEAR_LINK = "達成状況調査 令和7年度 (2025)"


def session(browser, site, username, password, width=1366):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(site + "/accounts/login/")
    log_in(page, username, password)
    return page


def open_survey(page, site):
    page.goto(site + "/reviews/")
    page.get_by_role("link", name=YEAR_LINK).click()


@pytest.mark.parametrize("width", [1366, 390])
def test_submit_return_resubmit_confirm(browser, site, dev_accounts, smtp, django_user_model, width):
    for username in dev_accounts:
        django_user_model.objects.filter(username=username).update(email=f"{username}@city.example.lg.jp")
    editor = django_user_model.objects.get(username="dept")
    staff_user = django_user_model.objects.get(username="staff")
    admin = session(browser, site, "admin", dev_accounts["admin"], width)
    admin.goto(site + "/reviews/")
    admin.get_by_label("調査する年度").select_option(label="令和7年度 (2025)")
    admin.get_by_role("button", name="作成する", exact=True).click()
    admin.get_by_label("提出期限").fill("2099-12-20")
    admin.get_by_role("button", name="日程を保存する").click()
    expect(admin.locator(".survey-schedule")).to_contain_text("2099年12月20日")

    # Opening shows what will happen (who is told) before it is done.
    admin.get_by_role("link", name="調査を開始する").click()
    expect(admin.locator(".step-effect")).to_contain_text("総務課（開発用の例）")
    shot(admin, f"survey-open-confirm-{width}")
    admin.get_by_role("button", name="調査を開始する").click()
    expect(admin.locator(".cycle-state")).to_have_text("調査中")

    # The editor gets the opening e-mail with their items and a link to them.
    opening = smtp.one_to(editor)
    assert "令和7年度" in subject(opening)
    body = text(opening)
    assert "16" in body and "グループウェアの導入" in body and "2099年12月20日" in body
    assert re.search(r"https?://\S+/reviews/\d+/\?department=\d+", body), body

    # The department editor fills in item 16 and hands it in.
    dept = session(browser, site, "dept", dev_accounts["dept"], width)
    open_survey(dept, site)
    expect(dept.locator(".survey-schedule")).to_contain_text("2099年12月20日")
    dept.get_by_role("link", name="グループウェアの導入", exact=True).click()
    dept.get_by_label("実施状況").select_option("実施中")
    dept.get_by_label("達成状況").select_option("一部達成")
    dept.get_by_label("取組内容").fill("全庁で掲示板機能の利用を開始した。")
    dept.get_by_label("今後の方向性").select_option("継続")
    dept.get_by_role("button", name="保存して提出する").click()
    expect(dept.locator(".messages")).to_contain_text("項番 16 を提出しました。")
    expect(dept.locator("#entry-16")).to_contain_text("提出済")
    shot(dept, f"survey-worklist-submitted-{width}")
    assert any("グループウェアの導入" in text(m) for m in smtp.to(staff_user))

    # 情報管理課 returns it with a comment.
    staff = session(browser, site, "staff", dev_accounts["staff"], width)
    open_survey(staff, site)
    staff.get_by_label("入力状況").select_option("提出済")
    staff.get_by_role("button", name="絞り込む").click()
    staff.get_by_role("link", name="グループウェアの導入", exact=True).click()
    staff.get_by_label("差し戻す理由（担当課に伝わります）").fill("利用を開始した時期を書いてください。")
    staff.get_by_role("button", name="差し戻す").click()
    expect(staff.locator(".messages")).to_contain_text("項番 16 を担当課に差し戻しました。")
    expect(staff.locator(".entry-facts")).to_contain_text("差戻し")
    returned = [m for m in smtp.to(editor) if "差し戻" in subject(m) or "差戻し" in subject(m)]
    assert len(returned) == 1 and "利用を開始した時期を書いてください。" in text(returned[0])

    # The editor sees why, fixes it and submits again.
    open_survey(dept, site)
    expect(dept.locator("#entry-16")).to_contain_text("差戻し")
    dept.get_by_role("link", name="グループウェアの導入", exact=True).click()
    expect(dept.locator(".returned-notice")).to_contain_text("利用を開始した時期を書いてください。")
    expect(dept.locator(".entry-events")).to_contain_text("利用を開始した時期を書いてください。")
    shot(dept, f"survey-entry-returned-{width}")
    dept.get_by_label("取組内容").fill("令和7年10月から全庁で掲示板機能の利用を開始した。")
    dept.get_by_role("button", name="保存して提出する").click()
    expect(dept.locator("#entry-16")).to_contain_text("提出済")

    # 情報管理課 confirms it.
    staff.reload()
    staff.get_by_role("button", name="確認済にする").click()
    expect(staff.locator(".messages")).to_contain_text("項番 16 を確認済にしました。")
    events = staff.locator(".entry-events li")
    expect(events).to_have_count(4)
    expect(events.nth(3)).to_contain_text("確認")
    shot(staff, f"survey-entry-confirmed-{width}")

    # Compiling shows the entries not yet confirmed and asks first.
    open_survey(staff, site)
    expect(staff.locator("#entry-16")).to_contain_text("確認済")
    staff.get_by_role("link", name="取りまとめる（入力を締め切る）").click()
    expect(staff.locator("[role=alert]")).to_contain_text(re.compile(r"確認済でない入力が\d+件あります"))
    expect(staff.locator("table").first).not_to_contain_text("グループウェアの導入")
    shot(staff, f"survey-compile-confirm-{width}")
    staff.get_by_role("button", name="取りまとめる（入力を締め切る）").click()
    expect(staff.locator(".cycle-state")).to_have_text("取りまとめ済")
    for page in (admin, dept, staff):
        page.context.close()

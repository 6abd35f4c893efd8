"""Password reset pages exist only where the city's mail server is configured."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.personas import make_user

RESET_PAGES = [
    reverse("password_reset"),
    reverse("password_reset_done"),
    reverse("password_reset_confirm", args=["MQ", "set-password"]),
    reverse("password_reset_complete"),
]


@pytest.mark.parametrize("url", RESET_PAGES)
def test_without_mail_the_reset_pages_do_not_exist(client, db, settings, url):
    settings.PASSWORD_RESET_ENABLED = False
    response = client.get(url)
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_without_mail_the_login_page_offers_no_reset_link(client, db, settings):
    settings.PASSWORD_RESET_ENABLED = False
    html = client.get(reverse("login")).content.decode()
    assert "パスワードを忘れた場合" not in html and reverse("password_reset") not in html


def test_with_mail_the_login_page_links_to_the_reset_and_it_sends_a_mail(client, db, settings):
    settings.PASSWORD_RESET_ENABLED = True
    user = make_user("staff", username="shokuin")
    html = client.get(reverse("login")).content.decode()
    assert "パスワードを忘れた場合" in html and reverse("password_reset") in html
    assert client.get(reverse("password_reset")).status_code == 200
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]

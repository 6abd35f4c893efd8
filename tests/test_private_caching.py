"""Pages and files for a logged-in person are never kept by a shared cache; public pages are left alone."""

from django.urls import reverse

from tests.jobs import job_file, job_page
from tests.personas import make_user, open_cycle


def cache_control(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_a_logged_in_page_is_private_and_not_stored(committee_client):
    response = committee_client.get(reverse("reviews:cycle_list"))
    assert {"private", "no-store"} <= cache_control(response)


def test_a_downloaded_report_is_private_and_not_stored(committee_client, plan5):
    cycle = open_cycle(plan5, 2026, make_user("admin"))
    started = committee_client.get(reverse("reviews:report_file", args=[cycle.pk, "xlsx"]))
    for response in (job_page(committee_client, started), job_file(committee_client, started)):
        assert response.status_code == 200
        assert {"private", "no-store"} <= cache_control(response)


def test_open_data_downloaded_while_logged_in_is_private_too(committee_client):
    response = committee_client.get(reverse("initiatives:download", args=[5, "csv"]))
    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_control(response)


def test_the_login_page_with_its_csrf_cookie_is_not_stored(client, db):
    response = client.get(reverse("login"))
    assert "csrftoken" in response.cookies
    assert {"private", "no-store"} <= cache_control(response)


def test_a_public_file_for_an_anonymous_visitor_keeps_its_own_caching(client, plan5):
    response = client.get(reverse("initiatives:download", args=[5, "csv"]))
    assert response.status_code == 200
    assert not response.cookies
    assert "no-store" not in cache_control(response) and "private" not in cache_control(response)


def test_a_public_page_with_a_form_is_private_because_it_carries_the_visitors_csrf_token(client, plan5):
    # The language switch on every page is a form: a shared copy would hand one visitor's token to others.
    response = client.get(reverse("initiatives:plan_table", args=[5]))
    assert "csrftoken" in response.cookies
    assert {"private", "no-store"} <= cache_control(response)

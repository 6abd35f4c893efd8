"""The logged-in pages checked with axe-core at desktop and phone width, as the public ones are
(tests/test_browser_public.py): each role's everyday pages, after a step that leaves a message, and the admin's
import page."""

import pytest

from reviews.models import ReviewCycle
from tests.browser import log_in
from tests.test_browser_public import axe_violations

pytestmark = pytest.mark.browser

WIDTHS = [1366, 390]


@pytest.fixture
def browser_context_args(browser_context_args):
    # The pages forbid inline scripts (CSP); axe-core is injected by the test, not shipped in the pages.
    return {**browser_context_args, "bypass_csp": True}


def logged_in(page, site, username, password, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + "/accounts/login/")
    log_in(page, username, password)


def check(page, site, path):
    response = page.goto(site + path.format(cycle=seed_cycle()))
    assert response.status == 200, path  # an error page would pass for the wrong reason
    return [(path, *v) for v in axe_violations(page)]


def seed_cycle():
    """The seed's open survey (its id differs from one browser test to the next)."""
    return ReviewCycle.objects.get(plan__ordinal=5, fiscal_year=2026).pk


@pytest.mark.parametrize("width", WIDTHS)
def test_the_staff_pages_have_no_accessibility_violations(page, site, dev_accounts, width):
    logged_in(page, site, "staff", dev_accounts["staff"], width)
    found = []
    for path in (
        "/reviews/",
        "/reviews/{cycle}/",
        "/reviews/{cycle}/entries/16/",
        "/reviews/{cycle}/dashboard/",
        "/reviews/{cycle}/report/",
        "/reviews/{cycle}/action/compile/",
        "/notifications/",
        "/notifications/settings/",
    ):
        found += check(page, site, path)
    # A page with a success message (the messages list is announced as a status).
    page.goto(site + f"/reviews/{seed_cycle()}/entries/16/")
    page.get_by_label("取組内容").fill("全庁で掲示板機能の利用を開始した。")
    page.get_by_role("button", name="保存する").click()
    assert page.locator(".messages li").count() == 1
    found += [("after saving", *v) for v in axe_violations(page)]
    assert found == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_department_and_committee_pages_have_no_accessibility_violations(page, site, dev_accounts, width):
    found = []
    logged_in(page, site, "dept", dev_accounts["dept"], width)
    for path in ("/reviews/{cycle}/", "/reviews/{cycle}/entries/19/"):
        found += check(page, site, path)
    page.context.clear_cookies()
    logged_in(page, site, "committee", dev_accounts["committee"], width)
    for path in (
        "/reviews/{cycle}/dashboard/",
        "/reviews/{cycle}/entries/1/",
        "/reviews/plans/5/initiatives/1/",
    ):
        found += check(page, site, path)
    assert found == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_admin_pages_have_no_accessibility_violations(page, site, dev_accounts, width):
    logged_in(page, site, "admin", dev_accounts["admin"], width)
    found = []
    for path in ("/admin/", "/admin/initiatives/initiative/import/", "/admin/initiatives/initiative/"):
        found += check(page, site, path)
    assert found == []

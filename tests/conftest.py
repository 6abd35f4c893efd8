import contextlib
import io
import os

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import translation

# live_server runs in a thread beside sync Playwright, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium's own connections are refused by the closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # pytest-django runs with DEBUG off, as production does; so do the development accounts' rules.
    settings.DEVELOPMENT_ACCOUNTS_CAN_LOG_IN = False
    settings.IMPORT_STAGING_DIR = tmp_path / "imports"
    # Each task runs at once, inside the request that enqueues it; tests/test_background.py runs the real
    # worker on the database queue.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    yield
    # A request in English leaves English active in this thread; what the next test writes (the permissions
    # a flush makes again, say) must not depend on which test ran before it.
    translation.activate(django_settings.LANGUAGE_CODE)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_page_cache(request):
    """Each test that uses the database starts with an empty cache table.

    The table is not a model's, so the flush after a transactional test (the browser tests) leaves its
    rows; a later test reading an entry that has since expired deletes it, one query more than its pinned
    count, depending on which tests ran before it on the same worker.
    """
    uses = set(request.fixturenames)
    if "transactional_db" in uses or "live_server" in uses:
        request.getfixturevalue("transactional_db")
    elif "db" in uses:
        request.getfixturevalue("db")
    else:
        return
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the shipped seed loaded once for the whole session.

    A `db` test runs in a transaction rolled back at its end, so each one sees the seed as load_seed left it,
    without paying for loading it again. A transactional test empties the database at its end instead (which
    is why pytest-django runs them after all the `db` tests): those load the seed themselves (`seeded`, `site`).
    """
    with django_db_blocker.unblock():
        call_command("load_seed", stdout=io.StringIO())


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """All the `db` tests before the transactional ones, as pytest-django orders them.

    pytest then regroups the tests by the session-scoped parameter of the Playwright fixtures, which puts the
    browser journeys (transactional: they empty the database at their end) among the `db` tests; the `db`
    tests after them would have lost the session's seed.
    """

    def transactional(item):
        marker = item.get_closest_marker("django_db")
        marked = marker is not None and bool(marker.kwargs.get("transaction", marker.args[:1] == (True,)))
        return marked or bool({"transactional_db", "live_server"} & set(item.fixturenames))

    items.sort(key=transactional)


@pytest.fixture
def seeded(db):
    """The shipped seed: plans 1–5 with the fourth and fifth plans' tables, as load_seed loads them."""
    from plan.models import Plan

    # Loaded once for the session (django_db_setup); gone only if an earlier transactional test emptied the
    # database, which a transactional test always does at its end.
    if not Plan.objects.exists():
        call_command("load_seed", stdout=io.StringIO())


@pytest.fixture
def plan5(seeded):
    from plan.models import Plan

    return Plan.objects.get(ordinal=5)


@pytest.fixture
def plan4(seeded):
    from plan.models import Plan

    return Plan.objects.get(ordinal=4)


@pytest.fixture(scope="session")
def _rendered_pdfs():
    return {}


@pytest.fixture
def pdf_rendered_once(monkeypatch, settings, _rendered_pdfs):
    """A context in which a report's PDF is rendered for real (WeasyPrint in its child process) the first time
    in the session and reused after that, for fixtures that need a published cycle but whose tests never look
    at its PDF. The same HTML under the same bounds makes the same PDF; test_publication and test_reports,
    which check the PDF and its bounds, render every one."""
    from reviews import report_files

    render = report_files.render_pdf

    def render_once(html):
        key = (
            html,
            settings.REPORT_PDF_MAX_BYTES,
            settings.REPORT_PDF_MAX_MEMORY,
            settings.REPORT_PDF_TIMEOUT,
        )
        if key not in _rendered_pdfs:
            _rendered_pdfs[key] = render(html)
        return _rendered_pdfs[key]

    @contextlib.contextmanager
    def rendered_once():
        with monkeypatch.context() as patch:
            patch.setattr(report_files, "render_pdf", render_once)
            yield

    return rendered_once


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.jp", "test-password-admin")


@pytest.fixture
def plan6(plan5):
    """A sixth plan that starts from the fifth plan's definition, drops 自治体DX and adds SDGs (multi-choice)."""
    from plan.definitions import add_columns, copy_definition, presets
    from plan.models import Plan

    plan = Plan.objects.create(
        ordinal=6,
        title="第六次東大和市情報化推進計画",
        first_fiscal_year=2027,
        last_fiscal_year=2031,
        adopted="令和9年3月",
        predecessor=plan5,
    )
    copy_definition(plan5, plan)
    plan.columns.get(key="municipal_dx").delete()
    gunma = presets()["gunma"]
    add_columns(plan, [c for c in gunma["columns"] if c["key"] == "sdgs"])
    return plan


@pytest.fixture
def admin(db):
    """A システム管理者 (user name kanri)."""
    from tests.personas import make_user

    return make_user("admin", username="kanri")


@pytest.fixture
def staff(db):
    """A 情報管理課 clerk (user name joho)."""
    from tests.personas import make_user

    return make_user("staff", username="joho")


@pytest.fixture
def committee_client(client, seeded):
    """A browser session of a 委員 (user name iin), logged in."""
    from tests.personas import make_user

    client.force_login(make_user("committee", username="iin"))
    return client


@pytest.fixture
def page(page):
    """Playwright's page, failing after 10 s rather than its default 30 s when what a step waits for is not there."""
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def site(transactional_db, live_server):
    """The live server with the shipped seed, for browser journeys."""
    call_command("load_seed", stdout=io.StringIO())
    return live_server.url


@pytest.fixture
def dev_accounts(settings, site):
    """The development set-up's accounts, as the README tells a newcomer to log in: {username: password}."""
    from reviews.management.commands.create_dev_users import DEV_USERS

    settings.DEBUG = True
    call_command("create_dev_users", stdout=io.StringIO())
    settings.DEBUG = False
    # A developer's machine, where the README's accounts log in (DEBUG=1 there).
    settings.DEVELOPMENT_ACCOUNTS_CAN_LOG_IN = True
    return {username: password for username, password, _role, _duties in DEV_USERS}


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 and a free port, and Django's SMTP backend pointed at it: what arrived."""
    from tests.mail import smtp_server

    yield from smtp_server(settings)


@pytest.fixture
def smtp_down(settings):
    """A mail server address where nothing listens."""
    from tests.mail import point_at_nothing

    point_at_nothing(settings)

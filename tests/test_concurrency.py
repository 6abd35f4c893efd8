"""Saves that race each other, as they do when several people press 保存 at the same moment.

SQLite runs one writer at a time, so what these tests look for cannot happen there: they run on PostgreSQL
only, with real concurrent transactions (one thread and one database connection per person, all released
at once by a barrier), through the same views the browser uses. One test goes through gunicorn itself.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from initiatives.models import Department, Indicator, IndicatorTarget, Initiative
from reviews.models import CycleEvent, CycleState, StatusEntry
from tests.personas import make_user, open_cycle
from tests.test_entry_editing import form_data
from tests.test_survey_workbooks import download, fill, upload

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="SQLite runs one writing transaction at a time: saves cannot race there",
    ),
]

PEOPLE = 20
SAVED = "を保存しました"
CONFLICT = "保存できませんでした。この画面を開いた後に"


@pytest.fixture
def cycle(seeded, plan5):
    return open_cycle(plan5, 2024, make_user("admin"))


def at_once(*calls):
    """Run each call in its own thread (and database connection), all released together; their results."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # reported below, in the test's own thread
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def entry_of(cycle, number):
    return StatusEntry.objects.get(cycle=cycle, initiative__number=number)


def saving(client, cycle, number, version, text):
    url = reverse("reviews:entry", args=[cycle.pk, number])

    def call():
        return client.post(url, form_data(version, actions=text, stage_reached="検討中"), follow=True)

    return call


def page_text(response):
    return response.content.decode()


def assert_one_history_row_per_version(entry):
    versions = list(entry.history.order_by("history_id").values_list("version", flat=True))
    assert versions == list(range(entry.version + 1))


def test_of_twenty_people_saving_one_version_at_once_exactly_one_is_accepted_and_nothing_is_lost(cycle):
    entry = entry_of(cycle, 16)
    people = [make_user("staff") for _ in range(PEOPLE)]
    texts = [f"{n}人目の取組内容" for n in range(PEOPLE)]

    responses = at_once(
        *(saving(logged_in(p), cycle, 16, entry.version, t) for p, t in zip(people, texts, strict=True))
    )

    accepted = [t for r, t in zip(responses, texts, strict=True) if SAVED in page_text(r)]
    refused = [(r, t) for r, t in zip(responses, texts, strict=True) if r.status_code == 409]
    assert len(accepted) == 1
    assert len(refused) == PEOPLE - 1
    for response, text in refused:
        # The conflict page names the other person's text and keeps the user's own in the form.
        assert CONFLICT in page_text(response)
        assert text in page_text(response)
        assert accepted[0] in page_text(response)
    entry.refresh_from_db()
    assert (entry.version, entry.actions) == (1, accepted[0])
    assert_one_history_row_per_version(entry)


def test_of_twenty_actuals_of_one_indicator_saved_at_once_exactly_one_is_kept_with_its_history(cycle):
    entry = entry_of(cycle, 16)
    indicator = Indicator.objects.create(initiative=entry.initiative, name="利用率", unit="％")
    IndicatorTarget.objects.create(indicator=indicator, fiscal_year=cycle.fiscal_year, target=80)
    url = reverse("reviews:entry", args=[cycle.pk, 16])
    people = [make_user("staff") for _ in range(PEOPLE)]

    def entering(client, actual):
        return lambda: client.post(url, form_data(0, **{f"kpi_{indicator.pk}": str(actual)}), follow=True)

    responses = at_once(*(entering(logged_in(p), 50 + n) for n, p in enumerate(people)))

    accepted = [50 + n for n, r in enumerate(responses) if SAVED in page_text(r)]
    assert len(accepted) == 1
    assert sum(1 for r in responses if r.status_code == 409) == PEOPLE - 1
    entry.refresh_from_db()
    assert (entry.version, entry.kpi_actuals) == (1, {indicator.key: f"{accepted[0]}.00"})
    assert_one_history_row_per_version(entry)
    assert entry.history.get(version=1).kpi_actuals == {indicator.key: f"{accepted[0]}.00"}


def test_saves_of_different_entries_at_once_are_all_accepted(cycle):
    numbers = list(Initiative.objects.filter(plan=cycle.plan).values_list("number", flat=True)[:10])
    staff = make_user("staff")

    responses = at_once(*(saving(logged_in(staff), cycle, n, 0, f"項番{n}の取組") for n in numbers))

    assert all(SAVED in page_text(r) for r in responses)
    for number in numbers:
        entry = entry_of(cycle, number)
        assert (entry.version, entry.actions) == (1, f"項番{number}の取組")
        assert_one_history_row_per_version(entry)


def test_a_workbook_upload_racing_form_saves_of_its_entries_is_all_or_nothing(cycle):
    department = Department.objects.create(name="総務課")
    Initiative.objects.filter(plan=cycle.plan, number__in=[16, 19, 25]).update(department=department)
    staff = make_user("staff")
    uploader = logged_in(staff)
    data = fill(
        download(uploader, cycle, department),
        {n: {"実施状況": "実施中", "取組内容": f"調査票の{n}"} for n in (16, 19, 25)},
    )
    preview = upload(uploader, cycle, department, data)
    confirm_url = reverse("reviews:workbook_confirm", args=[cycle.pk])
    confirm_data = preview.context["confirm_form"].initial

    def confirm():
        return uploader.post(confirm_url, confirm_data, follow=True)

    savers = [saving(logged_in(make_user("staff")), cycle, 19, 0, f"画面から{n}") for n in range(5)]
    results = at_once(confirm, *savers)

    form_accepted = [r for r in results[1:] if SAVED in page_text(r)]
    workbook_accepted = "件の入力を保存しました" in page_text(results[0])
    # One version of 項番19 was there to claim: the workbook and the five form saves share it.
    assert int(workbook_accepted) + len(form_accepted) == 1
    entries = {n: entry_of(cycle, n) for n in (16, 19, 25)}
    if workbook_accepted:
        assert [entries[n].actions for n in (16, 19, 25)] == ["調査票の16", "調査票の19", "調査票の25"]
    else:
        assert "何も保存していません" in page_text(results[0])
        # All or nothing: 16 and 25 were not written either.
        assert (entries[16].version, entries[25].version) == (0, 0)
        assert entries[19].actions.startswith("画面から")
    for entry in entries.values():
        assert_one_history_row_per_version(entry)


def test_a_save_racing_the_compile_step_is_either_in_before_it_or_refused(cycle):
    staff = [make_user("staff") for _ in range(PEOPLE)]
    numbers = list(Initiative.objects.filter(plan=cycle.plan).values_list("number", flat=True)[:PEOPLE])
    compiler = logged_in(make_user("staff"))
    action_url = reverse("reviews:cycle_step", args=[cycle.pk])

    def compile_cycle():
        return compiler.post(action_url, {"step": "compile"}, follow=True)

    savers = [
        saving(logged_in(s), cycle, n, 0, "締切直前の入力") for s, n in zip(staff, numbers, strict=True)
    ]
    results = at_once(compile_cycle, *savers)

    assert "取りまとめ済" in page_text(results[0])
    compiled_at = CycleEvent.objects.get(cycle=cycle, to_state=CycleState.COMPILED).at
    for response, number in zip(results[1:], numbers, strict=True):
        entry = entry_of(cycle, number)
        if SAVED in page_text(response):
            assert entry.version == 1
            # Saved before the survey was compiled, never after.
            assert entry.updated_at < compiled_at
        else:
            assert (
                "この調査は「取りまとめ済」のため、保存できませんでした。何も保存していません。"
                in page_text(response)
            )
            assert entry.version == 0
            assert entry.history.count() == 1


def test_two_people_taking_the_same_cycle_step_at_once_move_it_once(cycle):
    people = [logged_in(make_user("staff")) for _ in range(5)]
    url = reverse("reviews:cycle_step", args=[cycle.pk])

    results = at_once(*(lambda c=c: c.post(url, {"step": "compile"}, follow=True) for c in people))

    assert sum("を「取りまとめ済」にしました" in page_text(r) for r in results) == 1
    assert CycleEvent.objects.filter(cycle=cycle, to_state=CycleState.COMPILED).count() == 1


# --- Through gunicorn, as the city runs it -----------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn():
    """gunicorn with four worker processes of five threads each (twenty requests at once) on the test database; its base URL."""
    db = connection.settings_dict
    url = f"postgres://{db['USER'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "4",
            "--threads",
            "5",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/published/", timeout=10)
                break
            except OSError:  # not listening yet, or a worker still loading Django
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(10)


class Browser:
    """One person's cookies and CSRF token, over plain HTTP to the server."""

    def __init__(self, base, user):
        client = Client()
        client.force_login(user)  # the session lives in the database, which gunicorn shares
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.session = client.cookies[settings.SESSION_COOKIE_NAME].value

    def open(self, path, data=None):
        request = urllib.request.Request(self.base + path, data=data)
        request.add_header("Cookie", f"{settings.SESSION_COOKIE_NAME}={self.session}; {self._csrf_cookie()}")
        request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def _csrf_cookie(self):
        return "; ".join(f"{c.name}={c.value}" for c in self.jar if c.name == settings.CSRF_COOKIE_NAME)

    def post_form(self, path, values):
        _status, page = self.open(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return lambda: self.open(
            path, urllib.parse.urlencode({**values, "csrfmiddlewaretoken": token}).encode()
        )


def test_through_gunicorn_twenty_saves_of_one_version_leave_one_accepted_and_every_other_told(
    cycle, gunicorn
):
    entry = entry_of(cycle, 16)
    path = reverse("reviews:entry", args=[cycle.pk, 16])
    texts = [f"{n}人目の入力" for n in range(PEOPLE)]
    posts = [
        Browser(gunicorn, make_user("staff")).post_form(
            path, form_data(entry.version, actions=text, stage_reached="検討中")
        )
        for text in texts
    ]

    results = at_once(*posts)

    statuses = [status for status, _page in results]
    assert statuses.count(200) == 1, statuses  # the accepted save redirects to the worklist
    assert statuses.count(409) == PEOPLE - 1, statuses
    entry.refresh_from_db()
    winner = texts[statuses.index(200)]
    assert (entry.version, entry.actions) == (1, winner)
    for (status, page), text in zip(results, texts, strict=True):
        if status == 409:
            assert text in page and winner in page
    assert_one_history_row_per_version(entry)


def test_two_administrators_creating_the_same_years_survey_at_once_make_one(seeded, plan5):
    admins = [logged_in(make_user("admin")) for _ in range(5)]
    url = reverse("reviews:cycle_create")
    data = {"plan": plan5.pk, "fiscal_year": 2025}

    results = at_once(*(lambda c=c: c.post(url, data) for c in admins))

    assert sorted(r.status_code for r in results) == [302, 400, 400, 400, 400]
    for response in results:
        if response.status_code == 400:
            assert "この計画のこの年度の調査はすでにあります。" in page_text(response)
    assert plan5.cycles.filter(fiscal_year=2025).count() == 1


def test_two_administrators_confirming_the_same_new_departments_at_once_lose_nothing(seeded):
    """The bulk import (django-import-export) on PostgreSQL: both previews saw no 企画課, both confirm at
    once; one import is written whole, the other waits for it and finds nothing left to change."""
    from tests.onboarding import csv_bytes, upload

    make_user("department", username="tanaka")
    data = csv_bytes(
        [["課名", "所属する利用者（ユーザー名）"], ["企画課", "tanaka"], ["財政課", ""]], "cp932"
    )
    from django.contrib.auth import get_user_model

    admins = [
        get_user_model().objects.create_superuser(f"kanri{n}", f"kanri{n}@city.example.jp") for n in (1, 2)
    ]
    clients = [logged_in(admin) for admin in admins]
    previews = [upload(c, "admin:initiatives_department_import", data, "課.csv") for c in clients]
    forms = [p.context["confirm_form"].initial for p in previews]
    url = reverse("admin:initiatives_department_process_import")

    responses = at_once(
        *[lambda c=c, f=f: c.post(url, f, follow=True) for c, f in zip(clients, forms, strict=True)]
    )

    pages = sorted((r.content.decode() for r in responses), key=lambda page: "新規 2" in page)
    assert "一括取込（担当課）: 課.csv（新規 2・更新 0・変更なし 0）" in pages[1]
    # The other waited for the first to commit, then found both as its file has them: nothing to change,
    # never a second 企画課, never half an import, never a refusal of a file that is right.
    assert "一括取込（担当課）: 課.csv（新規 0・更新 0・変更なし 2）" in pages[0], re.findall(
        r'<li class="(?:success|error|info)">(.*?)</li>', pages[0]
    )
    assert sorted(Department.objects.values_list("name", flat=True)) == ["企画課", "財政課"]
    assert list(Department.objects.get(name="企画課").members.values_list("username", flat=True)) == [
        "tanaka"
    ]

"""Who may do what in the yearly survey, enforced on the server for every view and every object.

One table of (role, request, expected outcome) is the specification, tested row by row: a refused request is
answered 403, leaves a line in the "reviews.access" log and changes nothing; an allowed one does what it asks;
an anonymous visitor is sent to the login page.
"""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from initiatives.models import Initiative
from reviews.cycles import start_cycle
from reviews.models import CycleEvent, CycleState, ReviewCycle, StatusEntry
from tests.personas import cycle_in_state, make_department, make_user, open_cycle

ROLES = ["admin", "staff", "department", "committee", "none", "anonymous"]

OK, FOUND, FORBIDDEN, LOGIN = 200, 302, 403, "login"

# request -> expected outcome per role, in the order of ROLES.
# "department" is an editor of the department that owns initiatives 1 and 2 (own); 3 and 4 belong to another.
TABLE = {
    "cycle list": [OK, OK, OK, OK, FORBIDDEN, LOGIN],
    "create cycle": [FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN],
    "worklist": [OK, OK, OK, OK, FORBIDDEN, LOGIN],
    "action open": [FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN],
    "action compile": [FOUND, FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN],
    "action committee": [FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN],
    "action headquarters": [FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN],
    "action reopen": [FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN],
    "action publish": [FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN],
    "entry GET own": [OK, OK, OK, OK, FORBIDDEN, LOGIN],
    "entry GET other": [OK, OK, FORBIDDEN, OK, FORBIDDEN, LOGIN],
    "entry POST own": [FOUND, FOUND, FOUND, FORBIDDEN, FORBIDDEN, LOGIN],
    # The forged POST: a department editor posting a well-formed entry form for another department's item.
    "entry POST other": [FOUND, FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN],
}

CASES = [
    pytest.param(role, request, expected, id=f"{role}-{request}")
    for request, outcomes in TABLE.items()
    for role, expected in zip(ROLES, outcomes, strict=True)
]

# The state a cycle must be in for each action to be possible, so that only the role decides the answer.
ACTION_STATE = {
    "open": CycleState.PREPARING,
    "compile": CycleState.SURVEYING,
    "committee": CycleState.COMPILED,
    "headquarters": CycleState.COMMITTEE_DONE,
    "reopen": CycleState.COMPILED,
    "publish": CycleState.HEADQUARTERS_DONE,
}
ACTION_RESULT = {
    "open": CycleState.SURVEYING,
    "compile": CycleState.COMPILED,
    "committee": CycleState.COMMITTEE_DONE,
    "headquarters": CycleState.HEADQUARTERS_DONE,
    "reopen": CycleState.SURVEYING,
    "publish": CycleState.PUBLISHED,
}
OWN, OTHER = 1, 3


def entry_form_data(entry, **values):
    data = {
        "based_on_version": entry.version,
        "stage_reached": "検討中",
        "progress": "",
        "achievement": "",
        "actions": "庁内で検討会を2回開催した。",
        "issues": "",
        "direction": "",
        "next": "",
    }
    data.update(values)
    return data


@pytest.fixture
def world(plan5):
    admin = make_user("admin", username="kanri")
    own = make_department("総務課", plan5, numbers=[1, 2])
    other = make_department("企画課", plan5, numbers=[3, 4])
    users = {
        "admin": admin,
        "staff": make_user("staff", username="joho"),
        "department": make_user("department", departments=[own], username="somu"),
        "committee": make_user("committee", username="iin"),
        "none": make_user("none", username="norole"),
        "anonymous": None,
    }
    return {"plan": plan5, "admin": admin, "users": users, "own": own, "other": other}


def snapshot():
    """Everything a refused request must leave as it was."""
    return {
        "cycles": list(ReviewCycle.objects.order_by("pk").values_list("pk", "state")),
        "events": CycleEvent.objects.count(),
        "entries": list(StatusEntry.objects.order_by("pk").values_list("pk", "version", "actions")),
        "history": StatusEntry.history.count(),
    }


def perform(client, request, world):
    """Make the request; return the response and a check of what an allowed request must have done."""
    plan, admin = world["plan"], world["admin"]
    if request == "cycle list":
        return client.get(reverse("reviews:cycle_list")), None
    if request == "create cycle":
        response = client.post(reverse("reviews:cycle_create"), {"plan": plan.pk, "fiscal_year": 2024})
        return response, lambda: ReviewCycle.objects.filter(plan=plan, fiscal_year=2024).exists()
    if request == "worklist":
        cycle = open_cycle(plan, 2022, admin)
        return client.get(reverse("reviews:worklist", args=[cycle.pk])), None
    if request.startswith("action "):
        action = request.removeprefix("action ")
        cycle = cycle_in_state(plan, 2023, admin, ACTION_STATE[action])
        data = {
            "step": action,
            "date": "2024-05-20",
            "comment": "異議なし",
            "reason": "数値の誤りを直すため",
        }
        response = client.post(reverse("reviews:cycle_step", args=[cycle.pk]), data)

        def moved():
            cycle.refresh_from_db()
            return cycle.state == ACTION_RESULT[action]

        return response, moved
    cycle = open_cycle(plan, 2022, admin)
    number = OWN if request.endswith("own") else OTHER
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=number)
    url = reverse("reviews:entry", args=[cycle.pk, number])
    if request.startswith("entry GET"):
        return client.get(url), None
    response = client.post(url, entry_form_data(entry))
    return response, lambda: StatusEntry.objects.get(pk=entry.pk).version == entry.version + 1


@pytest.mark.parametrize(("role", "request_name", "expected"), CASES)
def test_every_role_gets_what_the_table_says(client, world, caplog, role, request_name, expected):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    caplog.set_level(logging.WARNING, logger="reviews.access")
    before = None

    def remember():
        nonlocal before
        before = snapshot()

    # The objects the request needs are made first, then the state they are in is remembered.
    response, did_it = perform(_Remembering(client, remember), request_name, world)
    access_log = [r for r in caplog.records if r.name == "reviews.access"]

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
        assert snapshot() == before
        assert access_log == []
    elif expected == FORBIDDEN:
        assert response.status_code == 403
        assert snapshot() == before, "a refused request changed something"
        assert len(access_log) == 1
        message = access_log[0].getMessage()
        assert f"user={user.get_username()}" in message
        assert f"path={response.wsgi_request.path}" in message
        assert f"method={response.wsgi_request.method}" in message
    else:
        assert response.status_code == expected
        assert access_log == []
        if did_it is not None:
            assert did_it(), "an allowed request did not do what it asked"


class _Remembering:
    """Wraps the test client so that the database is remembered just before the request is sent."""

    def __init__(self, client, remember):
        self._client, self._remember = client, remember

    def get(self, *args, **kwargs):
        self._remember()
        return self._client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        self._remember()
        return self._client.post(*args, **kwargs)


def test_the_table_covers_every_action_of_the_cycle():
    assert {r.removeprefix("action ") for r in TABLE if r.startswith("action ")} == set(
        ReviewCycle.TRANSITIONS
    )


def test_a_forged_post_for_another_departments_initiative_is_refused_logged_and_not_written(
    client, world, caplog
):
    plan, editor = world["plan"], world["users"]["department"]
    cycle = open_cycle(plan, 2022, world["admin"])
    own = StatusEntry.objects.get(cycle=cycle, initiative__number=OWN)
    other = StatusEntry.objects.get(cycle=cycle, initiative__number=OTHER)
    unowned = StatusEntry.objects.get(cycle=cycle, initiative__number=5)
    assert unowned.initiative.department is None
    client.force_login(editor)
    caplog.set_level(logging.WARNING, logger="reviews.access")

    # The editor's own form, sent to the other department's address.
    forged = entry_form_data(own, actions="他課の項目を書き換える")
    for number in (OTHER, unowned.initiative.number):
        response = client.post(reverse("reviews:entry", args=[cycle.pk, number]), forged)
        assert response.status_code == 403
    for entry in (other, unowned):
        entry.refresh_from_db()
        assert (entry.version, entry.actions, entry.history.count()) == (0, "", 1)
    refused = [r.getMessage() for r in caplog.records if r.name == "reviews.access"]
    assert len(refused) == 2 and all("user=somu" in m and "method=POST" in m for m in refused)

    # Fields naming another initiative or cycle, smuggled into the editor's own form, are ignored.
    other_cycle = open_cycle(plan, 2023, world["admin"])
    smuggled = {**forged, "initiative": other.initiative.pk, "cycle": other_cycle.pk, "id": other.pk}
    response = client.post(reverse("reviews:entry", args=[cycle.pk, OWN]), smuggled)
    assert response.status_code == 302
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.actions == "他課の項目を書き換える" and own.initiative.number == OWN and own.cycle == cycle
    assert other.actions == "" and not StatusEntry.objects.filter(cycle=other_cycle).exclude(actions="")


def test_an_entry_of_another_cycle_or_an_unknown_initiative_is_not_found(client, world):
    cycle = open_cycle(world["plan"], 2022, world["admin"])
    client.force_login(world["users"]["staff"])
    assert client.get(reverse("reviews:entry", args=[cycle.pk, 999])).status_code == 404
    assert client.get(reverse("reviews:entry", args=[cycle.pk + 100, 1])).status_code == 404
    assert client.get(reverse("reviews:worklist", args=[cycle.pk + 100])).status_code == 404


def test_belonging_to_a_department_without_the_editor_role_grants_nothing(client, world, caplog):
    cycle = open_cycle(world["plan"], 2022, world["admin"])
    member = make_user("none", departments=[world["own"]], username="member-only")
    client.force_login(member)
    caplog.set_level(logging.WARNING, logger="reviews.access")
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=OWN)
    url = reverse("reviews:entry", args=[cycle.pk, OWN])
    assert client.get(reverse("reviews:cycle_list")).status_code == 403
    assert client.get(url).status_code == 403
    assert client.post(url, entry_form_data(entry)).status_code == 403
    entry.refresh_from_db()
    assert entry.version == 0
    assert len([r for r in caplog.records if r.name == "reviews.access"]) == 3


def test_a_superuser_is_an_administrator(client, world, admin_user):
    cycle = start_cycle(world["plan"], 2022, world["admin"])
    client.force_login(admin_user)
    response = client.post(reverse("reviews:cycle_step", args=[cycle.pk]), {"step": "open"})
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.state == CycleState.SURVEYING


def test_the_department_editor_sees_only_their_departments_initiatives(client, world):
    plan = world["plan"]
    cycle = open_cycle(plan, 2022, world["admin"])
    client.force_login(world["users"]["department"])
    url = reverse("reviews:worklist", args=[cycle.pk])
    response = client.get(url)
    assert response.status_code == 200
    own_numbers = list(
        Initiative.objects.filter(plan=plan, department=world["own"])
        .order_by("number")
        .values_list("number", flat=True)
    )
    assert own_numbers == [1, 2]
    shown = [row.record.initiative.number for row in response.context["table"].rows]
    assert shown == own_numbers
    assert response.context["counts"]["total"] == len(own_numbers)
    html = response.content.decode()
    for number in (3, 4, 5):
        assert f'id="entry-{number}"' not in html
    # Choosing the other department in the filter does not widen what the editor sees.
    response = client.get(url, {"department": world["other"].pk})
    assert list(response.context["table"].rows) == []
    # The other roles that read see every initiative.
    for role in ("staff", "committee", "admin"):
        client.force_login(world["users"][role])
        response = client.get(url)
        assert len(response.context["table"].rows) == plan.initiatives.count()


def test_the_committee_member_reads_an_entry_without_a_form(client, world):
    cycle = open_cycle(world["plan"], 2022, world["admin"])
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=OWN)
    client.force_login(world["users"]["staff"])
    client.post(
        reverse("reviews:entry", args=[cycle.pk, OWN]),
        entry_form_data(entry, stage_reached="実施中", actions="予約システムの要件を整理した。"),
    )
    client.force_login(world["users"]["committee"])
    response = client.get(reverse("reviews:entry", args=[cycle.pk, OWN]))
    assert response.status_code == 200
    assert response.context["form"] is None
    html = response.content.decode()
    assert "entry-form" not in html and 'name="based_on_version"' not in html
    assert "<textarea" not in html and "<select" not in html
    assert "予約システムの要件を整理した。" in html and "実施中" in html
    # The worklist offers the committee member no step of the cycle either.
    response = client.get(reverse("reviews:worklist", args=[cycle.pk]))
    assert response.context["steps"] == []
    assert reverse("reviews:cycle_step", args=[cycle.pk]) not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "offered"),
    [("admin", ["compile"]), ("staff", ["compile"]), ("department", []), ("committee", [])],
)
def test_the_worklist_offers_only_the_steps_the_role_may_take(client, world, role, offered):
    cycle = open_cycle(world["plan"], 2022, world["admin"])
    client.force_login(world["users"][role])
    response = client.get(reverse("reviews:worklist", args=[cycle.pk]))
    assert [a["name"] for a in response.context["steps"]] == offered


def test_only_the_administrator_is_offered_the_form_to_create_a_cycle(client, world):
    for role, has_form in [("admin", True), ("staff", False), ("department", False), ("committee", False)]:
        client.force_login(world["users"][role])
        response = client.get(reverse("reviews:cycle_list"))
        assert (response.context["form"] is not None) is has_form, role
        assert (reverse("reviews:cycle_create") in response.content.decode()) is has_form, role


def test_creating_a_cycle_answers_only_post(client, world):
    client.force_login(world["admin"])
    assert client.get(reverse("reviews:cycle_create")).status_code == 405
    assert not ReviewCycle.objects.exists()


@pytest.mark.parametrize("data", [{"step": "publish"}, {}], ids=["unknown action", "no action"])
def test_a_post_to_the_cycle_steps_by_someone_who_may_take_none_is_refused_and_logged(
    client, world, caplog, data
):
    cycle = open_cycle(world["plan"], 2022, world["admin"])
    client.force_login(world["users"]["committee"])
    caplog.set_level(logging.WARNING, logger="reviews.access")
    response = client.post(reverse("reviews:cycle_step", args=[cycle.pk]), data)
    assert response.status_code == 403
    assert [r for r in caplog.records if r.name == "reviews.access"]


def test_a_refused_step_of_the_cycle_does_not_record_its_date_or_comment(client, world):
    cycle = cycle_in_state(world["plan"], 2022, world["admin"], CycleState.COMPILED)
    client.force_login(world["users"]["staff"])
    response = client.post(
        reverse("reviews:cycle_step", args=[cycle.pk]),
        {"step": "committee", "date": "2024-05-20", "comment": "職員が書いた意見"},
    )
    assert response.status_code == 403
    cycle.refresh_from_db()
    assert (cycle.state, cycle.committee_date, cycle.committee_comment) == (CycleState.COMPILED, None, "")


def test_a_post_without_the_csrf_token_is_refused(world):
    cycle = open_cycle(world["plan"], 2022, world["admin"])
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=OWN)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["users"]["staff"])
    assert (
        browser.post(reverse("reviews:entry", args=[cycle.pk, OWN]), entry_form_data(entry)).status_code
        == 403
    )
    browser.force_login(world["admin"])
    response = browser.post(reverse("reviews:cycle_step", args=[cycle.pk]), {"step": "compile"})
    assert response.status_code == 403
    entry.refresh_from_db()
    cycle.refresh_from_db()
    assert (entry.version, cycle.state) == (0, CycleState.SURVEYING)


def test_renaming_a_role_group_in_the_admin_keeps_its_role(client, plan5):
    from django.contrib.auth.models import Group

    from reviews.roles import Role, roles_of

    staff = make_user("staff")
    group = Role.STAFF.group()
    admin = make_user("admin", username="renaming-admin")
    type(admin).objects.filter(pk=admin.pk).update(is_staff=True)
    client.force_login(admin)
    response = client.post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": "総務部 情報管理課", "permissions": list(group.permissions.values_list("pk", flat=True))},
    )

    assert response.status_code == 302
    assert Group.objects.get(pk=group.pk).name == "総務部 情報管理課"
    staff = type(staff).objects.get(pk=staff.pk)
    assert roles_of(staff) == {Role.STAFF}
    client.force_login(staff)
    assert client.get("/reviews/").status_code == 200


def test_a_group_without_a_role_permission_gives_no_role_whatever_its_name(plan5):
    from django.contrib.auth.models import Group

    from reviews.roles import roles_of

    user = make_user("none")
    user.groups.add(Group.objects.create(name="情報管理課（旧）"))
    assert roles_of(type(user).objects.get(pk=user.pk)) == set()

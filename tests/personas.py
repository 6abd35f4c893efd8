"""Small builders for the people of the yearly survey and the cycles they work on.

Plain functions, so a test or a fixture can call them: the roles are the groups that reviews/apps.py creates
after migrating (システム管理者, 情報管理課, 担当課, 委員); a department editor is a 担当課 member who also
belongs to one or more departments (Department.members).
"""

import datetime

from django.contrib.auth import get_user_model

from initiatives.models import Department, Initiative
from reviews.cycles import start_cycle, take_step
from reviews.models import CycleState
from reviews.roles import Role

ROLE_NAMES = {
    "admin": Role.ADMIN,
    "staff": Role.STAFF,
    "department": Role.DEPARTMENT,
    "committee": Role.COMMITTEE,
    "none": None,
}

_counter = 0


def make_user(role, departments=(), username=None):
    """A user in the role's group ("admin", "staff", "department", "committee" or "none" for no role).

    departments: Department objects the user belongs to (for a 担当課 editor, the ones they may record).
    """
    global _counter
    _counter += 1
    group_name = ROLE_NAMES[role]
    user = get_user_model().objects.create_user(
        username or f"{role}-{_counter}", f"{role}-{_counter}@example.jp", "test-password"
    )
    if group_name is not None:
        user.groups.add(group_name.group())
    for department in departments:
        department.members.add(user)
    return user


def make_department(name, plan=None, numbers=(), members=()):
    """A department owning the initiatives of `plan` with the given 項番 (and with the given members)."""
    department = Department.objects.create(name=name)
    if numbers:
        Initiative.objects.filter(plan=plan, number__in=numbers).update(department=department)
    for user in members:
        department.members.add(user)
    return department


def open_cycle(plan, fiscal_year, user):
    """A review cycle for the plan and year, opened (調査中) by `user` (an administrator)."""
    return take_step(start_cycle(plan, fiscal_year, user), "open", user)


def cycle_in_state(plan, fiscal_year, user, state):
    """A cycle walked through the city's steps until it reaches `state` (a CycleState value)."""
    path = [
        (CycleState.SURVEYING, "open", {}),
        (CycleState.COMPILED, "compile", {}),
        (CycleState.COMMITTEE_DONE, "committee", {"date": datetime.date(2023, 6, 1)}),
        (CycleState.HEADQUARTERS_DONE, "headquarters", {"date": datetime.date(2023, 7, 1)}),
    ]
    cycle = start_cycle(plan, fiscal_year, user)
    for reached, action, extra in path:
        if cycle.state == state:
            break
        cycle = take_step(cycle, action, user, **extra)
        assert cycle.state == reached
    assert cycle.state == state, f"no path to {state}"
    return cycle


def column_value(initiative, key):
    """The initiative's value of one of its plan's own columns (plan.PlanColumn), as the application reads it."""
    from plan.models import PlanColumn

    return PlanColumn.objects.get(plan=initiative.plan_id, key=key).value_of(initiative)

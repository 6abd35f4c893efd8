"""Who may do what in the yearly survey. Roles are groups; every view and every object is checked here.

- 情報管理課 (staff): records every entry of an open cycle, compiles the cycle;
- 担当課 (department editor): records entries only for initiatives owned by their own department;
- 委員 (committee member): reads everything, changes nothing;
- システム管理者 (administrator): everything, plus opening, reopening and deliberation steps, and users.

Each role is a permission its group holds (Role), not the group's name: renaming a group keeps its role.
"""

import logging

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404

from audit.models import AuditKind
from audit.trail import record
from initiatives.models import Department
from reviews.models import ReviewCycle, Role, StatusEntry

logger = logging.getLogger("reviews.access")


def roles_of(user):
    if not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_review_roles", None)
    if cached is None:
        codenames = Permission.objects.filter(
            group__user=user, content_type__app_label="reviews", codename__in=Role.values
        ).values_list("codename", flat=True)
        cached = {Role(codename) for codename in codenames}
        if user.is_superuser:
            cached.add(Role.ADMIN)
        user._review_roles = cached
    return cached


def department_ids(user):
    cached = getattr(user, "_review_department_ids", None)
    if cached is None:
        cached = set(user.departments.values_list("id", flat=True)) if user.is_authenticated else set()
        user._review_department_ids = cached
    return cached


def is_admin(user):
    return Role.ADMIN in roles_of(user)


def can_read(user):
    return bool(roles_of(user))


def can_read_all(user):
    """The whole cycle at once (report, dashboard): not for a department editor, who sees their own only."""
    return bool(roles_of(user) & {Role.ADMIN, Role.STAFF, Role.COMMITTEE})


def can_read_initiative(user, initiative):
    """One initiative's page, with every year's entry: a department editor reads their own department's only."""
    if can_read_all(user):
        return True
    return Role.DEPARTMENT in roles_of(user) and initiative.department_id in department_ids(user)


def can_record_all(user):
    return bool(roles_of(user) & {Role.ADMIN, Role.STAFF})


def can_compile(user):
    return can_record_all(user)


def can_take(user, action):
    _sources, _to, who = ReviewCycle.TRANSITIONS[action]
    return is_admin(user) if who == "admin" else can_compile(user)


def can_record(user, entry):
    """Whether the entry is the user's to record, whatever the cycle's state."""
    if can_record_all(user):
        return True
    return Role.DEPARTMENT in roles_of(user) and entry.initiative.department_id in department_ids(user)


def can_edit_entry(user, entry):
    return entry.cycle.entries_editable and can_record(user, entry)


def can_take_entry_step(user, entry, kind):
    """提出 and comments are for whoever records the entry (its department, or 情報管理課 for it); 確認 and 差戻し
    are 情報管理課's."""
    if kind in ("confirm", "return"):
        return can_record_all(user)
    return can_record(user, entry)


def can_schedule(user):
    """The survey's due date and meeting dates are 情報管理課's to set."""
    return can_record_all(user)


def can_use_department(user, department):
    """Download or return a department's survey workbook."""
    if can_record_all(user):
        return True
    return Role.DEPARTMENT in roles_of(user) and department.pk in department_ids(user)


def entries_visible_to(user, queryset):
    roles = roles_of(user)
    if roles & {Role.ADMIN, Role.STAFF, Role.COMMITTEE}:
        return queryset
    if Role.DEPARTMENT in roles:
        return queryset.filter(initiative__department__in=department_ids(user))
    return queryset.none()


def note_refusal(request, what):
    """Leave a line in the log and in the audit trail saying who tried what, and was refused."""
    logger.warning(
        "refused: user=%s path=%s method=%s what=%s",
        request.user.get_username() or "(anonymous)",
        request.path,
        request.method,
        what,
    )
    record(AuditKind.PERMISSION_DENIED, request=request, detail=f"{what}（{request.method} {request.path}）")


def deny(request, what):
    """Refuse, with the log's and the audit trail's line."""
    note_refusal(request, what)
    raise PermissionDenied(what)


def require(request, allowed, what):
    if not allowed:
        deny(request, what)


def get_cycle(request, cycle_id):
    require(request, can_read(request.user), "read reviews")
    return get_object_or_404(ReviewCycle.objects.select_related("plan"), pk=cycle_id)


def get_entry(request, cycle, number):
    """The entry of initiative N in a cycle, reached through its cycle, and only if the user may see it."""
    entries = StatusEntry.objects.filter(cycle=cycle).select_related(
        "initiative", "initiative__department", "initiative__plan", "cycle", "cycle__plan", "updated_by"
    )
    entry = get_object_or_404(entries, initiative__number=number)
    require(request, entries_visible_to(request.user, entries).filter(pk=entry.pk).exists(), "read entry")
    return entry


def usable_departments(user, plan):
    """Departments owning initiatives of the plan whose survey workbooks the user may use, with their counts."""
    departments = (
        Department.objects.filter(initiatives__plan=plan)
        .annotate(initiative_count=Count("initiatives"))
        .order_by("name")
    )
    if can_record_all(user):
        return departments
    if Role.DEPARTMENT in roles_of(user):
        return departments.filter(pk__in=department_ids(user))
    return departments.none()


def get_department(request, cycle, department_id):
    """A department owning initiatives of the cycle's plan, if the user may use its survey workbook."""
    require(
        request, can_record_all(request.user) or Role.DEPARTMENT in roles_of(request.user), "survey workbook"
    )
    departments = Department.objects.filter(initiatives__plan=cycle.plan).distinct()
    department = get_object_or_404(departments, pk=department_id)
    require(
        request,
        can_use_department(request.user, department),
        f"survey workbook of department {department.pk}",
    )
    return department

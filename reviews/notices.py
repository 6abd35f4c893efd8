"""What the yearly survey tells people (notifications app): each function is called once its change is committed.

The survey's modules call these; whom to tell and what to say is decided here. Nobody is told of their own
step. The notice is kept in the application at once and its e-mail sent by the task worker
(notifications.delivery): a mail server that is down never fails the step, which is committed already.

Who is told what:
- the survey opens: each department's editors (their items, their worklist, their workbook); 情報管理課 and
  the administrators;
- its due date is near (REMINDER_DAYS_BEFORE days before) and on the day (send_reminders): the editors of
  each department with items not handed in, listing them;
- an entry is submitted, or a department's workbook taken in: 情報管理課;
- an entry is confirmed or returned (with the comment): its department's editors;
- a comment: the other side (情報管理課's comment to the department's editors, the department's to 情報管理課);
- compiled: the committee, the administrators and 情報管理課 (the report is ready to read);
- a deliberation recorded: the administrators and 情報管理課;
- reopened (with the reason): 情報管理課, the administrators and the departments' editors;
- published: the administrators, 情報管理課 and the committee.

The values in a notice (the survey's title, names) are written in Japanese; its sentences are source texts
that the list shows in the reader's language and the e-mail in Japanese.
"""

import functools
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from initiatives.models import Department, Initiative
from notifications import delivery
from plan.eras import date_label
from reviews import roles
from reviews.models import CycleState, EntryState, ReviewCycle, Role, StatusEntry

logger = logging.getLogger("reviews.notices")

ITEM = gettext_noop("項番 %(number)s　%(name)s")


def _notice(hook):
    """A notice that cannot be made is logged, never raised: what it tells of is committed already."""

    @functools.wraps(hook)
    def wrapper(*args, **kwargs):
        try:
            with translation.override("ja"):
                hook(*args, **kwargs)
        except Exception:
            logger.exception("notice %s could not be made", hook.__name__)

    return wrapper


def _tell(users, subject, body, **kwargs):
    delivery.send_soon(delivery.tell(users, subject, body, **kwargs))


def holders(*held):
    """Active users holding any of the roles through one of their groups; superusers count as administrators."""
    users = get_user_model().objects.filter(is_active=True)
    by_group = Q(
        pk__in=get_user_model()
        .objects.filter(
            groups__permissions__content_type__app_label="reviews",
            groups__permissions__codename__in=[r.value for r in held],
        )
        .values("pk")
    )
    return users.filter(by_group | Q(is_superuser=True) if Role.ADMIN in held else by_group)


def _departments_with_editors(departments):
    """The departments, each with its editors (members holding the department role) as .editors."""
    return departments.prefetch_related(
        Prefetch("members", queryset=holders(Role.DEPARTMENT).order_by("pk"), to_attr="editors")
    )


def _editors_of(department):
    if department is None:
        return []
    return list(holders(Role.DEPARTMENT).filter(departments=department))


def _name(user):
    return user.get_full_name() or user.get_username()


def _item(number, name):
    return {"text": ITEM, "args": {"number": number, "name": name}}


def _date(value):
    """A date as the city writes dates in its letters: 2026年12月20日."""
    return date_label(value) if value else ""


def _due(cycle):
    return _date(cycle.due_date)


def _worklist(cycle, department=None):
    url = reverse("reviews:worklist", args=[cycle.pk])
    return f"{url}?department={department.pk}" if department else url


def _department_links(cycle, department):
    return [
        {"label": gettext_noop("担当の個別計画の一覧"), "url": _worklist(cycle, department)},
        {
            "label": gettext_noop("調査票（xlsx）"),
            "url": reverse("reviews:workbook_download", args=[cycle.pk, department.pk]),
        },
    ]


@_notice
def survey_opened(cycle, by):
    """The survey opened: each department's editors, with a link to their items and their workbook."""
    departments = _departments_with_editors(
        Department.objects.filter(initiatives__plan=cycle.plan_id)
        .distinct()
        .order_by("name")
        .prefetch_related(
            Prefetch(
                "initiatives",
                queryset=Initiative.objects.filter(plan=cycle.plan_id).order_by("number"),
                to_attr="owned",
            )
        )
    )
    body = (
        gettext_noop(
            "%(cycle)sが始まりました。%(department)sの担当の個別計画（%(count)s件）の実施状況を入力し、"
            "提出期限の%(due)sまでに提出してください。"
        )
        if cycle.due_date
        else gettext_noop(
            "%(cycle)sが始まりました。%(department)sの担当の個別計画（%(count)s件）の実施状況を入力し、"
            "提出してください。"
        )
    )
    for department in departments:
        _tell(
            department.editors,
            gettext_noop("%(cycle)sが始まりました"),
            body,
            by=by,
            args={
                "cycle": cycle.title,
                "department": department.name,
                "count": len(department.owned),
                "due": _due(cycle),
            },
            lines=[_item(i.number, i.name) for i in department.owned],
            links=_department_links(cycle, department),
        )


# step -> (who is told, subject, body, where it leads: "worklist", "report" or "published")
STEP_NOTICES = {
    "open": (
        (Role.STAFF, Role.ADMIN),
        gettext_noop("%(cycle)sを開始しました"),
        gettext_noop("%(by)sさんが%(cycle)sを開始しました。各担当課に入力を依頼しました。"),
        "worklist",
    ),
    "compile": (
        (Role.COMMITTEE, Role.ADMIN, Role.STAFF),
        gettext_noop("%(cycle)sを取りまとめました"),
        gettext_noop("%(by)sさんが%(cycle)sを取りまとめました。入力は締め切られ、進捗状況報告を読めます。"),
        "report",
    ),
    "committee": (
        (Role.ADMIN, Role.STAFF),
        gettext_noop("%(cycle)s: 情報システム委員会の審議を記録しました"),
        gettext_noop("%(by)sさんが%(cycle)sの情報システム委員会の審議（%(date)s）を記録しました。"),
        "report",
    ),
    "headquarters": (
        (Role.ADMIN, Role.STAFF),
        gettext_noop("%(cycle)s: 本部会議の審議を記録しました"),
        gettext_noop("%(by)sさんが%(cycle)sの本部会議の審議（%(date)s）を記録しました。公開できます。"),
        "report",
    ),
    "reopen": (
        (Role.STAFF, Role.ADMIN),
        gettext_noop("%(cycle)sを再開しました"),
        gettext_noop("%(by)sさんが%(cycle)sを再開しました。もう一度入力できます。理由は次のとおりです。"),
        "worklist",
    ),
    "publish": (
        (Role.ADMIN, Role.STAFF, Role.COMMITTEE),
        gettext_noop("%(cycle)sを公開しました"),
        gettext_noop("%(by)sさんが%(cycle)sの進捗状況報告を公開しました。"),
        "published",
    ),
}

LEADS = {
    "worklist": gettext_noop("入力状況の一覧"),
    "report": gettext_noop("進捗状況報告"),
    "published": gettext_noop("公開した報告"),
}


@_notice
def step_taken(cycle, step, by):
    """A survey step was taken (compile, deliberations, reopen, publish): the roles concerned."""
    told, subject, body, lead = STEP_NOTICES[step]
    cycle = ReviewCycle.objects.select_related("plan").get(pk=cycle.pk)
    if lead == "published":
        url = reverse("published:report", args=[cycle.plan.ordinal, cycle.fiscal_year])
    else:
        url = reverse(f"reviews:{lead}", args=[cycle.pk])
    date = {"committee": cycle.committee_date, "headquarters": cycle.headquarters_date}.get(step)
    comment = {"committee": cycle.committee_comment, "headquarters": cycle.headquarters_comment}.get(step, "")
    users = list(holders(*told))
    if step == "reopen":
        # The departments fill in again: their editors are told, with the reason the step recorded.
        last = cycle.events.order_by("-at", "-id").first()
        comment = last.reason if last else ""
        users += holders(Role.DEPARTMENT).filter(departments__initiatives__plan=cycle.plan_id).distinct()
    _tell(
        users,
        subject,
        body,
        by=by,
        args={"cycle": cycle.title, "by": _name(by), "date": _date(date)},
        comment=comment,
        links=[{"label": LEADS[lead], "url": url}],
    )


def _entry_args(entry, by):
    initiative = entry.initiative
    return {
        "cycle": entry.cycle.title,
        "number": initiative.number,
        "name": initiative.name,
        "department": initiative.department.name if initiative.department else "",
        "by": _name(by),
    }


def _entry_links(entry):
    return [
        {
            "label": gettext_noop("実施状況の入力画面"),
            "url": reverse("reviews:entry", args=[entry.cycle_id, entry.initiative.number]),
        }
    ]


@_notice
def entry_submitted(entry, by):
    """A department submitted an entry: 情報管理課."""
    _tell(
        holders(Role.STAFF),
        gettext_noop("提出: 項番 %(number)s %(name)s"),
        gettext_noop(
            "%(by)sさんが%(cycle)sの項番 %(number)s「%(name)s」（%(department)s）を提出しました。"
            "内容を確認してください。"
        ),
        by=by,
        args=_entry_args(entry, by),
        links=_entry_links(entry),
    )


@_notice
def entry_confirmed(entry, by):
    """情報管理課 accepted an entry: its department."""
    _tell(
        _editors_of(entry.initiative.department),
        gettext_noop("確認済: 項番 %(number)s %(name)s"),
        gettext_noop("%(by)sさんが%(cycle)sの項番 %(number)s「%(name)s」を確認しました。"),
        by=by,
        args=_entry_args(entry, by),
        links=_entry_links(entry),
    )


@_notice
def entry_returned(entry, by, comment):
    """情報管理課 returned an entry with a comment: its department."""
    _tell(
        _editors_of(entry.initiative.department),
        gettext_noop("差戻し: 項番 %(number)s %(name)s"),
        gettext_noop(
            "%(by)sさんが%(cycle)sの項番 %(number)s「%(name)s」を差し戻しました。"
            "次のコメントを読んで直し、もう一度提出してください。"
        ),
        by=by,
        args=_entry_args(entry, by),
        comment=comment,
        links=_entry_links(entry),
    )


@_notice
def entry_commented(entry, by, comment):
    """A comment on an entry: the other side (情報管理課 or the department)."""
    # 情報管理課 (or an administrator) writes to the department; the department writes to 情報管理課.
    users = _editors_of(entry.initiative.department) if roles.can_record_all(by) else holders(Role.STAFF)
    _tell(
        users,
        gettext_noop("コメント: 項番 %(number)s %(name)s"),
        gettext_noop("%(by)sさんが%(cycle)sの項番 %(number)s「%(name)s」にコメントしました。"),
        by=by,
        args=_entry_args(entry, by),
        comment=comment,
        links=_entry_links(entry),
    )


@_notice
def workbook_uploaded(cycle, department, by, numbers):
    """A department's survey workbook was taken in (the 項番 written): 情報管理課."""
    if not numbers:
        return
    written = Initiative.objects.filter(plan=cycle.plan_id, number__in=numbers).order_by("number")
    _tell(
        holders(Role.STAFF),
        gettext_noop("%(department)sの調査票を取り込みました"),
        gettext_noop(
            "%(by)sさんが%(cycle)sの%(department)sの調査票（xlsx）を取り込み、次の%(count)s件を保存しました。"
        ),
        by=by,
        args={"cycle": cycle.title, "department": department.name, "by": _name(by), "count": len(numbers)},
        lines=[_item(i.number, i.name) for i in written],
        links=[{"label": LEADS["worklist"], "url": _worklist(cycle, department)}],
    )


# --- Reminders (manage.py send_reminders) -----------------------------------------------------------------

REMINDERS = {
    "before": (
        gettext_noop("提出期限は%(due)sです（%(cycle)s）"),
        gettext_noop(
            "%(cycle)sの提出期限は%(due)sです。%(department)sの次の%(count)s件がまだ提出されていません。"
            "入力して提出してください。"
        ),
    ),
    "due": (
        gettext_noop("今日が提出期限です（%(cycle)s）"),
        gettext_noop(
            "%(cycle)sの提出期限は今日（%(due)s）です。%(department)sの次の%(count)s件がまだ提出されていません。"
            "入力して提出してください。"
        ),
    ),
}


def send_reminders(today):
    """The reminders due on `today`, for every survey taking entries (調査中) with a due date: from
    REMINDER_DAYS_BEFORE days before it (once) and on it (once), to the editors of each department with
    items not handed in. However often it runs, each reminder is made once for each person: its key says
    which survey, department, due date and reminder it is. Returns the notifications made (their e-mails
    not yet sent)."""
    made = []
    cycles = ReviewCycle.objects.filter(
        state=CycleState.SURVEYING,
        due_date__gte=today,
        due_date__lte=today + timedelta(days=settings.REMINDER_DAYS_BEFORE),
    ).select_related("plan")
    with translation.override("ja"):
        for cycle in cycles:
            made += _remind(cycle, "due" if cycle.due_date == today else "before")
    return made


def _remind(cycle, which):
    waiting = (
        StatusEntry.objects.filter(
            cycle=cycle, state__in=EntryState.open_states(), initiative__department__isnull=False
        )
        .select_related("initiative")
        .order_by("initiative__number")
    )
    by_department = {}
    for entry in waiting:
        by_department.setdefault(entry.initiative.department_id, []).append(entry.initiative)
    subject, body = REMINDERS[which]
    made = []
    for department in _departments_with_editors(
        Department.objects.filter(pk__in=by_department).order_by("name")
    ):
        items = by_department[department.pk]
        made += delivery.tell(
            department.editors,
            subject,
            body,
            args={
                "cycle": cycle.title,
                "department": department.name,
                "count": len(items),
                "due": _due(cycle),
            },
            lines=[_item(i.number, i.name) for i in items],
            links=_department_links(cycle, department),
            key=f"reminder:{cycle.pk}:{department.pk}:{cycle.due_date:%Y-%m-%d}:{which}",
        )
    return made

"""An entry between its department and 情報管理課: 未入力 → 入力中 → 提出済 → 確認済, or 差戻し back to the department.

Each step is taken on the version its taker saw (a step on an entry saved since is refused, as a stale save
is), is recorded as an EntryEvent with who, when and any comment, and is told to the other side after commit.
Who may take which step is reviews.roles'; what a step needs of the entry is here.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reviews import notices, roles
from reviews.entries import EntryLocked
from reviews.forms import EntryStepForm
from reviews.models import CycleState, EntryEvent, EntryState, ReviewCycle, StatusEntry

Kind = EntryEvent.Kind

# step -> the states it starts from, and the state it leads to (None: a comment leaves the state as it is)
STEPS = {
    Kind.SUBMIT: ([EntryState.IN_PROGRESS, EntryState.RETURNED], EntryState.SUBMITTED),
    # 情報管理課 may accept an entry it recorded itself without a submission.
    Kind.CONFIRM: ([EntryState.SUBMITTED, EntryState.IN_PROGRESS], EntryState.CONFIRMED),
    Kind.RETURN: ([EntryState.SUBMITTED, EntryState.CONFIRMED], EntryState.RETURNED),
    Kind.COMMENT: (list(EntryState), None),
}

TOLD = {
    Kind.SUBMIT: notices.entry_submitted,
    Kind.CONFIRM: notices.entry_confirmed,
}


class StepRefused(Exception):
    """The step cannot be taken on the entry as it is now; the message says why, for the clerk."""


def available(entry, kind):
    sources, _to = STEPS[kind]
    if entry.state not in sources:
        return False
    return kind == Kind.COMMENT or entry.is_complete or kind == Kind.RETURN


def take(entry, kind, user, based_on_version, comment=""):
    """Take the step on the entry if it is still at based_on_version; the EntryEvent recorded."""
    kind = Kind(kind)
    comment = comment.strip()
    if kind in (Kind.RETURN, Kind.COMMENT) and not comment:
        raise StepRefused(
            _("差し戻す理由を入力してください。")
            if kind == Kind.RETURN
            else _("コメントを入力してください。")
        )
    with transaction.atomic():
        # As a save does: hold the cycle's state, so that compiling waits for this step and a step arriving
        # after it is refused.
        if not CycleState(ReviewCycle.objects.hold_state(entry.cycle_id)).entries_editable:
            raise EntryLocked(ReviewCycle.objects.get(pk=entry.cycle_id))
        current = StatusEntry.objects.select_for_update().get(pk=entry.pk)
        if current.version != based_on_version:
            raise StepRefused(
                _(
                    "画面を表示した後に、この入力はほかの人によって保存されました。内容を確かめてからやり直してください。"
                )
            )
        sources, to_state = STEPS[kind]
        if current.state not in sources:
            raise StepRefused(
                _("「%(state)s」の入力にはこの操作はできません。") % {"state": current.get_state_display()}
            )
        if kind in (Kind.SUBMIT, Kind.CONFIRM) and not current.is_complete:
            raise StepRefused(
                _("次の項目が未入力のため、提出・確認できません: %(fields)s")
                % {"fields": "、".join(str(f) for f in current.missing_fields())}
            )
        from_state = current.state
        if to_state:
            # Only the state: the entry's version (its content) is what the step was taken on.
            StatusEntry.objects.filter(pk=current.pk).update(state=to_state)
            current.state = to_state
        event = EntryEvent.objects.create(
            entry=current,
            kind=kind,
            from_state=from_state,
            to_state=to_state or from_state,
            version=current.version,
            comment=comment,
            user=user,
        )
        entry_for_notice = StatusEntry.objects.select_related(
            "initiative", "initiative__department", "cycle", "cycle__plan"
        ).get(pk=current.pk)
        if kind == Kind.RETURN:
            transaction.on_commit(lambda: notices.entry_returned(entry_for_notice, user, comment))
        elif kind == Kind.COMMENT:
            transaction.on_commit(lambda: notices.entry_commented(entry_for_notice, user, comment))
        else:
            transaction.on_commit(lambda: TOLD[kind](entry_for_notice, user))
    return event


BUTTONS = {
    Kind.SUBMIT: gettext_lazy("提出する"),
    Kind.CONFIRM: gettext_lazy("確認済にする"),
    Kind.RETURN: gettext_lazy("差し戻す"),
    Kind.COMMENT: gettext_lazy("コメントする"),
}


def step_forms(user, entry):
    """The steps the user may take on the entry now, each with its form; none once the survey is compiled."""
    if not entry.cycle.entries_editable:
        return []
    return [
        {
            "kind": kind,
            "label": BUTTONS[kind],
            "form": EntryStepForm(
                initial={"step": kind.value, "based_on_version": entry.version},
                auto_id=f"step-{kind.value}-%s",
            ),
            "needs_comment": kind in (Kind.RETURN, Kind.COMMENT),
        }
        for kind in Kind
        if roles.can_take_entry_step(user, entry, kind) and available(entry, kind)
    ]

"""Opening a review cycle and moving it through the city's steps, each recorded with who, when and why."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from audit.models import AuditKind
from audit.trail import record
from caching import pages
from initiatives.models import Initiative
from reviews import evaluations, notices, publication, report_files
from reviews.models import CycleEvent, ReviewCycle, StatusEntry, TransitionError


def start_cycle(plan, fiscal_year, user):
    """達成状況調査 for one fiscal year: every initiative of the plan gets an empty entry."""
    if fiscal_year not in plan.fiscal_years:
        raise TransitionError(
            _("%(year)d年度は%(plan)sの計画期間にありません。") % {"year": fiscal_year, "plan": plan.title}
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                cycle = ReviewCycle.objects.create(plan=plan, fiscal_year=fiscal_year)
        except IntegrityError:
            # Two administrators created the same year's survey at once; the unique constraint kept one.
            raise TransitionError(_("この計画のこの年度の調査はすでにあります。")) from None
        entries = [StatusEntry(cycle=cycle, initiative=i) for i in Initiative.objects.for_plan(plan)]
        bulk_create_with_history(
            entries, StatusEntry, default_user=user, default_change_reason=_("調査の作成")
        )
        pages.changed(pages.SURVEY)  # bulk writes send no signal
        CycleEvent.objects.create(cycle=cycle, to_state=cycle.state, user=user)
        record(AuditKind.CYCLE_STEP, user=user, obj=cycle, detail=f"作成 → {cycle.state}")
    return cycle


def take_step(cycle, step, user, *, reason="", date=None, comment="", prepared=None):
    """Move the cycle one step. Deliberation steps record their date and comment; reopening needs a reason.
    Publishing freezes the report and its files: prepared beforehand (publication.prepare), or made here."""
    to_state = cycle.next_state(step)
    if step == "reopen" and not reason.strip():
        raise TransitionError(_("再開する理由を入力してください。"))
    if step in ("committee", "headquarters") and date is None:
        raise TransitionError(_("審議日を入力してください。"))
    with transaction.atomic():
        locked = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.state != cycle.state:
            raise TransitionError(_("ほかの人がこの調査の状態を変更しました。画面を開き直してください。"))
        if step == "committee":
            locked.committee_date, locked.committee_comment = date, comment
        elif step == "headquarters":
            locked.headquarters_date, locked.headquarters_comment = date, comment
        from_state, locked.state = locked.state, to_state
        locked.save()
        if step == "publish":
            # The published result becomes the year's evaluation (in the plan's last year, its final one).
            # Not earlier: the plan pages and open data are public, and nothing unpublished may show there.
            try:
                published = publication.freeze(locked, user, prepared)
            except report_files.PdfTooLarge:
                raise TransitionError(
                    _("報告のPDFを作成できなかった（大きすぎるか時間がかかりすぎた）ため、公開していません。")
                ) from None
            evaluations.record_evaluations(locked, user)
            record(AuditKind.PUBLICATION, user=user, obj=published, detail=str(locked))
        CycleEvent.objects.create(
            cycle=locked, from_state=from_state, to_state=to_state, user=user, reason=reason
        )
        detail = _step_detail(step, from_state, to_state, reason, date)
        record(AuditKind.CYCLE_STEP, user=user, obj=locked, detail=detail)
        if step == "open":
            transaction.on_commit(lambda: notices.survey_opened(locked, user))
        transaction.on_commit(lambda: notices.step_taken(locked, step, user))
    return locked


def _step_detail(step, from_state, to_state, reason, date):
    """For the audit trail, in the states' own words: 「取りまとめ済 → 調査中（理由: …）」."""
    text = f"{from_state} → {to_state}"
    if step in ("committee", "headquarters"):
        text += f"（審議日 {date:%Y-%m-%d}）"
    return text + (f"（理由: {reason}）" if reason else "")

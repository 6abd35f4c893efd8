"""A published year's results become the initiatives' evaluations of that fiscal year.

Every published survey is kept as the initiatives' Evaluation rows of its fiscal year, the structure that
holds the fourth plan's FY2021 results as the document prints them; in a plan's last year they are its final
evaluation (reviews.reports.final_table).
"""

from django.db.models import Q
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from caching import pages
from initiatives.models import Evaluation
from reviews.models import StatusEntry

# An entry without 達成状況 or 今後の方向性 cannot become an evaluation.
INCOMPLETE = Q(achievement="") | Q(direction="")


def unrecorded_numbers(cycle):
    """項番 of the cycle's entries that are left out of the year's evaluations."""
    entries = StatusEntry.objects.filter(cycle=cycle).filter(INCOMPLETE)
    return list(entries.order_by("initiative__number").values_list("initiative__number", flat=True))


EVALUATED_FIELDS = [
    "actions",
    "achievement",
    "direction",
    "stage_reached",
    "progress",
    "issues",
    "kpi_actuals",
]


def record_evaluations(cycle, user=None):
    """The result is published: each complete entry becomes its initiative's evaluation of the year.

    Recording again overwrites them. An incomplete entry is left out, and an earlier
    evaluation of its initiative stays as it was: nothing deliberated is deleted here.
    Each evaluation written or changed leaves a line in its history, by `user`.
    """
    entries = StatusEntry.objects.filter(cycle=cycle).exclude(INCOMPLETE)
    stored = {
        e.initiative_id: e
        for e in Evaluation.objects.filter(initiative__plan=cycle.plan, fiscal_year=cycle.fiscal_year)
    }
    new, changed = [], []
    for entry in entries:
        evaluation = stored.get(entry.initiative_id) or Evaluation(
            initiative_id=entry.initiative_id, fiscal_year=cycle.fiscal_year
        )
        values = {name: getattr(entry, name) for name in EVALUATED_FIELDS}
        if evaluation.pk is None:
            new.append(evaluation)
        elif any(getattr(evaluation, name) != value for name, value in values.items()):
            changed.append(evaluation)
        for name, value in values.items():
            setattr(evaluation, name, value)
    reason = _("%(cycle)sの公開") % {"cycle": cycle.title}
    # The publish step holds the cycle's row lock, so no other writer races these rows.
    bulk_create_with_history(new, Evaluation, default_user=user, default_change_reason=reason)
    bulk_update_with_history(
        changed, Evaluation, EVALUATED_FIELDS, default_user=user, default_change_reason=reason
    )
    pages.changed()  # bulk writes send no signal
    return len(new) + len(changed)

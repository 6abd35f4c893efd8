"""Last year at hand: the same initiative's entry in the survey before this one.

That is the plan's previous survey; in a plan's first year, the survey of the plan it continues from, for the
initiative it carries over (Initiative.carried_from).
"""

from reviews.models import StatusEntry

# What "start from last year" copies into the form: the words and texts, not the KPI actuals (a year's own
# measurement) nor a reason given for last year's rating.
CARRIED_FIELDS = ["stage_reached", "progress", "achievement", "actions", "issues", "direction"]


def previous_entry(entry):
    """The latest entry of the initiative (or of what it carries on) in an earlier fiscal year, or None."""
    initiative = entry.initiative
    earlier = (
        StatusEntry.objects.filter(cycle__fiscal_year__lt=entry.cycle.fiscal_year)
        .select_related("cycle", "cycle__plan", "initiative")
        .order_by("-cycle__fiscal_year", "-cycle__plan__ordinal")
    )
    found = earlier.filter(initiative=initiative).first()
    if found is None:
        found = earlier.filter(initiative__in=initiative.carried_from.all()).first()
    return found


def previous_entries(cycle, entries):
    """{initiative_id: the entry of the cycle's previous survey} for a survey workbook: one query."""
    previous = (
        type(cycle)
        .objects.filter(plan=cycle.plan, fiscal_year__lt=cycle.fiscal_year)
        .order_by("-fiscal_year")
        .first()
    )
    if previous is None:
        return {}
    ids = [e.initiative_id for e in entries]
    return {e.initiative_id: e for e in StatusEntry.objects.filter(cycle=previous, initiative_id__in=ids)}

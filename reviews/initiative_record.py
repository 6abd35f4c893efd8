"""One initiative across the years: its plan text, its roadmap against every year's entry with its history,
and the plans before and after it, with the plan's glossary terms explained in place."""

from collections import defaultdict

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _

from initiatives.models import Evaluation, Initiative, RoadmapCell
from plan.glossary import TermMarker, glossary_for
from plan.models import Goal, is_empty
from reviews import roles, scales
from reviews.dashboard import initiative_url, year_cell
from reviews.entries import entry_history
from reviews.models import StatusEntry


def initiative_queryset():
    """One initiative with everything its page shows: goals, roadmap, evaluations, and the initiatives of
    earlier plans it continues (with their evaluations) and of later plans that continue it."""
    earlier = (
        Initiative.objects.select_related("plan")
        .prefetch_related(Prefetch("evaluations", queryset=Evaluation.objects.order_by("-fiscal_year")))
        .order_by("plan__ordinal", "number")
    )
    return Initiative.objects.select_related("plan", "department").prefetch_related(
        "plan__references",
        Prefetch("goals", queryset=Goal.objects.order_by("order")),
        Prefetch("roadmap", queryset=RoadmapCell.objects.order_by("fiscal_year")),
        Prefetch("evaluations", queryset=Evaluation.objects.order_by("-fiscal_year")),
        "indicators__targets",
        Prefetch("carried_from", queryset=earlier),
        Prefetch(
            "carried_into",
            queryset=Initiative.objects.select_related("plan").order_by("plan__ordinal", "number"),
        ),
    )


def column_facts(plan, initiative):
    """The plan's own columns as facts of the initiative: a mark says yes or no, other kinds show when filled."""
    facts = []
    for column in plan.columns.all():
        value = column.value_of(initiative)
        if column.is_mark:
            facts.append({"header": column.header, "text": _("該当") if value else _("該当しない")})
        elif not is_empty(value):
            facts.append({"header": column.header, "text": column.display(value)})
    return facts


def initiative_data(initiative, user):
    plan = initiative.plan
    entries = list(
        StatusEntry.objects.filter(initiative=initiative)
        .select_related("cycle", "updated_by")
        .order_by("-cycle__fiscal_year")
    )
    # Every entry's history in one query, handed to entry_history entry by entry.
    records = defaultdict(list)
    for record in (
        StatusEntry.history.filter(id__in=[e.pk for e in entries])
        .select_related("history_user")
        .order_by("history_date", "history_id")
    ):
        records[record.id].append(record)
    roadmap = {cell.fiscal_year: cell for cell in initiative.roadmap.all()}
    by_year = {e.cycle.fiscal_year: e for e in entries}
    terms = TermMarker(glossary_for(plan))
    earlier = list(initiative.carried_from.all())
    evaluations = list(initiative.evaluations.all())

    indicators = list(initiative.indicators.all())
    years = []
    for entry in entries:
        entry.initiative = initiative  # the same object: no query per entry for the checks below
        years.append(
            {
                **year_cell(
                    entry.cycle.fiscal_year,
                    roadmap.get(entry.cycle.fiscal_year),
                    entry.cycle,
                    entry,
                    initiative,
                    plan,
                ),
                "actions": terms.mark(entry.actions),
                "indicators": scales.indicator_rows(indicators, entry.cycle.fiscal_year, entry.kpi_actuals),
                "history": entry_history(entry, records[entry.pk]),
                "can_edit": roles.can_edit_entry(user, entry),
                "entry_url": reverse("reviews:entry", args=[entry.cycle.pk, initiative.number]),
                "dashboard_url": reverse("reviews:dashboard", args=[entry.cycle.pk])
                if roles.can_read_all(user)
                else "",
            }
        )
    texts = [
        initiative.name,
        initiative.description,
        *(e.actions for e in entries),
        *(e.actions for e in evaluations),
        *(e.actions for p in earlier for e in p.evaluations.all()[:1]),
    ]
    return {
        "initiative": initiative,
        "plan": plan,
        "description": terms.mark(initiative.description),
        "column_facts": column_facts(plan, initiative),
        "roadmap": [
            year_cell(
                year,
                roadmap.get(year),
                by_year[year].cycle if year in by_year else None,
                by_year.get(year),
                initiative,
                plan,
            )
            for year in plan.fiscal_years
        ],
        "has_roadmap": bool(roadmap),
        "years": years,
        "evaluations": [{"evaluation": e, "actions": terms.mark(e.actions)} for e in evaluations],
        "carried_from": [
            {
                "initiative": p,
                "url": initiative_url(p) if roles.can_read_initiative(user, p) else "",
                "evaluation": latest,
                "actions": terms.mark(latest.actions) if latest else "",
            }
            for p, latest in ((p, next(iter(p.evaluations.all()), None)) for p in earlier)
        ],
        "carried_into": [
            {"initiative": n, "url": initiative_url(n) if roles.can_read_initiative(user, n) else ""}
            for n in initiative.carried_into.all()
        ],
        "terms": terms.found_in(texts),
        "glossary_plan": next((t.plan for t in terms.terms), None),
    }

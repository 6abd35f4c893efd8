"""The committee's dashboard of a review cycle: what its screen shows, in a fixed number of queries.

The dashboard answers what the 情報システム委員会 asks of a survey: which initiatives are late against the
roadmap and why, how many reached each achievement and progress word, how the plan's goals, flags and
departments compare, and how the plan's years so far compare.

The counting is reports.summarize's, so the dashboard and the report always agree; this module arranges its
results for the screen and links every number to the worklist rows behind it. The charts are reviews.charts'.
"""

from collections import defaultdict
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from initiatives.models import Initiative, RoadmapCell
from plan.eras import fiscal_year_label
from plan.models import Goal, Meaning
from plan.paging import page_of
from reviews import scales
from reviews.charts import scale_styles, stacked_bars
from reviews.filters import BLANK
from reviews.models import ReviewCycle, StatusEntry
from reviews.reports import column_values, flag_groups, summarize

# How the stage reached compares with the roadmap, as the committee says it: short words, never a colour alone.
# The progress word's meaning (plan.RatingWord.meaning) says which.
DIFFERENCE = {
    Meaning.AHEAD: (gettext_lazy("前倒し"), "ahead"),
    Meaning.ON_PLAN: (gettext_lazy("計画どおり"), "on-plan"),
    Meaning.BEHIND: (gettext_lazy("遅れ"), "behind"),
    Meaning.NOT_ASSESSABLE: (gettext_lazy("評価できない"), "unassessable"),
}

# --- Shared pieces ----------------------------------------------------------------------------------------


def worklist_url(cycle, **filters):
    """The worklist of a cycle narrowed by the filters of reviews.filters.WorklistFilter."""
    url = reverse("reviews:worklist", args=[cycle.pk])
    return f"{url}?{urlencode(filters)}" if filters else url


def initiative_url(initiative, fiscal_year=None):
    url = reverse("reviews:initiative", args=[initiative.plan.ordinal, initiative.number])
    return f"{url}#year-{fiscal_year}" if fiscal_year else url


def _row(plan, initiative, entry, planned_stage, groups):
    """One entry in the shape reports.summarize counts."""
    return {
        "number": initiative.number,
        "name": initiative.name,
        "goals": [g.code for g in initiative.goals.all()],
        "values": column_values(initiative, groups),
        "department_id": initiative.department_id,
        "planned_stage": planned_stage,
        "stage_reached": entry.stage_reached,
        "progress": entry.progress,
        "achievement": entry.achievement,
        "direction": entry.direction,
        "state": entry.state,
        "contradiction": scales.contradiction(plan, planned_stage, entry.stage_reached, entry.progress),
        "progress_reason": entry.progress_reason,
    }


def _with_blank(counts):
    """summarize lists 未入力 only when some are blank; the dashboard always shows it, as 0 if need be."""
    if any(c["word"] == "" for c in counts):
        return counts
    return [*counts, {"word": "", "count": 0, "share": 0.0}]


def _linked(counts, name, cycle, **filters):
    """Each count with its word as people read it and the worklist link to the entries behind it."""
    return [
        {
            **c,
            # A word the catalogue knows is shown in the reader's language (plan/words.py).
            "label": _(c["word"]) if c["word"] else _("未入力"),
            "url": worklist_url(cycle, **filters, **{name: c["word"] or BLANK}),
        }
        for c in counts
    ]


def year_cell(year, planned, cycle, entry, initiative, plan):
    """One fiscal year of an initiative: the roadmap's stage against the stage reached in that year's cycle."""
    meaning = scales.meaning_of(plan, entry.progress) if entry else ""
    difference, difference_class = DIFFERENCE.get(meaning, ("", ""))
    # 自己評価と年次計画の差: the cell also says, in the matrix's short words, what the roadmap gives.
    stage = planned.stage if planned else ""
    roadmap = ""
    if entry and scales.contradiction(plan, stage, entry.stage_reached, entry.progress):
        roadmap = DIFFERENCE[scales.compare(plan, stage, entry.stage_reached)][0]
    return {
        "year": year,
        "planned": planned,
        "cycle": cycle,
        "entry": entry,
        "reached": _(entry.stage_reached) if entry and entry.stage_reached else "",
        "difference": difference,
        "difference_class": difference_class,
        "roadmap_difference": roadmap,
        "url": initiative_url(initiative, year) if entry else "",
    }


# --- The dashboard --------------------------------------------------------------------------------------------


def dashboard_data(cycle, page_number=1):
    """Everything the dashboard shows, for the cycle and every other cycle of its plan, in a fixed number of
    queries: the initiatives (with goals and roadmap), the plan's goals, its cycles, and all their entries.

    The counts are of every initiative; the matrix shows one page of them (DASHBOARD_PER_PAGE), and the late
    list its first DASHBOARD_PER_PAGE with a link to the worklist of all of them."""
    plan = cycle.plan
    initiatives = list(
        Initiative.objects.for_plan(plan)
        .select_related("department", "plan")
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.order_by("order")),
            Prefetch("roadmap", queryset=RoadmapCell.objects.order_by("fiscal_year")),
        )
    )
    goals = list(plan.goals.order_by("order"))
    groups = flag_groups(plan)
    cycles = list(ReviewCycle.objects.filter(plan=plan).order_by("fiscal_year"))
    # Only what is counted and shown: an entry's long texts but its issues (the late list) and the reason for
    # a 自己評価と年次計画の差 (the list beside it) stay unread.
    shown = [
        "cycle",
        "initiative",
        "state",
        "stage_reached",
        "progress",
        "achievement",
        "direction",
        "issues",
        "progress_reason",
    ]
    entries = {
        (e.cycle_id, e.initiative_id): e for e in StatusEntry.objects.filter(cycle__plan=plan).only(*shown)
    }
    cycles_by_year = {c.fiscal_year: c for c in cycles}
    roadmaps = {i.pk: {cell.fiscal_year: cell for cell in i.roadmap.all()} for i in initiatives}

    def rows_of(a_cycle):
        rows = []
        for initiative in initiatives:
            entry = entries.get((a_cycle.pk, initiative.pk))
            if entry is not None:
                planned = roadmaps[initiative.pk].get(a_cycle.fiscal_year)
                rows.append(_row(plan, initiative, entry, planned.stage if planned else "", groups))
        return rows

    rows = rows_of(cycle)
    summary = summarize(rows, cycle.plan, goals, groups)
    total = summary["total"]
    names = plan.rating_names
    progress_title = names["progress"]
    if scales.behind_word(plan):  # its words compare with the roadmap
        progress_title = _("%(name)s（年次計画との比較）") % {"name": progress_title}
    headline = [
        {"id": axis, "title": title, "label": label, "counts": _linked(counts, axis, cycle)}
        for axis, title, label, counts in [
            ("achievement", names["achievement"], names["achievement"], _with_blank(summary["achievement"])),
            ("progress", progress_title, names["progress"], _with_blank(summary["progress"])),
            ("state", _("入力状況"), _("入力状況"), summary["state"]),
        ]
    ]
    styles = scale_styles(plan)
    for block in headline:
        block["chart"] = stacked_bars(
            f"chart-{block['id']}",
            _("%(axis)s（全%(total)d件）") % {"axis": block["title"], "total": total},
            [{"label": block["label"], "total": total, "counts": block["counts"]}],
            styles,
        )

    by_number = {i.number: i for i in initiatives}
    late = []
    for item in summary["late"][: settings.DASHBOARD_PER_PAGE]:
        initiative = by_number[item["number"]]
        entry = entries[(cycle.pk, initiative.pk)]
        late.append(
            {
                "initiative": initiative,
                "planned": roadmaps[initiative.pk].get(cycle.fiscal_year),
                "entry": entry,
                "url": initiative_url(initiative),
                "entry_url": reverse("reviews:entry", args=[cycle.pk, initiative.number]),
            }
        )

    contradicted = [
        {
            **item,
            "initiative": by_number[item["number"]],
            "url": initiative_url(by_number[item["number"]]),
            "entry_url": reverse("reviews:entry", args=[cycle.pk, item["number"]]),
        }
        for item in summary["contradicted"][: settings.DASHBOARD_PER_PAGE]
    ]

    page = page_of(initiatives, settings.DASHBOARD_PER_PAGE, page_number)
    matrix = [
        {
            "initiative": initiative,
            "url": initiative_url(initiative),
            "cells": [
                year_cell(
                    year,
                    roadmaps[initiative.pk].get(year),
                    cycles_by_year.get(year),
                    entries.get((cycles_by_year[year].pk, initiative.pk)) if year in cycles_by_year else None,
                    initiative,
                    plan,
                )
                for year in plan.fiscal_years
            ],
        }
        for initiative in page.object_list
    ]

    breakdowns = _breakdowns(cycle, summary, goals, rows, initiatives)
    trend = _trend(plan, cycles, rows_of)
    return {
        "total": total,
        "headline": headline,
        "behind": scales.behind_word(plan),
        "late": late,
        "late_count": len(summary["late"]),
        "late_url": worklist_url(cycle, progress=scales.behind_word(plan)) if summary["late"] else "",
        "contradicted": contradicted,
        "contradicted_count": len(summary["contradicted"]),
        "contradicted_url": worklist_url(cycle, attention="contradiction"),
        "page_obj": page,
        "years": [{"year": y, "cycle": cycles_by_year.get(y)} for y in plan.fiscal_years],
        "matrix": matrix,
        "breakdowns": breakdowns,
        "breakdown_charts": _axis_charts(
            names, styles, "breakdown", _("目標・区分・担当課別"), [(b["label"], b) for b in breakdowns]
        ),
        "trend": trend,
        "trend_charts": _axis_charts(
            names,
            styles,
            "trend",
            _("年度ごとの推移"),
            [(fiscal_year_label(t["cycle"].fiscal_year), t) for t in trend],
        ),
        "cycles": cycles,
    }


def _axis_charts(names, styles, name, heading, groups):
    """A chart for 達成状況 and one for 進捗, each with a bar per group: [(label, {"count", axis: counts})]."""
    return [
        stacked_bars(
            f"chart-{name}-{axis}",
            _("%(axis)s（%(heading)s）") % {"axis": title, "heading": heading},
            [{"label": label, "total": group["count"], "counts": group[axis]} for label, group in groups],
            styles,
        )
        for axis, title in [("achievement", names["achievement"]), ("progress", names["progress"])]
    ]


def _breakdown(kind, label, title, cycle, part, filters):
    return {
        "kind": kind,
        "label": label,
        "title": title,
        "count": part["count"],
        "url": worklist_url(cycle, **filters),
        "achievement": _linked(_with_blank(part["achievement"]), "achievement", cycle, **filters),
        "progress": _linked(_with_blank(part["progress"]), "progress", cycle, **filters),
    }


def _breakdowns(cycle, summary, goals, rows, initiatives):
    """By goal and by flag as summarize counts them, and by department: summarize over each one's rows."""
    goal_pks = {g.code: g.pk for g in goals}
    result = [
        _breakdown(
            _("目標"),
            _("目標（%(numeral)s）") % {"numeral": g["numeral"]},
            g["title"],
            cycle,
            g,
            {"goal": goal_pks[g["code"]]},
        )
        for g in summary["by_goal"]
    ]
    result += [
        _breakdown(_("区分"), f["flag"], "", cycle, f, {f["key"]: f["word"] or "1"})
        for f in summary["by_flag"]
    ]
    departments = {i.department_id: i.department for i in initiatives}
    by_department = defaultdict(list)
    for row in rows:
        by_department[row["department_id"]].append(row)
    named = sorted((d for d in by_department if d is not None), key=lambda d: departments[d].name)
    for department_id in [*named, *([None] if None in by_department else [])]:
        counted = summarize(by_department[department_id], cycle.plan, [])
        part = {**counted, "count": counted["total"]}
        label = departments[department_id].name if department_id else _("担当課（未設定）")
        result.append(
            _breakdown(_("担当課"), label, "", cycle, part, {"department": department_id or "null"})
        )
    return result


def _trend(plan, cycles, rows_of):
    """Each cycle of the plan so far, oldest first, with its counts per achievement and progress word."""
    trend = []
    for a_cycle in cycles:
        counted = summarize(rows_of(a_cycle), plan, [])
        trend.append(
            {
                "cycle": a_cycle,
                "count": counted["total"],
                "url": reverse("reviews:dashboard", args=[a_cycle.pk]),
                "achievement": _linked(_with_blank(counted["achievement"]), "achievement", a_cycle),
                "progress": _linked(_with_blank(counted["progress"]), "progress", a_cycle),
            }
        )
    return trend

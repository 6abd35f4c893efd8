"""The committee's dashboard of a review cycle, and the page of one initiative across the years.

The dashboard answers what the 情報システム委員会 asks of a survey: which initiatives are late against the
roadmap and why, how many reached each achievement and progress word, how the plan's goals, flags and
departments compare, and how the plan's years so far compare. The initiative page follows one initiative
through its roadmap, every year's entry with its history, and the plans before and after it.

The counting is reports.summarize's, so the dashboard and the report always agree; this module arranges its
results for the screen, links every number to the worklist rows behind it, and draws the charts as inline
SVG on the server (the city network's CSP allows no scripts from anywhere else, and none are needed).
"""

import re
import unicodedata
from collections import defaultdict
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q, Subquery
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from initiatives.models import Evaluation, Initiative, RoadmapCell
from plan.eras import fiscal_year_label
from plan.models import GlossaryTerm, Goal, Plan
from reviews import roles
from reviews.filters import BLANK
from reviews.models import Progress, ReviewCycle, StatusEntry
from reviews.reports import summarize
from reviews.views import entry_history

# How the stage reached compares with the roadmap, as the committee says it: short words, never a colour alone.
DIFFERENCE = {
    Progress.AHEAD: (gettext_lazy("前倒し"), "ahead"),
    Progress.ON_PLAN: (gettext_lazy("計画どおり"), "on-plan"),
    Progress.BEHIND: (gettext_lazy("遅れ"), "behind"),
    Progress.NOT_ASSESSABLE: (gettext_lazy("評価できない"), "unassessable"),
}

# The worklist filter for each flag that reports.summarize breaks down by.
FLAG_FILTERS = {"官民データ活用": "public_private_data", "自治体DX": "municipal_dx"}


# --- Shared pieces ----------------------------------------------------------------------------------------


def worklist_url(cycle, **filters):
    """The worklist of a cycle narrowed by the filters of reviews.filters.WorklistFilter."""
    url = reverse("reviews:worklist", args=[cycle.pk])
    return f"{url}?{urlencode(filters)}" if filters else url


def initiative_url(initiative, fiscal_year=None):
    url = reverse("reviews:initiative", args=[initiative.plan.ordinal, initiative.number])
    return f"{url}#year-{fiscal_year}" if fiscal_year else url


def _row(initiative, entry, planned_stage):
    """One entry in the shape reports.summarize counts."""
    return {
        "number": initiative.number,
        "name": initiative.name,
        "goals": [g.code for g in initiative.goals.all()],
        "public_private_data": initiative.public_private_data,
        "municipal_dx": initiative.municipal_dx,
        "department_id": initiative.department_id,
        "planned_stage": planned_stage,
        "stage_reached": entry.stage_reached,
        "progress": entry.progress,
        "achievement": entry.achievement,
        "direction": entry.direction,
        "state": entry.state,
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
            "label": _(c["word"]) if c["word"] else _("未入力"),
            "url": worklist_url(cycle, **filters, **{name: c["word"] or BLANK}),
        }
        for c in counts
    ]


def _year_cell(year, planned, cycle, entry, initiative):
    """One fiscal year of an initiative: the roadmap's stage against the stage reached in that year's cycle."""
    difference, difference_class = DIFFERENCE.get(entry.progress, ("", "")) if entry else ("", "")
    return {
        "year": year,
        "planned": planned,
        "cycle": cycle,
        "entry": entry,
        "reached": entry.get_stage_reached_display() if entry and entry.stage_reached else "",
        "difference": difference,
        "difference_class": difference_class,
        "url": initiative_url(initiative, year) if entry else "",
    }


# --- Charts: horizontal stacked bars as inline SVG ------------------------------------------------------------

# In SVG units, which the stylesheet shows one to one on a wide screen: the text is as large as the page's.
CHART_WIDTH = 600
LABEL_WIDTH = 150
BAR_X = LABEL_WIDTH + 8
BAR_WIDTH = 378
TOTAL_X = BAR_X + BAR_WIDTH + 8
BAR_HEIGHT = 28
ROW_HEIGHT = 38
FONT_SIZE = 14
LEGEND_LINE = 22

# word -> (fill, pattern): a light fill that dark text reads on, and a pattern that tells the parts apart
# in print and for anyone who does not see the colours. Every part is also named in text.
SEGMENT_STYLES = {
    "達成": ("#a8d5aa", ""),
    "一部達成": ("#fbe08f", "diagonal"),
    "未達成": ("#f3b1aa", "cross"),
    "計画より進んでいる": ("#a9cbef", "vertical"),
    "計画どおり": ("#a8d5aa", ""),
    "計画より遅れている": ("#f3b1aa", "cross"),
    "評価できない": ("#d8cbee", "diagonal"),
    "入力済": ("#a8d5aa", ""),
    "入力中": ("#fbe08f", "diagonal"),
    "未入力": ("#e4e4e4", "dots"),
    "": ("#e4e4e4", "dots"),
}


def _text_width(text):
    """A cautious estimate of a label's width: CJK characters are square, the rest about half as wide."""
    return sum(FONT_SIZE if ord(ch) > 0x2000 else FONT_SIZE * 0.62 for ch in str(text))


def _fit(text, width):
    text = str(text)
    if _text_width(text) <= width:
        return text
    while text and _text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _n(value):
    """SVG coordinates are written by Python, so that no locale ever puts a comma in them."""
    return f"{value:.1f}"


def stacked_bars(chart_id, title, bars):
    """A chart of one or more 100% stacked bars.

    bars: [{"label": text, "total": n, "counts": [{"word", "label", "count", "share"}, …]}, …]
    Each bar shows its parts in order with their word and number where they fit, and its total after it;
    the <desc> and the table printed beside the chart carry every number.
    """
    words = []
    for bar in bars:
        for c in bar["counts"]:
            if (c["word"], str(c["label"])) not in words:
                words.append((c["word"], str(c["label"])))
    legend, x, line = [], BAR_X, 0
    for word, label in words:
        fill, pattern = SEGMENT_STYLES.get(word, ("#e4e4e4", ""))
        width = 18 + _text_width(label)
        if x + width > CHART_WIDTH and x > BAR_X:
            x, line = BAR_X, line + 1
        legend.append(
            {
                "x": _n(x),
                "y": _n(line * LEGEND_LINE + 4),
                "text_x": _n(x + 18),
                "text_y": _n(line * LEGEND_LINE + 16),
                "fill": fill,
                "pattern": f"{chart_id}-{pattern}" if pattern else "",
                "label": label,
            }
        )
        x += width + 16
    legend_height = (line + 1) * LEGEND_LINE + 8
    rows, descriptions = [], []
    for index, bar in enumerate(bars):
        y = legend_height + index * ROW_HEIGHT
        total = bar["total"]
        segments, start = [], 0.0
        for c in bar["counts"]:
            if not c["count"]:
                continue
            width = BAR_WIDTH * c["count"] / total
            fill, pattern = SEGMENT_STYLES.get(c["word"], ("#e4e4e4", ""))
            full, short = f"{c['label']} {c['count']}", str(c["count"])
            text = next((t for t in (full, short) if _text_width(t) + 8 <= width), "")
            segments.append(
                {
                    "x": _n(BAR_X + start),
                    "width": _n(width),
                    "text_x": _n(BAR_X + start + width / 2),
                    "fill": fill,
                    "pattern": f"{chart_id}-{pattern}" if pattern else "",
                    "text": text,
                    "title": _("%(word)s %(count)d件（%(share)s%%）")
                    % {"word": c["label"], "count": c["count"], "share": c["share"]},
                }
            )
            start += width
        parts = "、".join(s["title"] for s in segments)
        nothing = _("0件")
        descriptions.append(f"{bar['label']}: {parts or nothing}")
        rows.append(
            {
                "label": _fit(bar["label"], LABEL_WIDTH - 4),
                "full_label": bar["label"],
                "y": _n(y),
                "text_y": _n(y + BAR_HEIGHT / 2 + FONT_SIZE * 0.36),
                "segments": segments,
                "total": _("%(count)d件") % {"count": total},
                "empty": not segments,
            }
        )
    return {
        "id": chart_id,
        "title": title,
        "description": "。".join(descriptions),
        "width": CHART_WIDTH,
        "height": legend_height + len(bars) * ROW_HEIGHT,
        "label_x": _n(LABEL_WIDTH),
        "bar_x": _n(BAR_X),
        "bar_width": _n(BAR_WIDTH),
        "bar_height": _n(BAR_HEIGHT),
        "total_x": _n(TOTAL_X),
        "legend": legend,
        "rows": rows,
    }


# --- The dashboard --------------------------------------------------------------------------------------------


def dashboard_data(cycle):
    """Everything the dashboard shows, for the cycle and every other cycle of its plan, in a fixed number of
    queries: the initiatives (with goals and roadmap), the plan's goals, its cycles, and all their entries."""
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
    cycles = list(ReviewCycle.objects.filter(plan=plan).order_by("fiscal_year"))
    entries = {(e.cycle_id, e.initiative_id): e for e in StatusEntry.objects.filter(cycle__plan=plan)}
    cycles_by_year = {c.fiscal_year: c for c in cycles}
    roadmaps = {i.pk: {cell.fiscal_year: cell for cell in i.roadmap.all()} for i in initiatives}

    def rows_of(a_cycle):
        rows = []
        for initiative in initiatives:
            entry = entries.get((a_cycle.pk, initiative.pk))
            if entry is not None:
                planned = roadmaps[initiative.pk].get(a_cycle.fiscal_year)
                rows.append(_row(initiative, entry, planned.stage if planned else ""))
        return rows

    rows = rows_of(cycle)
    summary = summarize(rows, goals)
    total = summary["total"]
    headline = [
        {"id": axis, "title": title, "label": label, "counts": _linked(counts, axis, cycle)}
        for axis, title, label, counts in [
            ("achievement", _("達成状況"), _("達成状況"), _with_blank(summary["achievement"])),
            ("progress", _("進捗（年次計画との比較）"), _("進捗"), _with_blank(summary["progress"])),
            ("state", _("入力状況"), _("入力状況"), summary["state"]),
        ]
    ]
    for block in headline:
        block["chart"] = stacked_bars(
            f"chart-{block['id']}",
            _("%(axis)s（全%(total)d件）") % {"axis": block["title"], "total": total},
            [{"label": block["label"], "total": total, "counts": block["counts"]}],
        )

    by_number = {i.number: i for i in initiatives}
    late = []
    for item in summary["late"]:
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

    matrix = [
        {
            "initiative": initiative,
            "url": initiative_url(initiative),
            "cells": [
                _year_cell(
                    year,
                    roadmaps[initiative.pk].get(year),
                    cycles_by_year.get(year),
                    entries.get((cycles_by_year[year].pk, initiative.pk)) if year in cycles_by_year else None,
                    initiative,
                )
                for year in plan.fiscal_years
            ],
        }
        for initiative in initiatives
    ]

    breakdowns = _breakdowns(cycle, summary, goals, rows, initiatives)
    trend = _trend(cycles, rows_of)
    return {
        "total": total,
        "headline": headline,
        "late": late,
        "years": [{"year": y, "cycle": cycles_by_year.get(y)} for y in plan.fiscal_years],
        "matrix": matrix,
        "breakdowns": breakdowns,
        "breakdown_charts": _axis_charts(
            "breakdown", _("目標・区分・担当課別"), [(b["label"], b) for b in breakdowns]
        ),
        "trend": trend,
        "trend_charts": _axis_charts(
            "trend", _("年度ごとの推移"), [(fiscal_year_label(t["cycle"].fiscal_year), t) for t in trend]
        ),
        "cycles": cycles,
    }


def _axis_charts(name, heading, groups):
    """A chart for 達成状況 and one for 進捗, each with a bar per group: [(label, {"count", axis: counts})]."""
    return [
        stacked_bars(
            f"chart-{name}-{axis}",
            _("%(axis)s（%(heading)s）") % {"axis": title, "heading": heading},
            [{"label": label, "total": group["count"], "counts": group[axis]} for label, group in groups],
        )
        for axis, title in [("achievement", _("達成状況")), ("progress", _("進捗"))]
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
        _breakdown(_("区分"), _(f["flag"]), "", cycle, f, {FLAG_FILTERS[f["flag"]]: "1"})
        for f in summary["by_flag"]
        if f["flag"] in FLAG_FILTERS
    ]
    departments = {i.department_id: i.department for i in initiatives}
    by_department = defaultdict(list)
    for row in rows:
        by_department[row["department_id"]].append(row)
    named = sorted((d for d in by_department if d is not None), key=lambda d: departments[d].name)
    for department_id in [*named, *([None] if None in by_department else [])]:
        counted = summarize(by_department[department_id], [])
        part = {**counted, "count": counted["total"]}
        label = departments[department_id].name if department_id else _("担当課（未設定）")
        result.append(
            _breakdown(_("担当課"), label, "", cycle, part, {"department": department_id or "null"})
        )
    return result


def _trend(cycles, rows_of):
    """Each cycle of the plan so far, oldest first, with its counts per achievement and progress word."""
    trend = []
    for a_cycle in cycles:
        counted = summarize(rows_of(a_cycle), [])
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


@login_required
def dashboard(request, cycle_id):
    cycle = roles.get_cycle(request, cycle_id)
    roles.require(request, roles.can_read_all(request.user), "read dashboard")
    context = {"cycle": cycle, "plan": cycle.plan, **dashboard_data(cycle)}
    return render(request, "reviews/dashboard.html", context)


# --- The initiative page -------------------------------------------------------------------------------------


def _aliases(term):
    """The ways a glossary term is written in running text: 「GIS (Geographic Information System; 地図情報
    システム)」 is found as GIS, as Geographic Information System and as 地図情報システム."""
    text = unicodedata.normalize("NFKC", term).strip()
    found = [text]
    match = re.fullmatch(r"(.+?)\s*\((.+)\)", text)
    if match:
        head, inner = match.groups()
        found += [head, *re.split(r"\s*[;；、,]\s*", inner)]
    return [a.strip() for a in found if len(a.strip()) >= 2]


def _key(text):
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _alias_pattern(alias):
    """A pattern that finds the alias written in half- or full-width letters, with or without spaces."""
    parts = []
    for ch in alias:
        if ch.isspace():
            parts.append(r"\s*")
        elif "!" <= ch <= "~":
            parts.append(f"[{re.escape(ch)}{re.escape(chr(ord(ch) + 0xFEE0))}]")
        else:
            parts.append(re.escape(ch))
    pattern = "".join(parts)
    # An ASCII abbreviation is a word of its own: GIS, not the GIS in GISAID.
    if alias[0].isascii() and alias[0].isalnum():
        pattern = r"(?<![A-Za-z0-9Ａ-Ｚａ-ｚ０-９])" + pattern
    if alias[-1].isascii() and alias[-1].isalnum():
        pattern += r"(?![A-Za-z0-9Ａ-Ｚａ-ｚ０-９])"
    return pattern


class TermMarker:
    """Finds the plan's glossary terms in an initiative's texts and links each to its explanation."""

    def __init__(self, terms):
        self.terms = terms
        self.by_key = {}
        for term in terms:
            for alias in _aliases(term.term):
                self.by_key.setdefault(_key(alias), term)
        aliases = sorted({a for t in terms for a in _aliases(t.term)}, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(_alias_pattern, aliases)), re.IGNORECASE) if aliases else None

    def _matches(self, text):
        if not self.pattern or not text:
            return
        for match in self.pattern.finditer(text):
            term = self.by_key.get(_key(match.group()))
            if term is not None:
                yield match, term

    def found_in(self, texts):
        """The terms that occur in any of the texts, in the glossary's order."""
        found = {term.pk for text in texts for _match, term in self._matches(text)}
        return [t for t in self.terms if t.pk in found]

    def mark(self, text):
        """The text, escaped, line breaks kept, with each term's first occurrence linked to its explanation."""
        pieces, position, seen = [], 0, set()
        for match, term in self._matches(text or ""):
            if term.pk in seen:
                continue
            seen.add(term.pk)
            pieces.append(escape(text[position : match.start()]))
            pieces.append(
                format_html(
                    '<a class="term-ref" href="#term-{0}" aria-describedby="term-{0}-definition">{1}</a>',
                    term.pk,
                    match.group(),
                )
            )
            position = match.end()
        pieces.append(escape((text or "")[position:]))
        return mark_safe("".join(pieces).replace("\n", "<br>"))  # every piece is escaped above


def glossary_for(plan):
    """The plan's glossary or, for a plan that has none (the fourth printed none), the newest plan's."""
    newest = Plan.objects.filter(glossary__isnull=False).order_by("-ordinal").values("pk")[:1]
    terms = list(
        GlossaryTerm.objects.filter(Q(plan=plan) | Q(plan=Subquery(newest)))
        .select_related("plan")
        .order_by("order")
    )
    own = [t for t in terms if t.plan_id == plan.pk]
    return own or terms


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
        Prefetch("carried_from", queryset=earlier),
        Prefetch(
            "carried_into",
            queryset=Initiative.objects.select_related("plan").order_by("plan__ordinal", "number"),
        ),
    )


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

    years = []
    for entry in entries:
        entry.initiative = initiative  # the same object: no query per entry for the checks below
        years.append(
            {
                **_year_cell(
                    entry.cycle.fiscal_year,
                    roadmap.get(entry.cycle.fiscal_year),
                    entry.cycle,
                    entry,
                    initiative,
                ),
                "actions": terms.mark(entry.actions),
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
        "roadmap": [
            _year_cell(
                year,
                roadmap.get(year),
                by_year[year].cycle if year in by_year else None,
                by_year.get(year),
                initiative,
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


@login_required
def initiative(request, ordinal, number):
    roles.require(request, roles.can_read(request.user), "read reviews")
    found = get_object_or_404(initiative_queryset(), plan__ordinal=ordinal, number=number)
    roles.require(request, roles.can_read_initiative(request.user, found), f"initiative {ordinal}-{number}")
    return render(request, "reviews/initiative.html", initiative_data(found, request.user))

"""The annual progress report (進捗状況報告) of a review cycle, as plain data.

One builder makes the report's content; the HTML page, the xlsx, the PDF, the CSV/JSON and the published
snapshot are all drawn from it, so every form carries the same numbers. The data holds the city's own
words (達成, 計画より遅れている …), never codes, so a snapshot reads the same in any later version.
"""

from collections import Counter

from django.db.models import Prefetch

from initiatives.models import Evaluation, Indicator, Initiative, RoadmapCell
from plan.eras import fiscal_year_label, wareki
from plan.models import CitySettings, ColumnKind, Goal, Plan
from reviews import scales
from reviews.models import EntryState, StatusEntry


def _counts(values, words):
    """Count per word, in the words' own order, with each word's share of all rows.

    A recorded word the list no longer has (a scale's word renamed after the survey) is counted after the
    others, so that the counts always add up to the rows.
    """
    counter = Counter(values)
    total = len(values)
    words = [*words, *(v for v in dict.fromkeys(values) if v and v not in words)]
    rows = [
        {"word": word, "count": counter.get(word, 0), "share": _share(counter.get(word, 0), total)}
        for word in words
    ]
    blank = counter.get("", 0)
    if blank:
        rows.append({"word": "", "count": blank, "share": _share(blank, total)})
    return rows


# A report made before the plans named their ratings (a snapshot of a database that has not yet run
# reviews.0006, which writes these into it) printed these names and counted this progress word as late.
RATINGS_BEFORE_SCALES = {"progress": "進捗", "achievement": "達成状況", "direction": "今後の方向性"}
BEHIND_BEFORE_SCALES = "計画より遅れている"


def ratings_of(report):
    return report.get("ratings") or RATINGS_BEFORE_SCALES


def behind_of(report):
    return report.get("behind", BEHIND_BEFORE_SCALES)


def _text(value):
    return None if value is None else str(value)


def _share(count, total):
    return round(100 * count / total, 1) if total else 0.0


def cycle_report(cycle):
    """The report of one review cycle: its table, its summary and the committees' comments."""
    goals = list(cycle.plan.goals.order_by("order"))
    groups = flag_groups(cycle.plan)
    city = CitySettings.current()
    entries = list(
        StatusEntry.objects.filter(cycle=cycle)
        .select_related("initiative", "initiative__department")
        .prefetch_related(
            Prefetch("initiative__goals", queryset=Goal.objects.order_by("order")),
            Prefetch("initiative__indicators", queryset=Indicator.objects.order_by("position", "pk")),
            "initiative__indicators__targets",
        )
        .order_by("initiative__number")
    )
    planned = dict(
        RoadmapCell.objects.filter(initiative__plan=cycle.plan, fiscal_year=cycle.fiscal_year).values_list(
            "initiative_id", "stage"
        )
    )
    rows = []
    for entry in entries:
        initiative = entry.initiative
        planned_stage = planned.get(initiative.pk, "")
        rows.append(
            {
                "number": initiative.number,
                "name": initiative.name,
                "is_new": initiative.is_new,
                "description": initiative.description,
                "department": initiative.department.name if initiative.department_id else "",
                "goals": [g.code for g in initiative.goals.all()],
                "values": column_values(initiative, groups),
                "planned_stage": planned_stage,
                "stage_reached": entry.stage_reached,
                "progress": entry.progress,
                "achievement": entry.achievement,
                "actions": entry.actions,
                "issues": entry.issues,
                "direction": entry.direction,
                "state": entry.state,
                # 自己評価と年次計画の差 as it stood when the report was made ({"given", "roadmap"} or None), and
                # the department's reason for it.
                "contradiction": scales.contradiction(
                    cycle.plan, planned_stage, entry.stage_reached, entry.progress
                ),
                "progress_reason": entry.progress_reason,
                "indicators": [
                    {
                        "name": r["indicator"].name,
                        "unit": r["indicator"].unit,
                        "target": _text(r["target"]),
                        "actual": _text(r["actual"]),
                        "rate": None if r["rate"] is None else str(round(r["rate"], 1)),
                    }
                    for r in scales.indicator_rows(
                        initiative.indicators.all(), cycle.fiscal_year, entry.kpi_actuals
                    )
                ],
            }
        )
    return {
        "plan": {"ordinal": cycle.plan.ordinal, "title": cycle.plan.title},
        "fiscal_year": cycle.fiscal_year,
        "fiscal_year_label": fiscal_year_label(cycle.fiscal_year),
        "title": f"{cycle.plan.title} 進捗状況報告 {fiscal_year_label(cycle.fiscal_year)}",
        "committee": {
            "name": city.committee_name,
            "date": cycle.committee_date.isoformat() if cycle.committee_date else None,
            "comment": cycle.committee_comment,
        },
        "headquarters": {
            "name": city.headquarters_name,
            "date": cycle.headquarters_date.isoformat() if cycle.headquarters_date else None,
            "comment": cycle.headquarters_comment,
        },
        "goals": [{"code": g.code, "numeral": g.numeral, "title": g.title} for g in goals],
        # The names of the ratings as the plan prints them (a snapshot keeps them as published).
        "ratings": {field: scales.printed_name(cycle.plan, field) for field in scales.RATED_FIELDS},
        # The progress word that counts an initiative as late ("" if the plan's progress scale has none).
        "behind": scales.behind_word(cycle.plan),
        "rows": rows,
        "summary": summarize(rows, cycle.plan, goals, groups),
    }


def flag_groups(plan):
    """What the report breaks the entries down by besides the goals: each mark column of the plan, and each
    word of its choice columns, in the definition's order."""
    groups = []
    for column in plan.columns.prefetch_related("choices"):
        if column.kind == ColumnKind.MARK:
            groups.append({"flag": column.header, "key": column.key, "word": ""})
        elif column.kind in (ColumnKind.CHOICE, ColumnKind.MULTI_CHOICE):
            # A word that names its column already (SDGs 3) stands alone; others say which column they are of.
            groups += [
                {
                    "flag": c.word if column.header in c.word else f"{column.header} {c.word}",
                    "key": column.key,
                    "word": c.word,
                }
                for c in column.choices.all()
            ]
    return groups


def column_values(initiative, groups):
    """The initiative's values of the columns the groups break down by."""
    return {key: initiative.column_values.get(key) for key in dict.fromkeys(g["key"] for g in groups)}


def in_group(row, group):
    value = row["values"].get(group["key"])
    if not group["word"]:
        return bool(value)
    return value == group["word"] or (isinstance(value, list) and group["word"] in value)


def summarize(rows, plan, goals, groups=()):
    """Counts per word of the plan's scales on each axis, the late initiatives, and breakdowns by goal and by
    each flag group."""
    achievement, progress, direction = (
        scales.words(plan, f) for f in ("achievement", "progress", "direction")
    )
    behind = scales.behind_word(plan)

    def breakdown(selected):
        return {
            "count": len(selected),
            "achievement": _counts([r["achievement"] for r in selected], achievement),
            "progress": _counts([r["progress"] for r in selected], progress),
        }

    return {
        "total": len(rows),
        "achievement": _counts([r["achievement"] for r in rows], achievement),
        "progress": _counts([r["progress"] for r in rows], progress),
        "direction": _counts([r["direction"] for r in rows], direction),
        "state": _counts([r["state"] for r in rows], EntryState.values),
        "late": [
            {
                "number": r["number"],
                "name": r["name"],
                "planned_stage": r["planned_stage"],
                "stage_reached": r["stage_reached"],
            }
            for r in rows
            if behind and r["progress"] == behind
        ],
        # 自己評価と年次計画の差: the progress word given, the word the roadmap gives, and why they differ.
        "contradicted": [
            {
                "number": r["number"],
                "name": r["name"],
                "planned_stage": r["planned_stage"],
                "stage_reached": r["stage_reached"],
                "given": r["contradiction"]["given"],
                "roadmap": r["contradiction"]["roadmap"],
                "reason": r.get("progress_reason", ""),
            }
            for r in rows
            if r.get("contradiction")
        ],
        "by_goal": [
            {
                "code": g.code,
                "numeral": g.numeral,
                "title": g.title,
                **breakdown([r for r in rows if g.code in r["goals"]]),
            }
            for g in goals
        ],
        "by_flag": [{**group, **breakdown([r for r in rows if in_group(r, group)])} for group in groups],
    }


def final_table(plan):
    """The plan's final evaluation in the layout the next plan's chapter 2 prints (第2章 4 (2)).

    項番, 項目, 内容, 取組目標, 令和N年度までの取組内容, 達成状況, 今後の方向性 — one row per initiative, from the
    evaluation of the plan's last fiscal year.
    """
    year = plan.last_fiscal_year
    initiatives = Initiative.objects.for_plan(plan).prefetch_related(
        "roadmap", Prefetch("evaluations", queryset=Evaluation.objects.filter(fiscal_year=year))
    )
    rows = []
    for initiative in initiatives:
        evaluation = next(iter(initiative.evaluations.all()), None)
        rows.append(
            {
                "number": initiative.number,
                "name": initiative.name,
                "description": initiative.description,
                "target_stage": initiative.final_target_stage,
                "actions": evaluation.actions if evaluation else "",
                "achievement": evaluation.achievement if evaluation else "",
                "direction": evaluation.direction if evaluation else "",
            }
        )
    return {
        "plan": {"ordinal": plan.ordinal, "title": plan.title},
        "headers": [
            "項番",
            "項目",
            "内容",
            "取組目標",
            f"{wareki(year)}までの取組内容",
            scales.printed_name(plan, "achievement"),
            scales.printed_name(plan, "direction"),
        ],
        "rows": rows,
    }


def caption(plan):
    """The document's heading of the table: 第四次東大和市情報化推進計画における取組状況と今後の方向性."""
    return f"{plan.title}における取組状況と今後の方向性"


def plans_with_final_table():
    """Plans whose last fiscal year is known and which have initiatives: each has a final table."""
    return Plan.objects.filter(last_fiscal_year__isnull=False, initiatives__isnull=False).distinct()

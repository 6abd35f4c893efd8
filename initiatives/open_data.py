"""The plan as open data: the JSON and CSV forms, and reading the JSON form back (the shipped seed).

The JSON shape is a published interface that other systems rely on; change it only by adding keys.
"""

import csv
import io

from django.utils.translation import gettext as _

from initiatives.importing import InitiativeRow
from initiatives.models import Initiative
from plan.eras import fiscal_year_label
from plan.models import MARK, ColumnKind, Plan


def plan_to_dict(plan, initiatives=None):
    if initiatives is None:
        initiatives = Initiative.objects.for_plan_table(plan)
    columns = [c for c in plan.columns.all() if c.is_public]
    return {
        "plan": {
            "ordinal": plan.ordinal,
            "title": plan.title,
            "first_fiscal_year": plan.first_fiscal_year,
            "last_fiscal_year": plan.last_fiscal_year,
            # The roadmap's mark for a year that continues the stage of the year before (added with the plans'
            # own definitions; the stages themselves are each cell's "stage").
            "continuation_mark": plan.continuation_mark,
        },
        "goals": [{"code": g.code, "title": g.title} for g in plan.goals.all()],
        # The plan's own columns: each initiative carries its value under the column's key.
        "columns": [{"key": c.key, "header": c.header, "kind": c.kind} for c in columns],
        "initiatives": [initiative_to_dict(i, columns) for i in initiatives],
    }


def initiative_to_dict(initiative, columns):
    return {
        "number": initiative.number,
        "name": initiative.name,
        "is_new": initiative.is_new,
        "description": initiative.description,
        **{c.key: c.value_of(initiative) for c in columns},
        "goals": [g.code for g in initiative.goals.all()],
        "department": initiative.department.name if initiative.department_id else None,
        "target_stage": initiative.final_target_stage,
        "roadmap": [
            {"fiscal_year": c.fiscal_year, "stage": c.stage, "continued": c.continued}
            for c in initiative.roadmap.all()
        ],
        "evaluations": [
            {
                "fiscal_year": e.fiscal_year,
                "achievement": e.achievement,
                "direction": e.direction,
                "actions": e.actions,
            }
            for e in initiative.evaluations.all()
        ],
        "carried_from": [{"plan": p.plan.ordinal, "number": p.number} for p in initiative.carried_from.all()],
        "indicators": [indicator_to_dict(i) for i in initiative.indicators.all()],
    }


def _decimal(value):
    """A decimal as exact text (JSON numbers are floats to most readers)."""
    return None if value is None else str(value)


def indicator_to_dict(indicator):
    return {
        "name": indicator.name,
        "unit": indicator.unit,
        "lower_is_better": indicator.lower_is_better,
        "baseline": _decimal(indicator.baseline),
        "baseline_year": indicator.baseline_year,
        "targets": [
            {"fiscal_year": t.fiscal_year, "target": _decimal(t.target)} for t in indicator.targets.all()
        ],
    }


def rows_from_dict(data, plan):
    """InitiativeRows from the JSON form. target_stage is stored only where no roadmap implies it."""
    rows = []
    columns = list(plan.columns.all())
    for item in data["initiatives"]:
        roadmap = {c["fiscal_year"]: (c["stage"], c["continued"]) for c in item["roadmap"]}
        rows.append(
            InitiativeRow(
                number=item["number"],
                where=_("項番 %(number)d") % {"number": item["number"]},
                name=item["name"],
                is_new=item["is_new"],
                description=item["description"],
                values={c.key: item[c.key] for c in columns if c.key in item},
                target_stage="" if roadmap else item["target_stage"],
                roadmap={year: roadmap.get(year) for year in plan.fiscal_years} if roadmap else None,
                evaluations=item["evaluations"],
                goals=item["goals"],
                department=item["department"] or "",
                carried_from=[(c["plan"], c["number"]) for c in item["carried_from"]],
            )
        )
    return rows


def plan_to_csv(plan, initiatives=None):
    return open_data_csv(plan_to_dict(plan, initiatives))


def open_data_csv(data):
    """The JSON form as CSV: one row per initiative, UTF-8 with a byte-order mark so Excel reads Japanese.

    The plan's own columns come from the data; a snapshot frozen before the data named them takes the
    plan's definition.
    """
    columns = data.get("columns")
    if columns is None:
        plan = Plan.objects.get(ordinal=data["plan"]["ordinal"])
        columns = [
            {"key": c.key, "header": c.header, "kind": c.kind} for c in plan.columns.all() if c.is_public
        ]
    first, last = data["plan"]["first_fiscal_year"], data["plan"]["last_fiscal_year"]
    years = list(range(first, last + 1)) if first and last else []
    eval_years = sorted({e["fiscal_year"] for i in data["initiatives"] for e in i["evaluations"]})
    header = [
        "項番",
        "個別計画名",
        "新規",
        "計画内容",
        *(c["header"] for c in columns),
        "目標",
        "担当課",
    ]
    header += ["取組目標"] + [f"年次計画 {fiscal_year_label(y)}" for y in years]
    for year in eval_years:
        label = fiscal_year_label(year)
        header += [f"取組内容 {label}", f"達成状況 {label}", f"今後の方向性 {label}"]
    header.append("継続元")
    # Columns added later go after those there were, so that a reader counting columns still finds them: a
    # published survey's 進捗, 課題 and 自己評価と年次計画の差, and each indicator's target and actual of its year.
    surveyed = [y for y in eval_years if _surveyed(data, y)]
    for year in surveyed:
        label = fiscal_year_label(year)
        header += [f"{name} {label}" for name in SURVEY_HEADERS]
    measured = _measured(data)
    for n in range(1, measured["count"] + 1):
        header += [f"指標{n} {name}" for name in ("名称", "単位")]
        header += [
            f"指標{n} {name} {fiscal_year_label(y)}"
            for y in measured["years"]
            for name in ("目標値", "実績値")
        ]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for item in data["initiatives"]:
        cells = {c["fiscal_year"]: c for c in item["roadmap"]}
        evaluations = {e["fiscal_year"]: e for e in item["evaluations"]}
        row = [
            item["number"],
            item["name"],
            "●" if item["is_new"] else "",
            item["description"],
            *(_csv_value(c, item.get(c["key"])) for c in columns),
            " ".join(item["goals"]),
            item["department"] or "",
            item["target_stage"],
        ]
        # A snapshot published before the mark was in the data printed ⇒, the only mark there was.
        mark = data["plan"].get("continuation_mark", "⇒")
        row += [(mark if cells[y]["continued"] else cells[y]["stage"]) if y in cells else "" for y in years]
        for year in eval_years:
            e = evaluations.get(year, {})
            row += [e.get("actions", ""), e.get("achievement", ""), e.get("direction", "")]
        row.append(" ".join(f"{c['plan']}-{c['number']}" for c in item["carried_from"]))
        for year in surveyed:
            row += _survey_cells(evaluations.get(year, {}))
        for n in range(measured["count"]):
            indicators = item.get("indicators", [])
            indicator = indicators[n] if n < len(indicators) else None
            row += [indicator["name"], indicator["unit"]] if indicator else ["", ""]
            for year in measured["years"]:
                if indicator and indicator.get("fiscal_year") == year:
                    row += [indicator.get("target") or "", indicator.get("actual") or ""]
                else:
                    row += ["", ""]
        writer.writerow([_csv_safe(v) for v in row])
    return out.getvalue()


SURVEY_HEADERS = [
    "計画上の段階",
    "実施状況",
    "進捗",
    "課題",
    "自己評価と年次計画の差",
    "自己評価と年次計画の差の理由",
]


def _surveyed(data, year):
    """The year's evaluations came from a published survey (they carry its 進捗), not from the plan's table."""
    return any(
        "progress" in e for i in data["initiatives"] for e in i["evaluations"] if e["fiscal_year"] == year
    )


def _survey_cells(evaluation):
    flag = evaluation.get("contradiction")
    return [
        evaluation.get("planned_stage", ""),
        evaluation.get("stage_reached", ""),
        evaluation.get("progress", ""),
        evaluation.get("issues", ""),
        f"{flag['given']}（年次計画では {flag['roadmap']}）" if flag else "",
        evaluation.get("progress_reason", "") if flag else "",
    ]


def _measured(data):
    """How many indicators an initiative has at most, and the years whose actuals the data carries (a published
    survey's); none for the plan's own open data, which has targets but no actuals."""
    years = sorted(
        {
            i["fiscal_year"]
            for item in data["initiatives"]
            for i in item.get("indicators", [])
            if "actual" in i
        }
    )
    count = max((len(item.get("indicators", [])) for item in data["initiatives"]), default=0) if years else 0
    return {"count": count, "years": years}


def _csv_value(column, value):
    if column["kind"] == ColumnKind.MARK:
        return MARK if value else ""
    if column["kind"] == ColumnKind.MULTI_CHOICE:
        return "、".join(value or [])
    return "" if value is None else value


def _csv_safe(value):
    """A text cell that a spreadsheet program would take as a formula is given a leading apostrophe."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value

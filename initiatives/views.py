import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from initiatives.models import Initiative
from initiatives.open_data import plan_to_csv, plan_to_dict
from initiatives.spreadsheet import write_plan_workbook
from plan.models import VIEW_DRAFT_PLAN, ColumnKind, Plan
from workbooks import XLSX_CONTENT_TYPE


def _plan(request, ordinal):
    """The plan, if the request may see it: a draft is for users with a role only, until the city adopts it."""
    plan = get_object_or_404(
        Plan.objects.select_related("predecessor").prefetch_related(
            "goals", "references", "management_steps"
        ),
        ordinal=ordinal,
    )
    if not plan.visible_to(request.user):
        raise Http404("No such plan.")
    return plan


def _listed_plans(request):
    plans = Plan.objects.filter(initiatives__isnull=False).distinct().order_by("ordinal")
    return plans if request.user.has_perm(VIEW_DRAFT_PLAN) else plans.exclude(adopted="")


def home(request):
    with_table = Plan.objects.filter(initiatives__isnull=False).order_by("-ordinal")
    # A draft of the next plan (not yet adopted: 策定 empty) does not replace the plan in force.
    plan = with_table.exclude(adopted="").first() or with_table.first()
    if plan is None:
        raise Http404("No plan has been loaded.")
    return redirect("initiatives:plan_table", ordinal=plan.ordinal)


# How the table sets each kind of the plan's own columns: a section reference narrow, a mark centred.
CELL_CLASS = {ColumnKind.REFERENCE: "section", ColumnKind.MARK: "mark", ColumnKind.TEXT: "text"}


def column_cell(column, initiative):
    value = column.value_of(initiative)
    return {
        "css": CELL_CLASS.get(column.kind, ""),
        "mark": column.is_mark and bool(value),
        "text": column.display(value),
    }


def plan_table(request, ordinal):
    """The plan's initiatives as the document's table: one row each, the roadmap as a grid of fiscal years."""
    plan = _plan(request, ordinal)
    initiatives = list(Initiative.objects.for_plan_table(plan))
    columns = plan.table_columns
    rows = []
    for initiative in initiatives:
        cells = {c.fiscal_year: c for c in initiative.roadmap.all()}
        evaluations = {e.fiscal_year: e for e in initiative.evaluations.all()}
        rows.append(
            {
                "initiative": initiative,
                "roadmap": [cells.get(year) for year in plan.fiscal_years],
                "values": [column_cell(c, initiative) for c in columns],
                "evaluation": evaluations.get(plan.last_fiscal_year),
                # A draft next plan is not public: its initiatives are named only to users with a role.
                "carried_into": [n for n in initiative.carried_into.all() if n.plan.visible_to(request.user)],
            }
        )
    has_roadmap = any(any(r["roadmap"]) for r in rows)
    context = {
        "plan": plan,
        "rows": rows,
        "has_roadmap": has_roadmap,
        "columns": [{"header": c.header, "css": CELL_CLASS.get(c.kind, "")} for c in columns],
        "has_evaluation": any(r["evaluation"] for r in rows),
        "has_target": any(i.target_stage for i in initiatives),
        "notes": [r["initiative"] for r in rows if r["initiative"].source_note],
        "plans": _listed_plans(request),
        "glossary": list(plan.glossary.all()),
        "history": list(Plan.objects.filter(ordinal__lt=plan.ordinal).order_by("ordinal")),
    }
    return render(request, "initiatives/plan_table.html", context)


def download(request, ordinal, fmt):
    """The plan as open data, without login: the plan document is public."""
    plan = _plan(request, ordinal)
    initiatives = Initiative.objects.for_plan_table(plan)
    if fmt == "json":
        body = json.dumps(plan_to_dict(plan, initiatives), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Access-Control-Allow-Origin"] = "*"
        return response
    if fmt == "csv":
        response = HttpResponse(plan_to_csv(plan, initiatives), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(write_plan_workbook(plan, initiatives), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.ordinal}.{fmt}"'
    return response

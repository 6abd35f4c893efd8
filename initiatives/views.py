import json

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from caching.pages import cached, cached_html
from initiatives.models import Initiative
from initiatives.open_data import plan_to_csv, plan_to_dict
from initiatives.open_data_schema import schema_url
from initiatives.overview import overview
from initiatives.spreadsheet import write_plan_workbook
from plan.models import VIEW_DRAFT_PLAN, ColumnKind, Plan
from plan.paging import page_number, page_of
from workbooks import XLSX_CONTENT_TYPE


def _plan(request, ordinal):
    """The plan, if the request may see it: a draft is for users with a role only, until the city adopts it.
    What its pages show of it beyond its own fields is loaded when a page is made, not from the cache."""
    plan = get_object_or_404(Plan.objects.select_related("predecessor"), ordinal=ordinal)
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
    """The plan's initiatives as the document's table: one row each, the roadmap as a grid of fiscal years,
    PLAN_TABLE_PER_PAGE to a page; the whole table is the open-data download. From the cache while nothing
    in the plan changes."""
    plan = _plan(request, ordinal)
    number = page_number(request)
    # What differs between readers of one page: drafts named or not, the final table's link for users.
    can_see_drafts = request.user.has_perm(VIEW_DRAFT_PLAN)
    parts = [plan.pk, number, can_see_drafts, request.user.is_authenticated]

    body = cached_html(
        "plan_table",
        parts,
        "initiatives/partials/plan_table_body.html",
        lambda: _plan_table_context(request, plan, number, can_see_drafts),
        request,
    )
    return render(request, "initiatives/plan_table.html", {"plan": plan, "body": body})


def _plan_table_context(request, plan, number, can_see_drafts):
    prefetch_related_objects([plan], "goals", "references", "management_steps")
    page = page_of(Initiative.objects.for_plan_table(plan), settings.PLAN_TABLE_PER_PAGE, number)
    columns = plan.table_columns
    rows = []
    for initiative in page.object_list:
        cells = {c.fiscal_year: c for c in initiative.roadmap.all()}
        evaluations = {e.fiscal_year: e for e in initiative.evaluations.all()}
        latest = max(evaluations.values(), key=lambda e: e.fiscal_year, default=None)
        rows.append(
            {
                "initiative": initiative,
                # (year, cell): on a phone each cell is labelled with its year (the header row is hidden).
                "roadmap": [(year, cells.get(year)) for year in plan.fiscal_years],
                "values": [{"header": c.header, **column_cell(c, initiative)} for c in columns],
                "evaluation": evaluations.get(plan.last_fiscal_year),
                # The latest published year's result (evaluations are written only at publication).
                "latest": latest,
                # Once the last year is published its result is also the final evaluation, whose columns
                # already give the achievement: the latest-result column does not repeat it.
                "latest_is_final": latest is not None and latest.fiscal_year == plan.last_fiscal_year,
                # A draft next plan is not public: its initiatives are named only to users with a role.
                "carried_into": [
                    n for n in initiative.carried_into.all() if can_see_drafts or not n.plan.is_draft
                ],
            }
        )
    has_roadmap = any(cell for r in rows for _, cell in r["roadmap"])
    return {
        "plan": plan,
        "page_obj": page,
        "rows": rows,
        "has_roadmap": has_roadmap,
        # A plan without a roadmap (the fourth) prints its one evaluation in its own columns instead.
        "has_latest": has_roadmap and any(r["latest"] for r in rows),
        "columns": [{"header": c.header, "css": CELL_CLASS.get(c.kind, "")} for c in columns],
        "has_evaluation": any(r["evaluation"] for r in rows),
        "has_target": any(r["initiative"].target_stage for r in rows),
        "notes": [r["initiative"] for r in rows if r["initiative"].source_note],
        "plans": _listed_plans(request),
        "glossary": list(plan.glossary.all()),
        "history": list(Plan.objects.filter(ordinal__lt=plan.ordinal).order_by("ordinal")),
    }


def initiative_page(request, ordinal, number):
    """One initiative for citizens, at an address short enough to print in 市報: the plan's text, the roadmap
    against every published year's result, and the words explained. Only published results (Evaluation,
    written at publication) show; from the cache while nothing public changes."""
    plan = _plan(request, ordinal)
    can_see_drafts = request.user.has_perm(VIEW_DRAFT_PLAN)
    name = plan.initiatives.filter(number=number).values_list("name", flat=True).first()
    if name is None:
        raise Http404("No such initiative.")
    body = cached_html(
        "initiative_page",
        [plan.pk, number, can_see_drafts],
        "initiatives/partials/initiative_body.html",
        lambda: _initiative_context(plan, number, can_see_drafts),
        request,
    )
    context = {"plan": plan, "number": number, "name": name, "body": body}
    return render(request, "initiatives/initiative.html", context)


def _initiative_context(plan, number, can_see_drafts):
    initiative = Initiative.objects.for_plan_table(plan).get(number=number)
    cells = {c.fiscal_year: c for c in initiative.roadmap.all()}
    evaluations = {e.fiscal_year: e for e in initiative.evaluations.all()}
    indicators = list(initiative.indicators.all())
    years = sorted({*plan.fiscal_years, *evaluations})
    published = [
        {
            "evaluation": e,
            "planned": cells.get(e.fiscal_year),
            "indicators": [
                {
                    "indicator": i,
                    "target": i.target_for(e.fiscal_year),
                    "actual": e.kpi_actuals.get(i.key),
                }
                for i in indicators
            ],
        }
        for e in sorted(evaluations.values(), key=lambda e: e.fiscal_year)
    ]
    scales = [s for s in (plan.scale("progress"), plan.scale("achievement")) if s]
    return {
        "plan": plan,
        "initiative": initiative,
        "values": [{"header": c.header, **column_cell(c, initiative)} for c in plan.table_columns],
        "years": [{"year": y, "cell": cells.get(y), "evaluation": evaluations.get(y)} for y in years],
        "published": published,
        "latest": published[-1]["evaluation"] if published else None,
        "carried_into": [n for n in initiative.carried_into.all() if can_see_drafts or not n.plan.is_draft],
        "stages": plan.roadmap_stages,
        "scales": [
            {"role": s.role, "name": s.name, "description": s.description, "words": s.words_in_order}
            for s in scales
        ],
    }


def plan_overview(request, ordinal):
    """The plan's initiatives for citizens, filtered by goal, by the plan's mark and choice columns and by the
    published progress (a GET form, without JavaScript), with the count behind each choice."""
    plan = _plan(request, ordinal)
    initiatives = list(Initiative.objects.for_plan_table(plan))
    context = {"plan": plan, **overview(plan, initiatives, request.GET)}
    return render(request, "initiatives/overview.html", context)


def download(request, ordinal, fmt):
    """The plan as open data, without login: the plan document is public. From the cache while nothing in
    the plan changes."""
    plan = _plan(request, ordinal)
    body = cached("open_data", [plan.pk, fmt], lambda: _open_data(plan, fmt))
    if fmt == "json":
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Access-Control-Allow-Origin"] = "*"
        response["Link"] = f'<{schema_url("plan-v1")}>; rel="describedby"'
        return response
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else XLSX_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.ordinal}.{fmt}"'
    return response


def _open_data(plan, fmt):
    prefetch_related_objects([plan], "goals", "references", "management_steps")
    initiatives = Initiative.objects.for_plan_table(plan)
    if fmt == "json":
        # "schema" names the JSON Schema the document follows; added after the other keys were published.
        data = {"schema": schema_url("plan-v1"), **plan_to_dict(plan, initiatives)}
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "csv":
        return plan_to_csv(plan, initiatives).encode("utf-8")
    return write_plan_workbook(plan, initiatives)

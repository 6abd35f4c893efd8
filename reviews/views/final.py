"""The final evaluation of a plan as a page and a workbook, and the start of the next plan's draft."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from reviews import report_files, roles
from reviews.forms import NextPlanForm
from reviews.models import ReviewCycle
from reviews.next_plan import (
    NextPlanError,
    RefusedChoice,
    can_start_next_plan,
    carry_options,
    lineage,
    refuse_unless_startable,
    start_next_plan,
    successor,
)
from reviews.reports import final_table, plans_with_final_table
from workbooks import XLSX_CONTENT_TYPE


def _plan_with_final_table(request, ordinal):
    roles.require(request, roles.can_read(request.user), "read final evaluation")
    plan = plans_with_final_table().filter(ordinal=ordinal).first()
    if plan is None:
        raise Http404(_("この計画には最終評価の表がありません。"))
    return plan


@login_required
@require_GET
def final_table_page(request, ordinal):
    plan = _plan_with_final_table(request, ordinal)
    report = final_table(plan)
    rows = [
        {
            **row,
            # The plan's words, in the reader's language where the catalogue knows them (plan/words.py).
            "target_label": _(row["target_stage"]) if row["target_stage"] else "",
            "achievement_label": _(row["achievement"]) if row["achievement"] else "",
            "direction_label": _(row["direction"]) if row["direction"] else "",
        }
        for row in report["rows"]
    ]
    successor_plan = successor(plan)
    context = {
        "plan": plan,
        "year": plan.last_fiscal_year,
        "rows": rows,
        "missing": [r["number"] for r in rows if not r["achievement"]],
        "cycle": ReviewCycle.objects.filter(plan=plan, fiscal_year=plan.last_fiscal_year).first(),
        "successor": successor_plan,
        "lineage": lineage(plan),
        "can_start": roles.is_admin(request.user) and can_start_next_plan(successor_plan, report),
        "rating_names": plan.rating_names,
    }
    return render(request, "reviews/final_table.html", context)


@login_required
@require_GET
def final_table_xlsx(request, ordinal):
    plan = _plan_with_final_table(request, ordinal)
    response = HttpResponse(
        report_files.final_workbook(plan, final_table(plan)), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"{plan.title}_最終評価_{plan.last_fiscal_year}.xlsx"
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def start_next_plan_view(request, ordinal):
    """GET: every initiative with its 今後の方向性, to choose what the draft carries on; POST: start it."""
    roles.require(request, roles.is_admin(request.user), "start the next plan")
    plan = _plan_with_final_table(request, ordinal)
    if request.method == "POST":
        return _start_next_plan(request, plan)
    options = carry_options(plan)
    try:
        refuse_unless_startable(plan, options)
    except NextPlanError as exc:
        messages.error(request, str(exc))
        return redirect("reviews:final_table", plan.ordinal)
    scale = plan.scale("direction")
    context = {
        "plan": plan,
        "options": options,
        "rating_names": plan.rating_names,
        # The plan's words, in the reader's language where the catalogue knows them (plan/words.py).
        "carrying_words": [_(w.word) for w in scale.words_in_order if w.carries_on] if scale else [],
    }
    return render(request, "reviews/next_plan.html", context)


def _start_next_plan(request, plan):
    form = NextPlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["carry"]))
        return redirect("reviews:start_next_plan", plan.ordinal)
    try:
        started = start_next_plan(plan, request.user, form.cleaned_data["carry"])
    except RefusedChoice as exc:
        messages.error(request, str(exc))
        return redirect("reviews:start_next_plan", plan.ordinal)
    except NextPlanError as exc:
        messages.error(request, str(exc))
        return redirect("reviews:final_table", plan.ordinal)
    messages.success(
        request,
        _("「%(title)s」を作成し、個別計画%(count)d件を引き継ぎました。")
        % {"title": started.draft.title, "count": len(started.carried)},
    )
    if started.left_out:
        messages.info(
            request,
            _("引き継がなかった個別計画（%(count)d件）: %(items)s")
            % {
                "count": len(started.left_out),
                "items": "、".join(o.describe(_) for o in started.left_out),
            },
        )
    return redirect("initiatives:plan_table", started.draft.ordinal)

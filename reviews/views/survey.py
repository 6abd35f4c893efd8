"""The survey as a whole: its schedule, and each of its steps shown before it is taken (what will happen, what
is missing, what becomes public) and then confirmed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit.models import AuditKind
from audit.trail import record
from initiatives.models import Department, RoadmapCell
from reviews import roles, scales
from reviews.forms import CycleScheduleForm, CycleStepForm
from reviews.models import EntryState, ReviewCycle, StatusEntry


@login_required
@require_POST
def schedule(request, cycle_id):
    cycle = roles.get_cycle(request, cycle_id)
    roles.require(request, roles.can_schedule(request.user), "survey schedule")
    form = CycleScheduleForm(request.POST, instance=ReviewCycle.objects.get(pk=cycle.pk))
    if not form.is_valid():
        messages.error(request, _("日程を保存できませんでした。何も保存していません。"))
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("reviews:worklist", cycle.pk)
    if form.has_changed():
        form.save()
        detail = "、".join(
            f"{form.fields[n].label}: {form.cleaned_data[n] or '未定'}" for n in form.changed_data
        )
        record(AuditKind.CYCLE_STEP, user=request.user, obj=cycle, detail=f"日程の変更（{detail}）")
        messages.success(request, _("%(cycle)sの日程を保存しました。") % {"cycle": cycle.title})
    else:
        messages.info(request, _("変更がなかったので保存していません。"))
    return redirect("reviews:worklist", cycle.pk)


@login_required
@require_GET
def confirm_step(request, cycle_id, step):
    """What the step will do to this survey, with the form that takes it."""
    cycle = roles.get_cycle(request, cycle_id)
    if step not in ReviewCycle.TRANSITIONS:
        raise Http404(step)
    roles.require(request, roles.can_take(request.user, step), f"cycle step {step}")
    if step not in cycle.available_steps():
        messages.error(
            request,
            _("「%(state)s」の調査にはこの操作はできません。") % {"state": cycle.get_state_display()},
        )
        return redirect("reviews:worklist", cycle.pk)
    initial = {"step": step}
    if step in ("committee", "headquarters"):
        initial["date"] = getattr(cycle, f"{step}_planned_date")
    context = {
        "cycle": cycle,
        "step": step,
        "label": ReviewCycle.STEP_LABELS[step],
        "form": CycleStepForm(initial=initial),
        "needs_date": step in ("committee", "headquarters"),
        "needs_reason": step == "reopen",
        "to_state": ReviewCycle.TRANSITIONS[step][1].label,
        **_what_happens(cycle, step),
    }
    return render(request, "reviews/confirm_step.html", context)


def _what_happens(cycle, step):
    entries = StatusEntry.objects.filter(cycle=cycle)
    by_state = dict(entries.values_list("state").annotate(n=Count("id")).order_by())
    counts = [{"state": s, "label": s.label, "count": by_state.get(s.value, 0)} for s in EntryState]
    facts = {"counts": counts, "total": sum(by_state.values())}
    if step == "open":
        departments = Department.objects.filter(initiatives__plan=cycle.plan).distinct()
        facts["departments"] = departments.annotate(editors=Count("members", distinct=True)).order_by("name")
        facts["unassigned"] = entries.filter(initiative__department__isnull=True).count()
    if step == "compile":
        facts["unconfirmed"] = (
            entries.exclude(state=EntryState.CONFIRMED)
            .select_related("initiative", "initiative__department")
            .order_by("initiative__number")
        )
    if step in ("committee", "headquarters", "publish"):
        facts |= _attention(cycle, entries)
    return facts


def _attention(cycle, entries):
    """The late and contradicted entries the deliberation and the publication carry."""
    plan = cycle.plan
    planned = dict(
        RoadmapCell.objects.filter(initiative__plan=plan, fiscal_year=cycle.fiscal_year).values_list(
            "initiative_id", "stage"
        )
    )
    behind = scales.behind_word(plan)
    late, differing = [], []
    for entry in entries.select_related("initiative").order_by("initiative__number"):
        if behind and entry.progress == behind:
            late.append(entry)
        if scales.contradiction(plan, planned.get(entry.initiative_id), entry.stage_reached, entry.progress):
            differing.append(entry)
    return {"late": late, "differing": differing}

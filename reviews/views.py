from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from initiatives.models import RoadmapCell
from reviews import roles
from reviews.cycles import start_cycle, take_action
from reviews.entries import StaleEntry, changes_between, save_entry
from reviews.filters import WorklistFilter
from reviews.forms import CycleActionForm, CycleCreateForm, StatusEntryForm
from reviews.models import EntryState, Progress, ReviewCycle, StatusEntry, TransitionError
from reviews.tables import WorklistTable


@login_required
def cycle_list(request):
    roles.require(request, roles.can_read(request.user), "read reviews")
    cycles = ReviewCycle.objects.for_list().annotate(
        entry_count=Count("entries"), done_count=Count("entries", filter=Q(entries__state=EntryState.DONE))
    )
    context = {"cycles": cycles, "form": CycleCreateForm() if roles.is_admin(request.user) else None}
    return render(request, "reviews/cycle_list.html", context)


@login_required
@require_POST
def cycle_create(request):
    roles.require(request, roles.is_admin(request.user), "open a review cycle")
    form = CycleCreateForm(request.POST)
    if not form.is_valid():
        cycles = ReviewCycle.objects.for_list()
        return render(request, "reviews/cycle_list.html", {"cycles": cycles, "form": form}, status=400)
    cycle = start_cycle(form.cleaned_data["plan"], form.cleaned_data["fiscal_year"], request.user)
    messages.success(request, _("%(cycle)sを作成しました（準備中）。") % {"cycle": cycle.title})
    return redirect("reviews:worklist", cycle.pk)


@login_required
def worklist(request, cycle_id):
    cycle = roles.get_cycle(request, cycle_id)
    entries = roles.entries_visible_to(request.user, StatusEntry.objects.for_worklist(cycle))
    counts = entries.aggregate(
        total=Count("id"),
        missing=Count("id", filter=~Q(state=EntryState.DONE)),
        empty=Count("id", filter=Q(state=EntryState.EMPTY)),
    )
    filterset = WorklistFilter(request.GET or None, queryset=entries, cycle=cycle)
    table = WorklistTable(filterset.qs, cycle=cycle, next_url=request.get_full_path())
    RequestConfig(request, paginate=False).configure(table)
    context = {
        "cycle": cycle,
        "table": table,
        "filter": filterset,
        "counts": counts,
        "shown": len(table.rows),
        "actions": [
            {"name": a, "label": ReviewCycle.ACTION_LABELS[a], "form": CycleActionForm(initial={"action": a})}
            for a in cycle.available_actions()
            if roles.can_take(request.user, a)
        ],
        "events": cycle.events.select_related("user"),
        "can_use_workbooks": roles.can_record_all(request.user) or bool(roles.department_ids(request.user)),
    }
    return render(request, "reviews/worklist.html", context)


@login_required
@require_POST
def cycle_action(request, cycle_id):
    cycle = roles.get_cycle(request, cycle_id)
    form = CycleActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("操作を受け付けられませんでした。"))
        return redirect("reviews:worklist", cycle.pk)
    action = form.cleaned_data["action"]
    roles.require(request, roles.can_take(request.user, action), f"cycle action {action}")
    try:
        cycle = take_action(
            cycle,
            action,
            request.user,
            reason=form.cleaned_data["reason"],
            date=form.cleaned_data["date"],
            comment=form.cleaned_data["comment"],
        )
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(cycle)sを「%(state)s」にしました。")
            % {
                "cycle": cycle.title,
                "state": cycle.get_state_display(),
            },
        )
    return redirect("reviews:worklist", cycle.pk)


def _next_url(request, cycle):
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return reverse("reviews:worklist", args=[cycle.pk])


@login_required
def entry(request, cycle_id, number):
    cycle = roles.get_cycle(request, cycle_id)
    entry = roles.get_entry(request, cycle, number)
    can_edit = roles.can_edit_entry(request.user, entry)
    planned = RoadmapCell.objects.filter(initiative=entry.initiative, fiscal_year=cycle.fiscal_year).first()
    planned_stage = planned.stage if planned else ""
    form = StatusEntryForm(instance=entry) if can_edit else None
    conflict = None
    if request.method == "POST":
        roles.require(request, can_edit, "edit entry")
        form = StatusEntryForm(request.POST, instance=StatusEntry(pk=entry.pk))
        if form.is_valid():
            values = form.cleaned_values()
            if not values["progress"]:
                proposed = Progress.propose(planned_stage, values["stage_reached"])
                values["progress"] = proposed or ""
            try:
                saved, changes = save_entry(
                    entry, values, request.user, form.cleaned_data["based_on_version"]
                )
            except StaleEntry as stale:
                conflict = stale
                # Keep what the user typed; the next save is knowingly over the other person's version.
                data = request.POST.copy()
                data["based_on_version"] = stale.current.version
                form = StatusEntryForm(data, instance=StatusEntry(pk=entry.pk))
                form.is_valid()
                entry = stale.current
            else:
                if changes:
                    messages.success(
                        request,
                        _("項番 %(number)d「%(name)s」を保存しました。")
                        % {
                            "number": saved.initiative.number,
                            "name": saved.initiative.name,
                        },
                    )
                else:
                    messages.info(request, _("変更がなかったので保存していません。"))
                return redirect(_next_url(request, cycle))
    context = {
        "cycle": cycle,
        "entry": entry,
        "initiative": entry.initiative,
        "planned": planned,
        "proposed_progress": Progress.propose(planned_stage, entry.stage_reached),
        "form": form,
        "conflict": conflict,
        "history": entry_history(entry),
        "next": _next_url(request, cycle),
    }
    return render(request, "reviews/entry.html", context, status=409 if conflict else 200)


def entry_history(entry):
    """Every saved version, newest first, each with what it changed against the one before."""
    records = list(entry.history.select_related("history_user").order_by("history_date", "history_id"))
    rows, previous = [], StatusEntry()
    for record in records:
        rows.append({"record": record, "changes": changes_between(previous, record)})
        previous = record
    return list(reversed(rows))

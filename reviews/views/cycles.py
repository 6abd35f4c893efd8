from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_tables2 import RequestConfig

from background import jobs
from caching.pages import PUBLIC, SURVEY, cached
from initiatives import staging
from initiatives.models import Indicator, RoadmapCell
from plan.paging import page_number, page_of
from reviews import last_year, roles, scales, survey_workbooks, tasks, workflow
from reviews.cycles import start_cycle, take_step
from reviews.entries import EntryLocked, StaleEntry, entry_history, merge_actuals, save_entry
from reviews.filters import WorklistFilter
from reviews.forms import (
    CycleCreateForm,
    CycleScheduleForm,
    CycleStepForm,
    StatusEntryForm,
    SurveyConfirmForm,
    SurveyUploadForm,
)
from reviews.models import EntryState, Publication, ReviewCycle, StatusEntry, TransitionError
from reviews.reports import cycle_report, plans_with_final_table
from reviews.tables import WorklistTable
from workbooks import XLSX_CONTENT_TYPE, WorkbookError


def _cycle_list(request, form=None, status=200):
    cycles = ReviewCycle.objects.for_list().annotate(
        entry_count=Count("entries"),
        done_count=Count("entries", filter=Q(entries__state=EntryState.CONFIRMED)),
    )
    context = {
        "cycles": cycles,
        "form": form or (CycleCreateForm() if roles.is_admin(request.user) else None),
        "can_read_all": roles.can_read_all(request.user),
        "final_plans": list(plans_with_final_table().order_by("-ordinal")),
    }
    return render(request, "reviews/cycle_list.html", context, status=status)


@login_required
def cycle_list(request):
    if not roles.can_read(request.user):
        # Where log-in leads: a user without any role (a directory user whose groups give none) is told why
        # there is nothing here for them, rather than shown the general refusal.
        roles.note_refusal(request, "read reviews")
        context = {"roles_from_directory": bool(settings.LDAP_ROLE_GROUPS)}
        return render(request, "reviews/no_role.html", context, status=403)
    return _cycle_list(request)


@login_required
@require_POST
def cycle_create(request):
    roles.require(request, roles.is_admin(request.user), "open a review cycle")
    form = CycleCreateForm(request.POST)
    if not form.is_valid():
        return _cycle_list(request, form, status=400)
    try:
        cycle = start_cycle(form.cleaned_data["plan"], form.cleaned_data["fiscal_year"], request.user)
    except TransitionError as exc:
        form.add_error("fiscal_year", str(exc))
        return _cycle_list(request, form, status=400)
    messages.success(request, _("%(cycle)sを作成しました（準備中）。") % {"cycle": cycle.title})
    return redirect("reviews:worklist", cycle.pk)


@login_required
def worklist(request, cycle_id):
    cycle = roles.get_cycle(request, cycle_id)
    # The list shows no long text: the entries' and initiatives' are left in the database.
    listed = StatusEntry.objects.for_worklist(cycle).defer(
        "actions", "issues", "kpi_actuals", "initiative__description", "initiative__column_values"
    )
    entries = roles.entries_visible_to(request.user, listed)
    counts = entries.aggregate(
        total=Count("id"),
        missing=Count("id", filter=Q(state__in=EntryState.open_states())),
        empty=Count("id", filter=Q(state=EntryState.EMPTY)),
        submitted=Count("id", filter=Q(state=EntryState.SUBMITTED)),
        confirmed=Count("id", filter=Q(state=EntryState.CONFIRMED)),
        returned=Count("id", filter=Q(state=EntryState.RETURNED)),
    )
    counts["overdue"] = counts["missing"] if cycle.is_overdue() else 0
    filterset = WorklistFilter(request.GET or None, queryset=entries, cycle=cycle)
    table = WorklistTable(filterset.qs, cycle=cycle, next_url=request.get_full_path())
    RequestConfig(request, paginate={"per_page": settings.WORKLIST_PER_PAGE}).configure(table)
    context = {
        "cycle": cycle,
        "table": table,
        "filter": filterset,
        "counts": counts,
        "shown": len(table.rows),
        "steps": [
            {"name": s, "label": ReviewCycle.STEP_LABELS[s]}
            for s in cycle.available_steps()
            if roles.can_take(request.user, s)
        ],
        "schedule_form": CycleScheduleForm(instance=cycle) if roles.can_schedule(request.user) else None,
        "events": cycle.events.select_related("user"),
        "can_use_workbooks": roles.can_record_all(request.user) or bool(roles.department_ids(request.user)),
        "can_read_all": roles.can_read_all(request.user),
        "workbook_form": SurveyUploadForm(departments=roles.usable_departments(request.user, cycle.plan)),
    }
    return render(request, "reviews/worklist.html", context)


@login_required
@require_POST
def cycle_step(request, cycle_id):
    cycle = roles.get_cycle(request, cycle_id)
    roles.require(
        request, any(roles.can_take(request.user, s) for s in ReviewCycle.TRANSITIONS), "cycle steps"
    )
    form = CycleStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("操作を受け付けられませんでした。"))
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("reviews:worklist", cycle.pk)
    step = form.cleaned_data["step"]
    roles.require(request, roles.can_take(request.user, step), f"cycle step {step}")
    if step == "publish":
        # Making the report's files takes long for a large plan: the task worker publishes, once the step
        # is one the cycle can take now (it checks again when it runs).
        try:
            cycle.next_state(step)
        except TransitionError as exc:
            messages.error(request, str(exc))
            return redirect("reviews:worklist", cycle.pk)
        job = jobs.start(
            tasks.publish_cycle,
            key=f"publish:{cycle.pk}",
            label=gettext_noop("%(cycle)sの公開"),
            text_args={"cycle": cycle.title},
            user=request.user,
            args=(cycle.pk, request.user.pk),
        )
        return redirect("background:job", job.pk)
    try:
        cycle = take_step(
            cycle,
            step,
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


def _locked_message(cycle):
    return _("この調査は「%(state)s」のため、保存できませんでした。何も保存していません。") % {
        "state": cycle.get_state_display()
    }


def _submit_saved(request, saved):
    """「保存して提出する」: the version just saved is handed in, or the clerk is told why it cannot be yet."""
    if saved.state == EntryState.SUBMITTED:
        return  # nothing changed since it was handed in
    try:
        workflow.take(saved, workflow.Kind.SUBMIT, request.user, saved.version)
    except workflow.StepRefused as refused:
        messages.error(request, _("保存しましたが、提出していません。%(reason)s") % {"reason": refused})
    except EntryLocked as locked:
        messages.error(request, _locked_message(locked.cycle))
    else:
        messages.success(
            request,
            _("項番 %(number)d を提出しました。情報管理課が確認します。")
            % {"number": saved.initiative.number},
        )


@login_required
def entry(request, cycle_id, number):
    cycle = roles.get_cycle(request, cycle_id)
    entry = roles.get_entry(request, cycle, number)
    can_edit = roles.can_edit_entry(request.user, entry)
    planned = RoadmapCell.objects.filter(initiative=entry.initiative, fiscal_year=cycle.fiscal_year).first()
    planned_stage = planned.stage if planned else ""
    plan = cycle.plan
    indicators = list(Indicator.objects.filter(initiative=entry.initiative).prefetch_related("targets"))
    current = {name: getattr(entry, name) for name in StatusEntry.EDITABLE_FIELDS}
    rate = scales.kpi_rate(indicators, cycle.fiscal_year, entry.kpi_actuals)
    proposals = scales.proposals(plan, current, planned_stage, rate)
    form_options = {
        "plan": plan,
        "proposals": proposals,
        "indicators": indicators,
        "fiscal_year": cycle.fiscal_year,
    }
    previous = last_year.previous_entry(entry)
    form = None
    if can_edit:
        initial = {}
        if previous and request.GET.get("start") == "previous":
            # Last year's words and texts in the form, for the clerk to update; nothing is saved until they do.
            initial = {n: getattr(previous, n) for n in last_year.CARRIED_FIELDS}
            messages.info(
                request,
                _(
                    "前年度の内容を入れました。まだ保存していません。今年度の内容に直してから保存してください。"
                ),
            )
        form = StatusEntryForm(instance=entry, initial=initial, **form_options)
    conflict = None
    if request.method == "POST":
        if not entry.cycle.entries_editable and roles.can_record(request.user, entry):
            # Compiled while the form was open: the clerk is told so, not that they lack the right.
            messages.error(request, _locked_message(entry.cycle))
            return redirect(_next_url(request, cycle))
        roles.require(request, can_edit, "edit entry")
        form = StatusEntryForm(request.POST, instance=StatusEntry(pk=entry.pk), **form_options)
        if form.is_valid():
            values = form.cleaned_values()
            actuals = merge_actuals(entry.kpi_actuals, values["kpi_actuals"])
            filled = scales.fill_in(
                plan, values, planned_stage, scales.kpi_rate(indicators, cycle.fiscal_year, actuals)
            )
            differs = scales.contradiction(plan, planned_stage, values["stage_reached"], values["progress"])
            # A word the clerk chose against the roadmap needs their reason; one proposed from the KPIs'
            # achievement rate has its measurement as the reason (the flag still shows).
            if differs and "progress" not in filled and not values["progress_reason"].strip():
                form.add_error(
                    "progress_reason",
                    _(
                        "%(progress)sは「%(given)s」ですが、実施状況「%(reached)s」は年次計画では「%(roadmap)s」にあたります（自己評価と年次計画の差）。理由を入力してください。"
                    )
                    % {
                        "progress": plan.rating_names["progress"],
                        "given": gettext(differs["given"]),
                        "reached": gettext(values["stage_reached"]),
                        "roadmap": gettext(differs["roadmap"]),
                    },
                )
        if form.is_valid():
            try:
                saved, changes = save_entry(
                    entry, values, request.user, form.cleaned_data["based_on_version"]
                )
            except EntryLocked as locked:
                messages.error(request, _locked_message(locked.cycle))
                return redirect(_next_url(request, cycle))
            except StaleEntry as stale:
                conflict = stale
                # Keep what the user typed; the next save is knowingly over the other person's version.
                data = request.POST.copy()
                data["based_on_version"] = stale.current.version
                form = StatusEntryForm(
                    data, instance=StatusEntry(pk=entry.pk), plan=plan, proposals=proposals
                )
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
                if "and_submit" in request.POST:
                    _submit_saved(request, saved)
                return redirect(_next_url(request, cycle))
    events = list(entry.events.select_related("user"))
    context = {
        "cycle": cycle,
        "entry": entry,
        "initiative": entry.initiative,
        "planned": planned,
        "previous": previous,
        "contradiction": scales.contradiction(plan, planned_stage, entry.stage_reached, entry.progress),
        "steps": workflow.step_forms(request.user, entry),
        "entry_events": events,
        "returned": next((e for e in reversed(events) if e.kind == "return"), None)
        if entry.state == EntryState.RETURNED
        else None,
        "is_overdue": cycle.is_overdue() and entry.state in EntryState.open_states(),
        "rating_names": plan.rating_names,
        "indicator_rows": scales.indicator_rows(indicators, cycle.fiscal_year, entry.kpi_actuals),
        "form": form,
        "conflict": conflict,
        "history": entry_history(entry),
        "next": _next_url(request, cycle),
    }
    return render(request, "reviews/entry.html", context, status=409 if conflict else 200)


# --- Survey workbooks (調査票) for departments: download, upload and preview, confirm ---------------------


@login_required
@require_GET
def workbook_download(request, cycle_id, department_id):
    cycle = roles.get_cycle(request, cycle_id)
    department = roles.get_department(request, cycle, department_id)
    entries = StatusEntry.objects.for_worklist(cycle).filter(initiative__department=department)
    response = HttpResponse(
        survey_workbooks.write_survey_workbook(cycle, department, entries), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = content_disposition_header(
        True, survey_workbooks.file_name(cycle, department)
    )
    return response


def _refuse_when_locked(request, cycle):
    if cycle.entries_editable:
        return None
    messages.error(
        request,
        _("この調査は「%(state)s」のため、調査票を取り込めません。何も保存していません。")
        % {"state": cycle.get_state_display()},
    )
    return redirect("reviews:worklist", cycle.pk)


@login_required
@require_POST
def workbook_upload(request, cycle_id):
    cycle = roles.get_cycle(request, cycle_id)
    form = SurveyUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("担当課と、記入した調査票のファイルを選んでください。"))
        return redirect("reviews:worklist", cycle.pk)
    department = roles.get_department(request, cycle, form.cleaned_data["department"])
    if refused := _refuse_when_locked(request, cycle):
        return refused
    upload = form.cleaned_data["file"]
    # One byte over the limit is enough for the file checks to refuse it, with their own message.
    data = upload.read(settings.SPREADSHEET_MAX_BYTES + 1)
    context = {"cycle": cycle, "department": department, "file_name": upload.name}
    try:
        rows = survey_workbooks.read_survey_workbook(data, cycle, department)
    except WorkbookError as exc:
        return render(
            request, "reviews/workbook_preview.html", {**context, "errors": exc.messages}, status=400
        )
    changed = [r.number for r in rows if r.status == survey_workbooks.RowStatus.CHANGED]
    confirm = None
    if changed:
        confirm = SurveyConfirmForm(
            initial={
                "department": department.pk,
                "token": staging.stage(data, request.user, "survey"),
                "file_name": upload.name[:255],
                "numbers": ",".join(map(str, changed)),
            }
        )
    context |= {"rows": rows, "summary": survey_workbooks.summary(rows), "confirm_form": confirm}
    return render(request, "reviews/workbook_preview.html", context)


@login_required
@require_POST
def workbook_confirm(request, cycle_id):
    cycle = roles.get_cycle(request, cycle_id)
    form = SurveyConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("取込の確認に必要な情報が正しくありません。もう一度ファイルを選んでください。")
        )
        return redirect("reviews:worklist", cycle.pk)
    department = roles.get_department(request, cycle, form.cleaned_data["department"])
    token = form.cleaned_data["token"]
    if refused := _refuse_when_locked(request, cycle):
        staging.discard(token, request.user, "survey")
        return refused
    data = staging.fetch(token, request.user, "survey")
    if data is None:
        messages.error(
            request,
            _("確認待ちのファイルが見つかりません（期限切れか取込済み）。もう一度ファイルを選んでください。"),
        )
        return redirect("reviews:worklist", cycle.pk)
    try:
        rows = survey_workbooks.read_survey_workbook(data, cycle, department)
        written = survey_workbooks.apply_survey(
            cycle,
            department,
            rows,
            form.cleaned_data["numbers"],
            request.user,
            form.cleaned_data["file_name"],
        )
    except WorkbookError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("reviews:worklist", cycle.pk)
    except EntryLocked:
        messages.error(
            request,
            _("この調査は取りまとめ済みになったため、調査票を取り込めませんでした。何も保存していません。"),
        )
        return redirect("reviews:worklist", cycle.pk)
    except StaleEntry as stale:
        messages.error(
            request,
            _(
                "確認画面を表示した後に、項番 %(number)d がほかの人によって保存されました。何も保存していません。もう一度調査票をアップロードしてください。"
            )
            % {"number": stale.current.initiative.number},
        )
        return redirect("reviews:worklist", cycle.pk)
    finally:
        staging.discard(token, request.user, "survey")
    messages.success(
        request,
        _("%(department)sの調査票を取り込み、%(count)d件の入力を保存しました。")
        % {"department": department.name, "count": len(written)},
    )
    if form.cleaned_data["submit"]:
        _submit_imported(request, cycle, written)
    return redirect("reviews:worklist", cycle.pk)


def _submit_imported(request, cycle, written):
    """Hand in what the workbook completed; say which were not, and why."""
    submitted, left = [], []
    entries = StatusEntry.objects.filter(cycle=cycle, pk__in=[r.entry.pk for r in written]).select_related(
        "initiative"
    )
    for entry in entries.order_by("initiative__number"):
        if entry.state == EntryState.SUBMITTED:
            continue
        try:
            workflow.take(entry, workflow.Kind.SUBMIT, request.user, entry.version)
        except (workflow.StepRefused, EntryLocked):
            left.append(str(entry.initiative.number))
        else:
            submitted.append(str(entry.initiative.number))
    if submitted:
        messages.success(request, _("項番 %(numbers)s を提出しました。") % {"numbers": "、".join(submitted)})
    if left:
        messages.warning(
            request,
            _("項番 %(numbers)s は必要な項目がそろっていないため、提出していません。")
            % {"numbers": "、".join(left)},
        )


# --- The annual progress report --------------------------------------------------------------------------


@login_required
def report(request, cycle_id):
    cycle = roles.get_cycle(request, cycle_id)
    roles.require(request, roles.can_read_all(request.user), "read report")
    publication = Publication.objects.filter(cycle=cycle).defer("report", "open_data").first()
    number = page_number(request)

    def make():
        report = cycle_report(cycle)
        page = page_of(report["rows"], settings.REPORT_PER_PAGE, number)
        context = {"cycle": cycle, "report": report, "publication": publication, "page_obj": page}
        return {
            "title": report["title"],
            "body": render_to_string("reviews/partials/report_page.html", context, request=request),
        }

    # The same for every reader (those who read every entry): from the cache while nothing changes.
    made = cached("report", [cycle.pk, number, bool(publication)], make, scopes=(PUBLIC, SURVEY))
    context = {"cycle": cycle, "title": made["title"], "body": mark_safe(made["body"])}
    return render(request, "reviews/report.html", context)


@login_required
@require_GET
def report_file(request, cycle_id, fmt):
    """The report as a file, made by the task worker: the page of its job, where the file appears when made.
    Asking again while it is being made shows the same job."""
    cycle = roles.get_cycle(request, cycle_id)
    roles.require(request, roles.can_read_all(request.user), "download report")
    job = jobs.start(
        tasks.make_report_file,
        key=f"report:{cycle.pk}:{fmt}",
        label=gettext_noop("%(cycle)s 進捗状況報告（%(format)s）の作成"),
        text_args={"cycle": cycle.title, "format": tasks.REPORT_FILES[fmt]},
        user=request.user,
        args=(cycle.pk, fmt),
    )
    return redirect("background:job", job.pk)

"""The final evaluation of a plan, and the draft of the plan that follows it.

In a plan's last fiscal year the 本部会議 deliberates the last survey; its result is the table the next plan
prints in its chapter 2 (第2章 4 (2): 項番, 項目, 内容, 取組目標, 令和N年度までの取組内容, 達成状況, 今後の方向性).
Every deliberated survey is kept as the initiatives' Evaluation rows of its fiscal year, the structure that
holds the fourth plan's FY2021 results as the document prints them. From the last year's table an
administrator starts the next plan's draft: what goes on (継続, 拡充) becomes its initiatives.
"""

import logging
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from audit.models import AuditAction
from audit.trail import record
from initiatives.models import Achievement, Direction, Evaluation, Initiative, Stage
from initiatives.spreadsheet import (
    CENTER,
    HEADER_FILL,
    WRAP,
    XLSX_CONTENT_TYPE,
    print_a4_landscape,
    workbook_bytes,
    write_cell,
)
from plan.eras import fiscal_year_label
from plan.models import Plan
from reviews import roles
from reviews.models import ReviewCycle, StatusEntry
from reviews.reports import final_table

logger = logging.getLogger("reviews.final")

# --- Recording the deliberated result ---------------------------------------------------------------------


# An entry without 達成状況 or 今後の方向性 cannot become an evaluation.
INCOMPLETE = Q(achievement="") | Q(direction="")


def unrecorded_numbers(cycle):
    """項番 of the cycle's entries that are left out of the year's evaluations."""
    entries = StatusEntry.objects.filter(cycle=cycle).filter(INCOMPLETE)
    return list(entries.order_by("initiative__number").values_list("initiative__number", flat=True))


EVALUATED_FIELDS = ["actions", "achievement", "direction"]


def record_evaluations(cycle, user=None):
    """The result is published: each complete entry becomes its initiative's evaluation of the year.

    Recording again overwrites them. An incomplete entry is left out, and an earlier
    evaluation of its initiative stays as it was: nothing deliberated is deleted here.
    Each evaluation written or changed leaves a line in its history, by `user`.
    """
    entries = StatusEntry.objects.filter(cycle=cycle).exclude(INCOMPLETE)
    stored = {
        e.initiative_id: e
        for e in Evaluation.objects.filter(initiative__plan=cycle.plan, fiscal_year=cycle.fiscal_year)
    }
    new, changed = [], []
    for entry in entries:
        evaluation = stored.get(entry.initiative_id) or Evaluation(
            initiative_id=entry.initiative_id, fiscal_year=cycle.fiscal_year
        )
        values = {name: getattr(entry, name) for name in EVALUATED_FIELDS}
        if evaluation.pk is None:
            new.append(evaluation)
        elif any(getattr(evaluation, name) != value for name, value in values.items()):
            changed.append(evaluation)
        for name, value in values.items():
            setattr(evaluation, name, value)
    reason = _("%(cycle)sの公開") % {"cycle": cycle.title}
    # The publish step holds the cycle's row lock, so no other writer races these rows.
    bulk_create_with_history(new, Evaluation, default_user=user, default_change_reason=reason)
    bulk_update_with_history(
        changed, Evaluation, EVALUATED_FIELDS, default_user=user, default_change_reason=reason
    )
    return len(new) + len(changed)


def warn_unrecorded(request, cycle):
    """After publication: tell the administrator which items did not become evaluations."""
    numbers = unrecorded_numbers(cycle)
    if numbers:
        messages.warning(
            request,
            _(
                "項番 %(numbers)s は達成状況または今後の方向性が未入力のため、%(year)sの評価として記録していません。"
                "公開した報告には未入力として載っています。"
            )
            % {"numbers": "、".join(map(str, numbers)), "year": fiscal_year_label(cycle.fiscal_year)},
        )


# --- The final table as a page and a workbook ---------------------------------------------------------------


def caption(plan):
    """The document's heading of the table: 第四次東大和市情報化推進計画における取組状況と今後の方向性."""
    return f"{plan.title}における取組状況と今後の方向性"


def plans_with_final_table():
    """Plans whose last fiscal year is known and which have initiatives: each has a final table."""
    return Plan.objects.filter(last_fiscal_year__isnull=False, initiatives__isnull=False).distinct()


def _plan_with_final_table(request, ordinal):
    roles.require(request, roles.can_read(request.user), "read final evaluation")
    plan = plans_with_final_table().filter(ordinal=ordinal).first()
    if plan is None:
        raise Http404(_("この計画には最終評価の表がありません。"))
    return plan


def _label(choices, value):
    return choices(value).label if value else ""


def _successor(plan):
    return Plan.objects.filter(predecessor=plan).first()


def _lineage(plan):
    """Each initiative with what it continues and what continues it, for the rows that have either."""
    linked = Initiative.objects.select_related("plan").order_by("plan__ordinal", "number")
    initiatives = Initiative.objects.for_plan(plan).prefetch_related(
        Prefetch("carried_from", queryset=linked), Prefetch("carried_into", queryset=linked)
    )
    return [i for i in initiatives if i.carried_from.all() or i.carried_into.all()]


def can_start_next_plan(successor, report):
    return successor is None and any(r["achievement"] for r in report["rows"])


@login_required
@require_GET
def final_table_page(request, ordinal):
    plan = _plan_with_final_table(request, ordinal)
    report = final_table(plan)
    rows = [
        {
            **row,
            "target_label": _label(Stage, row["target_stage"]),
            "achievement_label": _label(Achievement, row["achievement"]),
            "direction_label": _label(Direction, row["direction"]),
        }
        for row in report["rows"]
    ]
    successor = _successor(plan)
    context = {
        "plan": plan,
        "year": plan.last_fiscal_year,
        "rows": rows,
        "missing": [r["number"] for r in rows if not r["achievement"]],
        "cycle": ReviewCycle.objects.filter(plan=plan, fiscal_year=plan.last_fiscal_year).first(),
        "successor": successor,
        "lineage": _lineage(plan),
        "can_start": roles.is_admin(request.user) and can_start_next_plan(successor, report),
        "carried_count": sum(1 for r in rows if r["direction"] and Direction(r["direction"]).carries_on),
    }
    return render(request, "reviews/final_table.html", context)


# The document's column widths, in the units of the plan workbook (initiatives/spreadsheet.py).
WIDTHS = [6, 28, 48, 9, 60, 10, 11]


def write_final_workbook(plan, report):
    """The final table as the next plan prints it, in the document's own Japanese words."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "最終評価"
    headers = report["headers"]
    title = sheet.cell(row=1, column=1, value=caption(plan))
    title.font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    header_row = 2
    for col, (text, width) in enumerate(zip(headers, WIDTHS, strict=True), start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
        cell = write_cell(sheet, header_row, col, text, CENTER)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for offset, row in enumerate(report["rows"], start=1):
        values = [
            row["number"],
            row["name"],
            row["description"],
            row["target_stage"],
            row["actions"],
            row["achievement"],
            row["direction"],
        ]
        for col, value in enumerate(values, start=1):
            centered = col in (1, 4, 6, 7)
            write_cell(sheet, header_row + offset, col, value, CENTER if centered else WRAP)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    print_a4_landscape(sheet)
    return workbook_bytes(workbook)


@login_required
@require_GET
def final_table_xlsx(request, ordinal):
    plan = _plan_with_final_table(request, ordinal)
    response = HttpResponse(write_final_workbook(plan, final_table(plan)), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{plan.title}_最終評価_{plan.last_fiscal_year}.xlsx"
    )
    return response


# --- Starting the next plan --------------------------------------------------------------------------------

KANJI_DIGITS = "〇一二三四五六七八九"
PLAN_ORDINAL = re.compile(r"^第[一二三四五六七八九十百]+次")


def kanji_number(number):
    """1 -> 一, 6 -> 六, 10 -> 十, 12 -> 十二, 20 -> 二十: the way the city numbers its plans (1–99)."""
    if not 1 <= number <= 99:
        raise ValueError(number)
    tens, ones = divmod(number, 10)
    prefix = "" if tens == 0 else ("十" if tens == 1 else KANJI_DIGITS[tens] + "十")
    return prefix + (KANJI_DIGITS[ones] if ones else "")


def next_plan_title(plan):
    """第五次東大和市情報化推進計画 -> 第六次東大和市情報化推進計画（案）."""
    ordinal = f"第{kanji_number(plan.ordinal + 1)}次"
    name = PLAN_ORDINAL.sub("", plan.title)
    return f"{ordinal}{name}（案）"


class NextPlanError(Exception):
    pass


def start_next_plan(plan, user):
    """The draft of the next plan: it starts the year after `plan` ends, and takes over every initiative
    whose final evaluation says it goes on (継続, 拡充), numbered 1.. in the order of their 項番.

    Its last year stays empty: the city decides the period when it adopts the plan.
    """
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        successor = _successor(plan)
        if successor is not None:
            raise NextPlanError(
                _("%(plan)sにはすでに次の計画「%(next)s」があります。二つ目は作成できません。")
                % {"plan": plan.title, "next": successor.title}
            )
        if Plan.objects.filter(ordinal=plan.ordinal + 1).exists():
            raise NextPlanError(
                _("第%(ordinal)d次の計画がすでに登録されています。") % {"ordinal": plan.ordinal + 1}
            )
        evaluations = list(
            Evaluation.objects.filter(initiative__plan=plan, fiscal_year=plan.last_fiscal_year)
            .select_related("initiative")
            .order_by("initiative__number")
        )
        if not evaluations:
            raise NextPlanError(
                _("%(year)sの評価がまだ記録されていないため、次の計画を作成できません。")
                % {"year": fiscal_year_label(plan.last_fiscal_year)}
            )
        try:
            draft = Plan.objects.create(
                ordinal=plan.ordinal + 1,
                title=next_plan_title(plan),
                first_fiscal_year=plan.last_fiscal_year + 1,
                last_fiscal_year=None,
                division=plan.division,
                predecessor=plan,
            )
        except IntegrityError:
            raise NextPlanError(
                _("ほかの人が同時に次の計画を作成しました。画面を開き直してください。")
            ) from None
        origins = [e.initiative for e in evaluations if Direction(e.direction).carries_on]
        created = bulk_create_with_history(
            [
                Initiative(
                    plan=draft,
                    number=number,
                    name=origin.name,
                    description=origin.description,
                    # The basic plan's section is kept: 第五次基本計画 runs on after the fifth plan ends.
                    basic_plan_section=origin.basic_plan_section,
                    public_private_data=origin.public_private_data,
                    municipal_dx=origin.municipal_dx,
                    department_id=origin.department_id,
                    is_new=False,
                )
                for number, origin in enumerate(origins, start=1)
            ],
            Initiative,
            default_user=user,
            default_change_reason=_("次期計画（案）の作成"),
        )
        links = Initiative.carried_from.through
        links.objects.bulk_create(
            [
                links(from_initiative_id=new.pk, to_initiative_id=origin.pk)
                for new, origin in zip(created, origins, strict=True)
            ]
        )
        record(
            AuditAction.NEXT_PLAN,
            user=user,
            obj=draft,
            detail=f"{plan.title}から、継続・拡充の個別計画{len(created)}件を引き継いで作成",
        )
    logger.info(
        "next plan started: user=%s plan=%s draft=%s initiatives=%d",
        user.get_username(),
        plan.ordinal,
        draft.ordinal,
        len(created),
    )
    return draft


@login_required
@require_POST
def start_next_plan_view(request, ordinal):
    roles.require(request, roles.is_admin(request.user), "start the next plan")
    plan = _plan_with_final_table(request, ordinal)
    try:
        draft = start_next_plan(plan, request.user)
    except NextPlanError as exc:
        messages.error(request, str(exc))
        return redirect("reviews:final_table", plan.ordinal)
    messages.success(
        request,
        _("「%(title)s」を作成し、継続・拡充の個別計画%(count)d件を引き継ぎました。")
        % {"title": draft.title, "count": draft.initiatives.count()},
    )
    return redirect("initiatives:plan_table", draft.ordinal)

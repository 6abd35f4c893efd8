"""Starting the draft of the plan that follows one: what goes on (継続, 拡充) becomes its initiatives.

In a plan's last fiscal year the 本部会議 deliberates the last survey; its result is the table the next plan
prints in its chapter 2. From that table an administrator starts the next plan's draft.
"""

import logging
import re

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from audit.models import AuditKind
from audit.trail import record
from caching import pages
from initiatives.models import Evaluation, Initiative
from plan.definitions import copy_definition
from plan.eras import fiscal_year_label
from plan.models import Plan

logger = logging.getLogger("reviews.next_plan")


def successor(plan):
    return Plan.objects.filter(predecessor=plan).first()


def lineage(plan):
    """Each initiative with what it continues and what continues it, for the rows that have either."""
    linked = Initiative.objects.select_related("plan").order_by("plan__ordinal", "number")
    initiatives = Initiative.objects.for_plan(plan).prefetch_related(
        Prefetch("carried_from", queryset=linked), Prefetch("carried_into", queryset=linked)
    )
    return [i for i in initiatives if i.carried_from.all() or i.carried_into.all()]


def can_start_next_plan(successor, report):
    return successor is None and any(r["achievement"] for r in report["rows"])


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
        successor_plan = successor(plan)
        if successor_plan is not None:
            raise NextPlanError(
                _("%(plan)sにはすでに次の計画「%(next)s」があります。二つ目は作成できません。")
                % {"plan": plan.title, "next": successor_plan.title}
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
        copy_definition(plan, draft)
        # The words of the plan's 今後の方向性 scale that carry an initiative on (継続, 拡充 in the fifth plan's).
        direction = plan.scale("direction")
        origins = [e.initiative for e in evaluations if direction and direction.carries_on(e.direction)]
        created = bulk_create_with_history(
            [
                Initiative(
                    plan=draft,
                    number=number,
                    name=origin.name,
                    description=origin.description,
                    # The values of the plan's own columns are kept with the definition copied above: the
                    # draft starts as a copy, and the administrator changes what differs.
                    column_values=dict(origin.column_values),
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
        pages.changed()  # bulk writes send no signal
        record(
            AuditKind.NEXT_PLAN,
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

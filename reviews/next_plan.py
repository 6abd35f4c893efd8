"""Starting the draft of the plan that follows one: the initiatives an administrator chooses to carry on.

In a plan's last fiscal year the 本部会議 deliberates the last survey; its result is the table the next plan
prints in its chapter 2. From that table an administrator starts the next plan's draft: every initiative is
listed with its 今後の方向性, those whose word carries on (継続, 拡充 in the fifth plan's scale) chosen at first.

Which words carry on is the plan's scale's data (RatingWord.carries_on). The scale says nothing else about
its words, but it is ordered from going on to ending, as the city words it (継続, 拡充, 見直し, 取組終了): so
its last word, unless it carries on, ends an initiative, and an initiative rated with it is not offered. Any
other word (見直し) leaves the choice to the administrator, not chosen at first.
"""

import logging
import re
from dataclasses import dataclass

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
    """The next plan cannot be started from this plan (it has one, or no final evaluation yet)."""


class RefusedChoice(NextPlanError):
    """The choice names an initiative that is not offered: nothing is created."""


@dataclass
class CarryOption:
    """One initiative of the plan as the next plan's draft may take it over."""

    initiative: Initiative
    direction: str  # the word of the last year's evaluation; "" without one
    offered: bool
    chosen: bool  # at first: its word carries on

    def describe(self, word=str):
        """項番 3（取組終了）: `word` puts the plan's word in the reader's language."""
        return _("項番 %(number)d（%(direction)s）") % {
            "number": self.initiative.number,
            "direction": word(self.direction) if self.direction else _("評価なし"),
        }


def ending_word(scale):
    """The word of the plan's 今後の方向性 that ends an initiative: the scale's last, unless it carries on."""
    words = scale.words_in_order if scale else []
    return words[-1].word if words and not words[-1].carries_on else None


def carry_options(plan):
    """Every initiative of the plan, in the order of its 項番, with its last year's 今後の方向性 and whether
    the next plan may take it over and takes it at first."""
    scale = plan.scale("direction")
    ending = ending_word(scale)
    directions = dict(
        Evaluation.objects.filter(initiative__plan=plan, fiscal_year=plan.last_fiscal_year).values_list(
            "initiative_id", "direction"
        )
    )
    options = []
    for initiative in Initiative.objects.for_plan(plan):
        direction = directions.get(initiative.pk, "")
        options.append(
            CarryOption(
                initiative=initiative,
                direction=direction,
                offered=not (direction and direction == ending),
                chosen=bool(scale and direction and scale.carries_on(direction)),
            )
        )
    return options


def refuse_unless_startable(plan, options):
    """Raise NextPlanError if the next plan cannot start from `plan` (options: its carry_options)."""
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
    if not any(o.direction for o in options):
        raise NextPlanError(
            _("%(year)sの評価がまだ記録されていないため、次の計画を作成できません。")
            % {"year": fiscal_year_label(plan.last_fiscal_year)}
        )


def _chosen_options(options, chosen):
    """The options chosen (ids of initiatives), in the order of their 項番; RefusedChoice if any is not
    offered or not the plan's."""
    if chosen is None:
        return [o for o in options if o.chosen]
    chosen = set(chosen)
    by_id = {o.initiative.pk: o for o in options}
    not_offered = [o for o in options if o.initiative.pk in chosen and not o.offered]
    foreign = chosen - set(by_id)
    problems = []
    if not_offered:
        problems.append(
            _("次の個別計画は今後の方向性により引き継げません: %(items)s。")
            % {"items": "、".join(o.describe(_) for o in not_offered)}
        )
    if foreign:
        problems.append(_("この計画の個別計画ではないものが選ばれています。"))
    if problems:
        raise RefusedChoice("".join([*problems, _("次の計画（案）は作成していません。")]))
    return [o for o in options if o.initiative.pk in chosen]


@dataclass
class NextPlanStarted:
    draft: Plan
    carried: list  # of CarryOption, in the order of the draft's numbers
    left_out: list  # of CarryOption: the plan's initiatives not carried


def start_next_plan(plan, user, chosen=None):
    """The draft of the next plan: it starts the year after `plan` ends, and takes over the chosen
    initiatives (ids; None for the ones whose word carries on), numbered 1.. in the order of their 項番.

    All or nothing: a choice of an initiative that is not offered creates nothing (RefusedChoice). Its last
    year stays empty: the city decides the period when it adopts the plan.
    """
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        options = carry_options(plan)
        refuse_unless_startable(plan, options)
        carried = _chosen_options(options, chosen)
        carried_ids = {o.initiative.pk for o in carried}
        left_out = [o for o in options if o.initiative.pk not in carried_ids]
        origins = [o.initiative for o in carried]
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
        # The trail keeps the plan's own words, whatever the administrator's language.
        detail = f"{plan.title}から、個別計画{len(created)}件を引き継いで作成"
        if left_out:
            detail += "。引き継がなかった個別計画: " + "、".join(
                f"項番 {o.initiative.number}（{o.direction or '評価なし'}）" for o in left_out
            )
        record(AuditKind.NEXT_PLAN, user=user, obj=draft, detail=detail)
    logger.info(
        "next plan started: user=%s plan=%s draft=%s initiatives=%d left_out=%s",
        user.get_username(),
        plan.ordinal,
        draft.ordinal,
        len(created),
        ",".join(str(o.initiative.number) for o in left_out) or "-",
    )
    return NextPlanStarted(draft, carried, left_out)

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from plan.fields import LimitedTextField
from plan.models import Goal, Plan


class Department(models.Model):
    """担当課: the department that owns an initiative. The plan document names none."""

    name = models.CharField(_("課名"), max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("所属する利用者"),
        related_name="departments",
        blank=True,
        help_text=_("担当課の入力者は、所属する課の個別計画だけを入力できます。"),
    )

    class Meta:
        verbose_name = _("担当課")
        verbose_name_plural = _("担当課")
        ordering = ["name"]

    def __str__(self):
        return self.name


class InitiativeQuerySet(models.QuerySet):
    def for_plan(self, plan):
        return self.filter(plan=plan).order_by("number")

    def for_plan_table(self, plan):
        """Everything the plan table, its exports and the open-data JSON show, in a fixed number of queries."""
        return (
            self.for_plan(plan)
            .select_related("department", "plan")
            .prefetch_related(
                Prefetch("goals", queryset=Goal.objects.order_by("order")),
                Prefetch("roadmap", queryset=RoadmapCell.objects.order_by("fiscal_year")),
                Prefetch("evaluations", queryset=Evaluation.objects.order_by("fiscal_year")),
                Prefetch(
                    "indicators",
                    queryset=Indicator.objects.order_by("position", "pk").prefetch_related(
                        Prefetch("targets", queryset=IndicatorTarget.objects.order_by("fiscal_year"))
                    ),
                ),
                Prefetch(
                    "carried_from",
                    queryset=Initiative.objects.select_related("plan").order_by("plan__ordinal", "number"),
                ),
                Prefetch(
                    "carried_into",
                    queryset=Initiative.objects.select_related("plan").order_by("plan__ordinal", "number"),
                ),
            )
        )


class Initiative(models.Model):
    """個別計画: one numbered initiative of a plan (for the fourth plan, one of its 項目)."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("計画"), on_delete=models.PROTECT, related_name="initiatives"
    )
    number = models.PositiveSmallIntegerField(_("項番"))
    name = models.CharField(_("個別計画名"), max_length=200)
    is_new = models.BooleanField(_("新規"), default=False, help_text=_("計画書で《新規》と記された個別計画"))
    description = LimitedTextField(_("計画内容"), blank=True)
    # {PlanColumn.key: value} for the columns the plan defines (plan/models.py); a key not here is empty.
    column_values = models.JSONField(_("計画が定める列の値"), default=dict, blank=True)
    # A stage word of the plan's roadmap (plan.RoadmapStage), checked where it comes in.
    target_stage = models.CharField(
        _("取組目標"),
        max_length=10,
        blank=True,
        help_text=_("第四次計画の表にある取組目標。年次計画のある計画では空欄（最終年度の段階が目標）。"),
    )
    goals = models.ManyToManyField(Goal, verbose_name=_("目標"), related_name="initiatives", blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("担当課"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="initiatives",
    )
    carried_from = models.ManyToManyField(
        "self",
        verbose_name=_("継続元（前計画の項目）"),
        symmetrical=False,
        related_name="carried_into",
        blank=True,
    )
    source_note = LimitedTextField(
        _("出典に関する注記"), blank=True, help_text=_("計画書からの読み取りで判断を要した点")
    )

    history = HistoricalRecords(user_model=settings.AUTH_USER_MODEL)

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("個別計画")
        verbose_name_plural = _("個別計画")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="initiative_unique_number_per_plan"),
            models.CheckConstraint(condition=Q(number__gte=1), name="initiative_number_positive"),
        ]

    def __str__(self):
        return f"{self.plan.ordinal}-{self.number} {self.name}"

    def clean(self):
        if self.target_stage and self.plan_id and self.target_stage not in self.plan.stage_words:
            raise ValidationError(
                {
                    "target_stage": _("「%(word)s」はこの計画の年次計画の段階ではありません（%(words)s）。")
                    % {"word": self.target_stage, "words": "、".join(self.plan.stage_words)}
                }
            )

    @property
    def final_target_stage(self):
        """取組目標, or for a plan with a roadmap the stage the roadmap reaches in the plan's last year."""
        if self.target_stage:
            return self.target_stage
        cells = list(self.roadmap.all())
        # max, not the last cell: a prefetch of the roadmap need not come in fiscal-year order.
        return max(cells, key=lambda c: c.fiscal_year).stage if cells else ""


class RoadmapCell(models.Model):
    """年次計画: the planned stage of an initiative in one fiscal year."""

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("個別計画"), on_delete=models.CASCADE, related_name="roadmap"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    # A stage word of the plan's roadmap (plan.RoadmapStage), checked where it comes in (clean, the reader).
    stage = models.CharField(_("段階"), max_length=10)
    continued = models.BooleanField(
        _("前年度から継続（⇒）"), default=False, help_text=_("計画書の⇒: 前年度の段階を引き継ぐ")
    )

    history = HistoricalRecords(user_model=settings.AUTH_USER_MODEL)

    class Meta:
        verbose_name = _("年次計画")
        verbose_name_plural = _("年次計画")
        constraints = [
            models.UniqueConstraint(fields=["initiative", "fiscal_year"], name="roadmapcell_unique_year"),
        ]

    def __str__(self):
        return f"{self.initiative} {self.fiscal_year}: {'⇒' if self.continued else self.stage}"

    def clean(self):
        if not self.initiative.plan_id:  # the initiative's own form says what is missing
            return
        plan = self.initiative.plan
        if self.stage not in plan.stage_words:
            raise ValidationError(
                {
                    "stage": _("「%(word)s」はこの計画の年次計画の段階ではありません（%(words)s）。")
                    % {"word": self.stage, "words": "、".join(plan.stage_words)}
                }
            )

    def mark_in(self, plan):
        """The mark as the plan prints it: the stage where it starts, the continuation mark (⇒) where it goes on."""
        return plan.continuation_mark if self.continued else self.stage


class Evaluation(models.Model):
    """The result of an initiative for one fiscal year: 取組内容, 達成状況, 今後の方向性.

    The fourth plan's table holds one per item (to FY2021); the fifth plan's compiled reviews are
    recorded here too, one per initiative and fiscal year.
    """

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("個別計画"), on_delete=models.CASCADE, related_name="evaluations"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    actions = LimitedTextField(_("取組内容"), blank=True)
    # Words of the plan's rating scales (plan.RatingScale), checked where they come in (reviews.scales).
    achievement = models.CharField(_("達成状況"), max_length=20)
    direction = models.CharField(_("今後の方向性"), max_length=20)
    # What a published survey adds (reviews.evaluations.record_evaluations): the public pages read only
    # these rows, never the survey's live entries, so nothing unpublished can show there.
    stage_reached = models.CharField(_("実施状況"), max_length=10, blank=True)
    progress = models.CharField(_("進捗"), max_length=20, blank=True)
    issues = LimitedTextField(_("課題"), blank=True)
    # {Indicator.key: actual as a decimal string}, as the published entry had them.
    kpi_actuals = models.JSONField(_("指標の実績値"), default=dict, blank=True)

    history = HistoricalRecords(user_model=settings.AUTH_USER_MODEL)

    class Meta:
        verbose_name = _("評価")
        verbose_name_plural = _("評価")
        constraints = [
            models.UniqueConstraint(fields=["initiative", "fiscal_year"], name="evaluation_unique_year"),
        ]

    def __str__(self):
        return f"{self.initiative} {self.fiscal_year}: {self.achievement} / {self.direction}"

    def clean(self):
        """The words are the plan's (its rating scales), as the admin's inline enters them."""
        if not self.initiative.plan_id:  # the initiative's own form says what is missing
            return
        plan = self.initiative.plan
        errors = {}
        for name in ("achievement", "direction"):
            scale = plan.scale(name)
            words = scale.values if scale else []
            if getattr(self, name) not in words:
                errors[name] = _("「%(word)s」はこの計画の%(scale)sの語ではありません（%(words)s）。") % {
                    "word": getattr(self, name),
                    "scale": scale.name if scale else name,
                    "words": "、".join(words),
                }
        if errors:
            raise ValidationError(errors)


class ImportProfile(models.Model):
    """How the plan's tables in a layout the reader does not know are read: the administrator's mapping of each
    source header to what it holds, saved so that next year's table in the same layout imports without asking.

    mapping: {header text, compacted (spaces and line breaks removed, NFKC): target}, a target being a field
    (number, name, description, target_stage, actions, achievement, direction, goals, department,
    carried_from), "column:<key>" for a column of the plan's definition, "year:<fiscal year>" for a roadmap
    year, or "ignore".
    """

    plan = models.OneToOneField(
        Plan, verbose_name=_("計画"), on_delete=models.CASCADE, related_name="import_profile"
    )
    mapping = models.JSONField(_("見出しの対応"), default=dict)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("更新者"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("計画表の取込の対応")
        verbose_name_plural = _("計画表の取込の対応")

    def __str__(self):
        return str(self.plan)


def actual_text(value):
    """An actual as an entry keeps it: a decimal string with two places, as the survey's numbers always had."""
    return str(Decimal(value).quantize(Decimal("0.01")))


class Indicator(models.Model):
    """指標（KPI）of an initiative: what is measured, which way is better, where it started, and a target per
    fiscal year (IndicatorTarget). The actual of each year is entered in that year's survey
    (reviews.StatusEntry.kpi_actuals), so it has the survey's versions and history."""

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("個別計画"), on_delete=models.CASCADE, related_name="indicators"
    )
    position = models.PositiveSmallIntegerField(_("順番"), default=1)
    name = models.CharField(_("指標名"), max_length=200)
    unit = models.CharField(_("単位"), max_length=20, blank=True)
    lower_is_better = models.BooleanField(
        _("低いほどよい"),
        default=False,
        help_text=_("待ち時間や件数の削減など、値が小さいほど目標に近づく指標"),
    )
    baseline = models.DecimalField(_("基準値"), max_digits=14, decimal_places=2, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("基準年度"), null=True, blank=True)

    history = HistoricalRecords(user_model=settings.AUTH_USER_MODEL)

    class Meta:
        verbose_name = _("指標（KPI）")
        verbose_name_plural = _("指標（KPI）")
        ordering = ["initiative", "position", "pk"]

    def __str__(self):
        return f"{self.initiative}: {self.name}"

    @property
    def key(self):
        """The indicator's key in an entry's kpi_actuals."""
        return str(self.pk)

    def target_for(self, fiscal_year):
        """The year's target (from the prefetched targets), or None."""
        return next((t.target for t in self.targets.all() if t.fiscal_year == fiscal_year), None)

    def rate(self, target, actual):
        """達成率 (%), or None where it cannot be computed.

        With a baseline: the share of the way from the baseline to the target that the actual has come, which
        reads the same whichever way is better (群馬県's 策定時 → 目標値). Without one: actual ÷ target, or
        target ÷ actual for an indicator where lower is better.
        """
        if target is None or actual is None:
            return None
        target, actual = Decimal(target), Decimal(actual)
        if self.baseline is not None and target != self.baseline:
            return (actual - self.baseline) / (target - self.baseline) * 100
        if self.lower_is_better:
            return target / actual * 100 if actual else None
        return actual / target * 100 if target else None


class IndicatorTarget(models.Model):
    """目標値 of an indicator for one fiscal year."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指標（KPI）"), on_delete=models.CASCADE, related_name="targets"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    target = models.DecimalField(_("目標値"), max_digits=14, decimal_places=2)

    history = HistoricalRecords(user_model=settings.AUTH_USER_MODEL)

    class Meta:
        verbose_name = _("指標の目標値")
        verbose_name_plural = _("指標の目標値")
        ordering = ["indicator", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "fiscal_year"], name="indicatortarget_unique_year"),
        ]

    def __str__(self):
        return f"{self.indicator.name} {self.fiscal_year}: {self.target}"

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plan.eras import fiscal_year_label
from plan.fields import LimitedTextField

VIEW_DRAFT_PLAN = "plan.view_draft_plan"


class Plan(models.Model):
    """A 情報化推進計画 of the city: the fifth one, and its predecessors as history."""

    ordinal = models.PositiveSmallIntegerField(_("第N次"), unique=True)
    title = models.CharField(_("計画名"), max_length=200)
    first_fiscal_year = models.PositiveSmallIntegerField(_("計画期間（開始年度）"), null=True, blank=True)
    last_fiscal_year = models.PositiveSmallIntegerField(_("計画期間（終了年度）"), null=True, blank=True)
    adopted = models.CharField(
        _("策定"), max_length=40, blank=True, help_text=_("計画書の表記のまま（例: 令和4年3月）")
    )
    adopted_year = models.PositiveSmallIntegerField(_("策定年（西暦）"), null=True, blank=True)
    adopted_month = models.PositiveSmallIntegerField(_("策定月"), null=True, blank=True)
    division = models.CharField(_("所管"), max_length=100, blank=True)
    predecessor = models.OneToOneField(
        "self",
        verbose_name=_("前計画"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successor",
    )
    purpose = LimitedTextField(_("計画の目的・重点"), blank=True)
    achievements = LimitedTextField(_("主な成果"), blank=True)
    progress_management = LimitedTextField(_("計画の進行管理"), blank=True)
    table_notes = LimitedTextField(_("個別計画表の注記"), blank=True)
    continuation_mark = models.CharField(
        _("継続の記号"),
        max_length=2,
        default="⇒",
        help_text=_("年次計画で、前年度の段階を引き継ぐ年に印刷する記号"),
    )

    class Meta:
        verbose_name = _("情報化推進計画")
        verbose_name_plural = _("情報化推進計画")
        ordering = ["ordinal"]
        # Every role of the yearly survey has it (reviews/apps.py); a login without a role does not.
        permissions = [("view_draft_plan", _("策定前の計画（案）を見る"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_fiscal_year__isnull=True)
                | Q(last_fiscal_year__isnull=True)
                | Q(first_fiscal_year__lte=models.F("last_fiscal_year")),
                name="plan_period_in_order",
            ),
            models.CheckConstraint(
                condition=Q(adopted_month__isnull=True) | Q(adopted_month__gte=1, adopted_month__lte=12),
                name="plan_adopted_month_valid",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def fiscal_years(self):
        if self.first_fiscal_year is None or self.last_fiscal_year is None:
            return []
        return list(range(self.first_fiscal_year, self.last_fiscal_year + 1))

    @property
    def is_draft(self):
        """A plan not yet adopted (策定 empty), such as the next plan being drafted: not public."""
        return not self.adopted

    def visible_to(self, user):
        return not self.is_draft or user.has_perm(VIEW_DRAFT_PLAN)

    @property
    def table_columns(self):
        """The public columns of the plan's own definition that its table prints, in order.

        The table is a public document (the plan page, its xlsx download): a column kept internal is not in it.
        """
        return [c for c in self.columns.all() if c.in_table and c.is_public]

    @cached_property
    def rating_scales(self):
        """{role: RatingScale} of the plan's survey, read once per plan object (two queries)."""
        return {s.role: s for s in self.scales.prefetch_related("words")}

    def scale(self, role):
        return self.rating_scales.get(role)

    @cached_property
    def roadmap_stages(self):
        """The stages of the plan's roadmap (RoadmapStage) in order, read once per plan object."""
        return list(self.stages.all())

    @property
    def stage_words(self):
        """The words of the roadmap's stages (検討, 実施 in the fifth plan)."""
        return [s.word for s in self.roadmap_stages]

    def stage_rank(self, word):
        """How far along the roadmap a stage is (1 for the first), or None for a word the plan has not."""
        return next((n for n, s in enumerate(self.roadmap_stages, start=1) if s.word == word), None)

    @property
    def reached_words(self):
        """The words of 実施状況: not started, each stage under way (検討中, 実施中), done, stopped."""
        return [NOT_STARTED, *(s.reached for s in self.roadmap_stages), COMPLETED, STOPPED]

    def reached_rank(self, word):
        """How far along the roadmap 実施状況 says the initiative is (0 not started … one past the last stage
        for 完了), or None for 中止 and words the plan has not."""
        if word == NOT_STARTED:
            return 0
        if word == COMPLETED:
            return len(self.roadmap_stages) + 1
        return next((n for n, s in enumerate(self.roadmap_stages, start=1) if s.reached == word), None)

    @property
    def rating_names(self):
        """{role: name} of the survey's ratings, in the reader's language where the catalogue knows the name (the
        fifth plan's names are the application's own words too)."""
        return {
            role: gettext(scale.name) if (scale := self.scale(role)) else ScaleRole(role).label
            for role in ScaleRole.values
        }

    @property
    def period_label(self):
        if self.first_fiscal_year is None:
            return ""
        # A plan being drafted may know when it starts before the city decides when it ends.
        last = fiscal_year_label(self.last_fiscal_year) if self.last_fiscal_year else ""
        return f"{fiscal_year_label(self.first_fiscal_year)}～{last}"


# The words of 実施状況 every plan has, around its own stages under way (RoadmapStage.reached).
NOT_STARTED, COMPLETED, STOPPED = "未着手", "完了", "中止"


class RoadmapStage(models.Model):
    """One stage of the plan's roadmap (年次計画): the word it prints (検討), and the word of 実施状況 for an
    initiative working in that stage (検討中). The order is the order in which an initiative goes through them."""

    plan = models.ForeignKey(Plan, verbose_name=_("計画"), on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField(_("順番"))
    word = models.CharField(_("段階の語"), max_length=10, help_text=_("年次計画に印刷する語（例: 検討）"))
    reached = models.CharField(
        _("実施状況の語"),
        max_length=10,
        help_text=_("調査で、この段階に取り組んでいることを表す語（例: 検討中）"),
    )

    class Meta:
        verbose_name = _("年次計画の段階")
        verbose_name_plural = _("年次計画の段階")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "word"], name="roadmapstage_unique_word"),
            models.UniqueConstraint(fields=["plan", "reached"], name="roadmapstage_unique_reached"),
        ]

    def __str__(self):
        return self.word

    def clean(self):
        if self.reached in (NOT_STARTED, COMPLETED, STOPPED):
            raise ValidationError(
                {"reached": _("「%(word)s」はどの計画にもある実施状況の語です。") % {"word": self.reached}}
            )


class ColumnKind(models.TextChoices):
    TEXT = "text", _("文章")
    REFERENCE = "reference", _("参照（章節・番号）")
    MARK = "mark", _("記号（●）")
    CHOICE = "choice", _("選択")
    MULTI_CHOICE = "multi_choice", _("複数選択")
    NUMBER = "number", _("数値")


MARK = "●"


def is_empty(value):
    """A column value that says nothing: not stored on the initiative, shown as an empty cell."""
    # Not `value in (None, "", [], False)`: 0 == False, and a number column's 0 is a value.
    return value is None or value is False or value == "" or value == []


# The keys every initiative of the open data already has: a plan's own column cannot take one of them.
RESERVED_KEYS = frozenset(
    [
        "number",
        "name",
        "is_new",
        "description",
        "goals",
        "department",
        "target_stage",
        "roadmap",
        "evaluations",
        "carried_from",
    ]
)


class PlanColumn(models.Model):
    """A column the plan defines for its initiatives beyond the ones every plan has (項番, name, 計画内容,
    目標, 年次計画, 担当課), as the shipped definition of each plan gives them (fixtures/plans.json).

    The values live on each initiative under `key`, which is also their name in the open data.
    """

    plan = models.ForeignKey(Plan, verbose_name=_("計画"), on_delete=models.CASCADE, related_name="columns")
    position = models.PositiveSmallIntegerField(_("順番"))
    key = models.SlugField(
        _("キー"),
        max_length=50,
        help_text=_("オープンデータと内部での名前（半角英数字と _）。公開した後は変えないでください。"),
    )
    header = models.CharField(_("見出し"), max_length=100, help_text=_("計画書に印刷されているとおり"))
    kind = models.CharField(_("種類"), max_length=20, choices=ColumnKind.choices)
    is_public = models.BooleanField(
        _("公開"), default=True, help_text=_("公開の計画表とオープンデータに出す")
    )
    in_table = models.BooleanField(
        _("計画表の列"),
        default=True,
        help_text=_("計画表（画面・xlsx）に列として出す。外すと、オープンデータの項目としてだけ残ります。"),
    )
    max_length = models.PositiveIntegerField(_("最大の文字数"), default=100)
    width = models.PositiveSmallIntegerField(_("xlsx の列幅"), default=12)

    class Meta:
        verbose_name = _("計画表の列")
        verbose_name_plural = _("計画表の列")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="plancolumn_unique_key"),
            models.CheckConstraint(condition=Q(kind__in=ColumnKind.values), name="plancolumn_kind_valid"),
        ]

    def __str__(self):
        return self.header

    def clean(self):
        if self.key in RESERVED_KEYS:
            raise ValidationError(
                {
                    "key": _("「%(key)s」はオープンデータの決まった項目の名前なので使えません。")
                    % {"key": self.key}
                }
            )
        before = PlanColumn.objects.filter(pk=self.pk).values("key", "kind").first() if self.pk else None
        changed = before is not None and (before["key"], before["kind"]) != (self.key, self.kind)
        # The values are stored under the key and read by the kind: changing either would lose them.
        if changed and self.plan.initiatives.filter(column_values__has_key=before["key"]).exists():
            raise ValidationError(
                _(
                    "この列には個別計画の値が入っているため、キーと種類は変えられません。新しい列を作ってください。"
                )
            )

    @property
    def is_mark(self):
        return self.kind == ColumnKind.MARK

    @property
    def empty(self):
        """The value of an initiative that has none."""
        return {ColumnKind.MARK: False, ColumnKind.MULTI_CHOICE: [], ColumnKind.NUMBER: None}.get(
            self.kind, ""
        )

    @property
    def form_field(self):
        return f"column_{self.key}"

    def value_of(self, initiative):
        return initiative.column_values.get(self.key, self.empty)

    def display(self, value):
        """The value as the plan table prints it."""
        if self.kind == ColumnKind.MARK:
            return MARK if value else ""
        if self.kind == ColumnKind.MULTI_CHOICE:
            return "、".join(value or [])
        if value is None:
            return ""
        return str(value)


class ColumnChoice(models.Model):
    """One word of a choice column's list (SDGs 1–17, the 重点取組事項 …)."""

    column = models.ForeignKey(
        PlanColumn, verbose_name=_("列"), on_delete=models.CASCADE, related_name="choices"
    )
    position = models.PositiveSmallIntegerField(_("順番"))
    word = models.CharField(_("語"), max_length=100)
    description = models.CharField(_("説明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("選択肢")
        verbose_name_plural = _("選択肢")
        ordering = ["column", "position"]
        constraints = [models.UniqueConstraint(fields=["column", "word"], name="columnchoice_unique_word")]

    def __str__(self):
        return self.word


class ScaleRole(models.TextChoices):
    """What the application does with a scale's word: each role is one question of the yearly survey."""

    PROGRESS = "progress", _("進捗（年次計画と比べた進み具合）")
    ACHIEVEMENT = "achievement", _("達成状況")
    DIRECTION = "direction", _("今後の方向性")


class Meaning(models.TextChoices):
    """How the stage reached compares with the roadmap: the word of a progress scale that says so is proposed."""

    AHEAD = "ahead", _("前倒し")
    ON_PLAN = "on_plan", _("計画どおり")
    BEHIND = "behind", _("遅れ")
    NOT_ASSESSABLE = "not_assessable", _("評価できない")


class RatingScale(models.Model):
    """One rating of the yearly survey as the plan words it: an ordered list of words (RatingWord).

    The fifth plan's 進捗, 達成状況 and 今後の方向性 are three scales; another plan words them as it likes
    (A 目標より進んでいる … D 評価できない, 達成A … 後退D).
    """

    plan = models.ForeignKey(Plan, verbose_name=_("計画"), on_delete=models.CASCADE, related_name="scales")
    role = models.CharField(_("使い道"), max_length=20, choices=ScaleRole.choices)
    name = models.CharField(_("見出し"), max_length=50, help_text=_("調査票と報告に印刷する名前"))
    description = models.CharField(_("説明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("評価の尺度")
        verbose_name_plural = _("評価の尺度")
        ordering = ["plan", "role"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "role"], name="ratingscale_unique_role"),
            models.CheckConstraint(condition=Q(role__in=ScaleRole.values), name="ratingscale_role_valid"),
        ]

    def __str__(self):
        return f"{self.plan}: {self.name}"

    @property
    def words_in_order(self):
        return sorted(self.words.all(), key=lambda w: w.position)

    @property
    def values(self):
        return [w.word for w in self.words_in_order]

    def word_meaning(self, meaning):
        """The word the scale uses for a roadmap comparison, or "" if it has none."""
        return next((w.word for w in self.words_in_order if w.meaning == meaning), "")

    def meaning_of(self, word):
        return next((w.meaning for w in self.words_in_order if w.word == word), "")

    def carries_on(self, word):
        return any(w.carries_on for w in self.words_in_order if w.word == word)

    @property
    def proposes_by_rate(self):
        """Some word has a threshold on the KPIs' achievement rate."""
        return any(w.min_rate is not None for w in self.words_in_order)

    @property
    def proposes_by_roadmap(self):
        """A progress scale with words for how the stage reached compares with the roadmap."""
        return self.role == ScaleRole.PROGRESS and any(w.meaning for w in self.words_in_order)

    def word_for_rate(self, rate):
        """The word whose threshold the achievement rate (%) reaches, the highest such; "" if none."""
        if rate is None:
            return ""
        reached = [w for w in self.words_in_order if w.min_rate is not None and rate >= w.min_rate]
        return max(reached, key=lambda w: w.min_rate).word if reached else ""


class RatingWord(models.Model):
    """One word of a rating scale, with what proposes it."""

    scale = models.ForeignKey(
        RatingScale, verbose_name=_("尺度"), on_delete=models.CASCADE, related_name="words"
    )
    position = models.PositiveSmallIntegerField(_("順番"))
    word = models.CharField(_("語"), max_length=20, help_text=_("調査票と報告に印刷するとおり"))
    description = models.CharField(_("説明"), max_length=300, blank=True)
    meaning = models.CharField(
        _("年次計画との比較"),
        max_length=20,
        choices=Meaning.choices,
        blank=True,
        help_text=_("進捗の尺度で、計画上の段階と実施状況からこの語を提案する場合"),
    )
    min_rate = models.DecimalField(
        _("達成率の下限（%）"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("指標（KPI）の達成率がこの値以上のとき、この語を提案します（空欄なら提案しません）"),
    )
    carries_on = models.BooleanField(
        _("次の計画に引き継ぐ"), default=False, help_text=_("今後の方向性の尺度で、次の計画へ引き継ぐ語")
    )

    class Meta:
        verbose_name = _("評価の語")
        verbose_name_plural = _("評価の語")
        ordering = ["scale", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "word"], name="ratingword_unique_word"),
            models.CheckConstraint(
                condition=Q(meaning__in=["", *Meaning.values]), name="ratingword_meaning_valid"
            ),
        ]

    def __str__(self):
        return self.word


class PlanReference(models.Model):
    """How the plan stands to other plans (第1章 3 計画の位置づけ)."""

    class Relation(models.TextChoices):
        EMBODIES = "上位計画", _("上位計画")
        SERVES_AS = "位置づけを併せ持つ", _("位置づけを併せ持つ")
        RESPONDS_TO = "踏まえる", _("内容を踏まえる")

    plan = models.ForeignKey(
        Plan, verbose_name=_("計画"), on_delete=models.CASCADE, related_name="references"
    )
    order = models.PositiveSmallIntegerField(_("順序"))
    relation = models.CharField(_("関係"), max_length=20, choices=Relation.choices)
    name = models.CharField(_("名称"), max_length=200)
    period = models.CharField(_("期間"), max_length=100, blank=True)
    description = LimitedTextField(_("説明"), blank=True)

    class Meta:
        verbose_name = _("計画の位置づけ")
        verbose_name_plural = _("計画の位置づけ")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="planreference_unique_order_per_plan"),
        ]

    def __str__(self):
        return f"{self.get_relation_display()}: {self.name}"


class ManagementStep(models.Model):
    """One step of the plan's progress management (第3章 3): who deliberates, then where it is published."""

    class Kind(models.TextChoices):
        DELIBERATION = "審議", _("審議")
        PUBLICATION = "公開", _("公開")

    plan = models.ForeignKey(
        Plan, verbose_name=_("計画"), on_delete=models.CASCADE, related_name="management_steps"
    )
    order = models.PositiveSmallIntegerField(_("順序"))
    kind = models.CharField(_("種別"), max_length=10, choices=Kind.choices)
    body = models.CharField(_("機関・媒体"), max_length=200)

    class Meta:
        verbose_name = _("進行管理の手順")
        verbose_name_plural = _("進行管理の手順")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="managementstep_unique_order_per_plan"),
        ]

    def __str__(self):
        return f"{self.order}. {self.body}（{self.get_kind_display()}）"


class Goal(models.Model):
    """目標 (Ⅰ)(Ⅱ)(Ⅲ) of a plan."""

    NUMERALS = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ", "V": "Ⅴ", "VI": "Ⅵ"}

    plan = models.ForeignKey(Plan, verbose_name=_("計画"), on_delete=models.CASCADE, related_name="goals")
    order = models.PositiveSmallIntegerField(_("順序"))
    code = models.CharField(_("記号"), max_length=8, help_text=_("I, II, III …"))
    title = models.CharField(_("目標"), max_length=200)

    class Meta:
        verbose_name = _("目標")
        verbose_name_plural = _("目標")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="goal_unique_code_per_plan"),
        ]

    def __str__(self):
        return f"第{self.plan.ordinal}次（{self.numeral}）{self.title}"

    @property
    def numeral(self):
        return self.NUMERALS.get(self.code, self.code)


class GlossaryTerm(models.Model):
    """用語解説: a term the plan explains, with its definition as printed."""

    plan = models.ForeignKey(Plan, verbose_name=_("計画"), on_delete=models.CASCADE, related_name="glossary")
    order = models.PositiveSmallIntegerField(_("掲載順"))
    term = models.CharField(_("用語"), max_length=100)
    definition = LimitedTextField(_("解説"))

    class Meta:
        verbose_name = _("用語解説")
        verbose_name_plural = _("用語解説")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "term"], name="glossaryterm_unique_term_per_plan"),
        ]

    def __str__(self):
        return self.term


class CitySettings(models.Model):
    """The city's own names, as its documents print them: one row, edited in the admin.

    Nothing in the code or the templates names a city, its division or its committees; these do. The shipped
    seed sets them for 東大和市 (fixtures/city.json).
    """

    city = models.CharField(_("市区町村名"), max_length=50, blank=True, help_text=_("例: 東大和市"))
    division = models.CharField(
        _("所管課"),
        max_length=100,
        blank=True,
        help_text=_("計画と調査を受け持つ課（例: 総務部 情報管理課）"),
    )
    committee = models.CharField(
        _("委員会"),
        max_length=100,
        blank=True,
        help_text=_("調査の結果を最初に審議する会議（例: 情報システム委員会）"),
    )
    headquarters = models.CharField(
        _("本部会議"),
        max_length=100,
        blank=True,
        help_text=_("委員会の次に審議する会議（例: 情報システムマネジメント本部会議）"),
    )
    # CC BY 4.0 unless the city chooses otherwise, also before its settings are saved (migration 0007 set the
    # same on the row it made).
    open_data_licence = models.CharField(
        _("オープンデータのライセンス"),
        max_length=100,
        blank=True,
        default="CC BY 4.0",
        help_text=_("例: CC BY 4.0"),
    )
    open_data_licence_url = models.URLField(
        _("ライセンスの URL"), blank=True, default="https://creativecommons.org/licenses/by/4.0/deed.ja"
    )

    class Meta:
        verbose_name = _("市の設定")
        verbose_name_plural = _("市の設定")

    def __str__(self):
        return self.city or str(_("市の設定"))

    def save(self, *args, **kwargs):
        self.pk = 1  # one city per installation
        super().save(*args, **kwargs)

    @classmethod
    def current(cls):
        """The city's settings; before any are saved, an unsaved row of empty names."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @property
    def committee_name(self):
        """The committee as a report heads its opinion: 東大和市情報システム委員会."""
        return f"{self.city}{self.committee}"

    @property
    def headquarters_name(self):
        return f"{self.city}{self.headquarters}"

"""The yearly survey (達成状況調査): review cycles, status entries and their history.

第3章 3 計画の進行管理: the IT division surveys how far each initiative got, compiles the result, and the
情報システム委員会 and then the 情報システムマネジメント本部会議 deliberate it before it is published.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, models
from django.db.models import OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from initiatives.models import Initiative, RoadmapCell
from plan.eras import fiscal_year_label
from plan.fields import LimitedTextField
from plan.models import Plan


class CycleState(models.TextChoices):
    PREPARING = "準備中", _("準備中")
    SURVEYING = "調査中", _("調査中")
    COMPILED = "取りまとめ済", _("取りまとめ済")
    COMMITTEE_DONE = "委員会審議済", _("情報システム委員会 審議済")
    HEADQUARTERS_DONE = "本部会議審議済", _("本部会議 審議済")
    PUBLISHED = "公開済", _("公開済")

    @property
    def entries_editable(self):
        """Entries are recorded only while the survey runs; once compiled they are locked."""
        return self == CycleState.SURVEYING


class EntryState(models.TextChoices):
    """Where an entry is between its department and 情報管理課 (reviews.workflow moves it)."""

    EMPTY = "未入力", _("未入力")
    IN_PROGRESS = "入力中", _("入力中")
    SUBMITTED = "提出済", _("提出済")
    CONFIRMED = "確認済", _("確認済")
    RETURNED = "差戻し", _("差戻し")

    @classmethod
    def open_states(cls):
        """Not yet handed in: what a reminder lists and what is overdue after the due date."""
        return [cls.EMPTY, cls.IN_PROGRESS, cls.RETURNED]


class Role(models.TextChoices):
    """A role is a permission (codename on reviews.ReviewCycle) that its group holds."""

    ADMIN = "role_admin", _("システム管理者")
    STAFF = "role_staff", _("情報管理課 職員")
    DEPARTMENT = "role_department", _("担当課 入力者")
    COMMITTEE = "role_committee", _("情報システム委員会 委員")

    @property
    def default_group_name(self):
        """The name its group is created with on a new database; an administrator may rename it."""
        return DEFAULT_GROUP_NAMES[self]

    def group(self):
        """The group that holds the role (the first, if an administrator made more than one)."""
        return (
            Group.objects.filter(
                permissions__codename=self.value, permissions__content_type__app_label="reviews"
            )
            .order_by("pk")
            .first()
        )


DEFAULT_GROUP_NAMES = {
    Role.ADMIN: "システム管理者",
    Role.STAFF: "情報管理課",
    Role.DEPARTMENT: "担当課",
    Role.COMMITTEE: "委員",
}


# Each role's permission, named as the role (the admin shows it beside the group's other permissions).
ROLE_PERMISSIONS = [(role.value, role.label) for role in Role]


class ReviewCycleQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("plan").order_by("-fiscal_year", "-plan__ordinal")

    def hold_state(self, pk):
        """The cycle's state, held until the transaction ends: a step that locks the cycle for update
        (reviews.cycles.take_step) waits until then.

        PostgreSQL: a shared row lock, so saves in one cycle do not wait for each other. Django has no
        select_for_share, hence the SQL. SQLite runs one writing transaction at a time (IMMEDIATE
        transactions, config/settings.py), which holds the state as well.
        """
        if connection.vendor != "postgresql":
            return self.filter(pk=pk).values_list("state", flat=True).get()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT state FROM {self.model._meta.db_table} WHERE id = %s FOR SHARE", [pk])
            row = cursor.fetchone()
        if row is None:
            raise self.model.DoesNotExist
        return row[0]


class ReviewCycle(models.Model):
    """達成状況調査 令和N年度: the survey of every initiative of a plan for one fiscal year."""

    plan = models.ForeignKey(Plan, verbose_name=_("計画"), on_delete=models.PROTECT, related_name="cycles")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    state = models.CharField(
        _("状態"), max_length=10, choices=CycleState.choices, default=CycleState.PREPARING
    )
    committee_date = models.DateField(_("情報システム委員会 審議日"), null=True, blank=True)
    committee_comment = LimitedTextField(_("情報システム委員会の意見"), blank=True)
    headquarters_date = models.DateField(_("本部会議 審議日"), null=True, blank=True)
    headquarters_comment = LimitedTextField(_("本部会議の意見"), blank=True)
    # The survey's schedule, set by 情報管理課 when known: entries are due by due_date (reminders go out before
    # it and on it), and the meetings that will deliberate the result.
    due_date = models.DateField(_("提出期限"), null=True, blank=True)
    committee_planned_date = models.DateField(_("情報システム委員会 開催予定日"), null=True, blank=True)
    headquarters_planned_date = models.DateField(_("本部会議 開催予定日"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    # A year whose survey the city did before it had this application, taken in as published from its files
    # (reviews.past_years): such a cycle never went through the steps, and only it may be imported again.
    imported = models.BooleanField(_("過去の年度の結果として取込"), default=False)

    objects = ReviewCycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("達成状況調査")
        verbose_name_plural = _("達成状況調査")
        # The roles of the yearly survey (Role): a group holds its role by permission, so
        # renaming the group in the admin keeps the role.
        permissions = ROLE_PERMISSIONS
        constraints = [
            models.UniqueConstraint(fields=["plan", "fiscal_year"], name="reviewcycle_unique_year_per_plan"),
            models.CheckConstraint(condition=Q(state__in=CycleState.values), name="reviewcycle_state_valid"),
        ]

    def __str__(self):
        return _("%(plan)s 達成状況調査 %(year)s") % {
            "plan": self.plan,
            "year": fiscal_year_label(self.fiscal_year),
        }

    @property
    def title(self):
        return _("達成状況調査 %(year)s") % {"year": fiscal_year_label(self.fiscal_year)}

    @property
    def entries_editable(self):
        return CycleState(self.state).entries_editable

    def is_overdue(self, today=None):
        """Past its due date while still taking entries: unsubmitted entries are late."""
        if not self.due_date or not self.entries_editable:
            return False
        return (today or timezone.localdate()) > self.due_date

    @property
    def has_started(self):
        return self.state != CycleState.PREPARING

    @property
    def is_published(self):
        return self.state == CycleState.PUBLISHED

    # step -> (states it starts from, state it leads to, who may take it)
    TRANSITIONS = {
        "open": ([CycleState.PREPARING], CycleState.SURVEYING, "admin"),
        "compile": ([CycleState.SURVEYING], CycleState.COMPILED, "compiler"),
        "committee": ([CycleState.COMPILED], CycleState.COMMITTEE_DONE, "admin"),
        "headquarters": ([CycleState.COMMITTEE_DONE], CycleState.HEADQUARTERS_DONE, "admin"),
        "reopen": (
            [CycleState.COMPILED, CycleState.COMMITTEE_DONE, CycleState.HEADQUARTERS_DONE],
            CycleState.SURVEYING,
            "admin",
        ),
        # Publication freezes a snapshot (reviews/publication.py); a published cycle is never reopened.
        "publish": ([CycleState.HEADQUARTERS_DONE], CycleState.PUBLISHED, "admin"),
    }

    STEP_LABELS = {
        "open": _("調査を開始する"),
        "compile": _("取りまとめる（入力を締め切る）"),
        "committee": _("情報システム委員会の審議を記録する"),
        "headquarters": _("本部会議の審議を記録する"),
        "reopen": _("調査を再開する"),
        "publish": _("公開する（市報・ホームページ用）"),
    }

    def available_steps(self):
        return [a for a, (sources, _to, _who) in self.TRANSITIONS.items() if self.state in sources]

    def next_state(self, step):
        sources, to_state, _who = self.TRANSITIONS[step]
        if self.state not in sources:
            raise TransitionError(
                _("「%(state)s」の調査にはこの操作はできません。") % {"state": self.get_state_display()}
            )
        return to_state


class TransitionError(Exception):
    pass


class CycleEvent(models.Model):
    """One step of a cycle's life: who moved it from which state to which, when, and why."""

    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("達成状況調査"), on_delete=models.CASCADE, related_name="events"
    )
    from_state = models.CharField(_("変更前"), max_length=10, choices=CycleState.choices, blank=True)
    to_state = models.CharField(_("変更後"), max_length=10, choices=CycleState.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("日時"), auto_now_add=True)
    reason = LimitedTextField(_("理由・記録"), blank=True)

    class Meta:
        verbose_name = _("調査の経過")
        verbose_name_plural = _("調査の経過")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.cycle}: {self.from_state} → {self.to_state}"


def planned_stage_subquery():
    """The stage the roadmap plans for an entry's initiative in its cycle's year."""
    return Subquery(
        RoadmapCell.objects.filter(
            initiative=OuterRef("initiative"), fiscal_year=OuterRef("cycle__fiscal_year")
        ).values("stage")[:1]
    )


class StatusEntryQuerySet(models.QuerySet):
    def for_worklist(self, cycle):
        """One query for the worklist, however many initiatives: the planned stage comes in as a subquery."""
        return (
            self.filter(cycle=cycle)
            .select_related("initiative", "initiative__department", "updated_by")
            .annotate(planned_stage=planned_stage_subquery())
            .order_by("initiative__number")
        )


class StatusEntry(models.Model):
    """実施状況 / 達成状況 of one initiative in one review cycle."""

    EDITABLE_FIELDS = [
        "stage_reached",
        "progress",
        "achievement",
        "actions",
        "issues",
        "direction",
        "kpi_actuals",
        "progress_reason",
    ]
    REQUIRED_FOR_DONE = ["stage_reached", "progress", "achievement", "actions", "direction"]

    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("達成状況調査"), on_delete=models.CASCADE, related_name="entries"
    )
    initiative = models.ForeignKey(
        Initiative, verbose_name=_("個別計画"), on_delete=models.PROTECT, related_name="status_entries"
    )
    # A word of the plan's 実施状況 (plan.Plan.reached_words), checked where it comes in.
    stage_reached = models.CharField(_("実施状況"), max_length=10, blank=True)
    # 進捗, 達成状況 and 今後の方向性 hold words of the plan's rating scales (plan.RatingScale), checked where
    # they come in (reviews.scales): the words are the plan's, not the code's.
    progress = models.CharField(_("進捗"), max_length=20, blank=True)
    achievement = models.CharField(_("達成状況"), max_length=20, blank=True)
    actions = LimitedTextField(_("取組内容"), blank=True)
    issues = LimitedTextField(_("課題"), blank=True)
    direction = models.CharField(_("今後の方向性"), max_length=20, blank=True)
    # {Indicator.key: actual as a decimal string} of the initiative's indicators (initiatives.Indicator) for the
    # cycle's year: kept on the entry so that an actual has the entry's versions, conflicts and history.
    kpi_actuals = models.JSONField(_("指標の実績値"), default=dict, blank=True)
    # Asked for when the progress word contradicts what the stage reached says against the roadmap
    # (reviews.scales.contradiction): the committee reads why.
    progress_reason = LimitedTextField(_("自己評価と年次計画の差の理由"), blank=True)
    state = models.CharField(
        _("入力状況"), max_length=10, choices=EntryState.choices, default=EntryState.EMPTY
    )
    # Bumped on every save: a form or workbook made from an older version cannot overwrite a newer one.
    version = models.PositiveIntegerField(_("版"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新日時"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["state"], user_model=settings.AUTH_USER_MODEL)

    objects = StatusEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("実施状況")
        verbose_name_plural = _("実施状況")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "initiative"], name="statusentry_unique_initiative_per_cycle"
            ),
        ]

    def __str__(self):
        return f"{self.cycle.title} {self.initiative}"

    def save(self, *args, **kwargs):
        # 未入力 and 入力中 follow what is filled in; the later states are steps someone took (reviews.workflow).
        if self.state in (EntryState.EMPTY, EntryState.IN_PROGRESS):
            self.state = EntryState.EMPTY if self.is_blank else EntryState.IN_PROGRESS
        super().save(*args, **kwargs)

    @property
    def is_blank(self):
        return all(getattr(self, f) in ("", None, {}) for f in self.EDITABLE_FIELDS)

    @property
    def is_complete(self):
        """Everything a department must fill in before it can submit."""
        return all(getattr(self, f) not in ("", None) for f in self.REQUIRED_FOR_DONE)

    def missing_fields(self):
        return [self._meta.get_field(f).verbose_name for f in self.REQUIRED_FOR_DONE if not getattr(self, f)]


class PastResult(StatusEntry):
    """The admin's import and export of past years' results (reviews.past_results): one row per initiative and
    fiscal year of a published year."""

    class Meta:
        proxy = True
        verbose_name = _("過去の年度の結果")
        verbose_name_plural = _("過去の年度の結果")


class EntryEvent(models.Model):
    """A step of an entry between its department and 情報管理課 (提出, 確認, 差戻し), or a comment between them:
    who, when, the state before and after, and what they wrote. Shown with the entry's versions."""

    class Kind(models.TextChoices):
        SUBMIT = "submit", _("提出")
        CONFIRM = "confirm", _("確認")
        RETURN = "return", _("差戻し")
        COMMENT = "comment", _("コメント")

    entry = models.ForeignKey(
        StatusEntry, verbose_name=_("実施状況"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices)
    from_state = models.CharField(_("変更前"), max_length=10, choices=EntryState.choices, blank=True)
    to_state = models.CharField(_("変更後"), max_length=10, choices=EntryState.choices, blank=True)
    # The entry's version the step was taken on: what was submitted, confirmed or returned.
    version = models.PositiveIntegerField(_("版"))
    comment = LimitedTextField(_("コメント"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("入力の経過")
        verbose_name_plural = _("入力の経過")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["submit", "confirm", "return", "comment"]), name="entryevent_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.entry}: {self.get_kind_display()}"


class PublicationQuerySet(models.QuerySet):
    def for_public_list(self):
        """The list of published reports: each one's title from its snapshot, without loading the snapshots
        (a report and its open data are the whole plan's table, per year)."""
        return (
            self.select_related("cycle", "cycle__plan")
            .defer("report", "open_data")
            .annotate(title=KeyTextTransform("title", "report"))
            .order_by("-cycle__fiscal_year", "-cycle__plan__ordinal")
        )


class Publication(models.Model):
    """A published progress report, frozen: later edits to the cycle do not change what was published."""

    cycle = models.OneToOneField(
        ReviewCycle, verbose_name=_("達成状況調査"), on_delete=models.PROTECT, related_name="publication"
    )
    published_at = models.DateTimeField(_("公開日時"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("公開した人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The report as reviews.reports.cycle_report made it, and the plan's open data with this cycle's results.
    report = models.JSONField(_("報告の内容"))
    open_data = models.JSONField(_("オープンデータ"))

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("公開した報告")
        verbose_name_plural = _("公開した報告")

    def __str__(self):
        return self.report["title"]


class PublishedFile(models.Model):
    """One file of a published report, made once as it is published and served as stored, never remade:
    a citizen's download costs no more than reading it."""

    class Format(models.TextChoices):
        HTML = "html", "HTML"
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel (xlsx)"
        CSV = "csv", "CSV"
        JSON = "json", "JSON"

    publication = models.ForeignKey(
        Publication, verbose_name=_("公開した報告"), on_delete=models.CASCADE, related_name="files"
    )
    format = models.CharField(_("形式"), max_length=4, choices=Format.choices)
    content = models.BinaryField(_("内容"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("公開したファイル")
        verbose_name_plural = _("公開したファイル")
        constraints = [
            models.UniqueConstraint(fields=["publication", "format"], name="publishedfile_unique_format"),
            models.CheckConstraint(
                condition=Q(format__in=["html", "pdf", "xlsx", "csv", "json"]),
                name="publishedfile_format_valid",
            ),
        ]

    def __str__(self):
        return f"{self.publication} ({self.format})"

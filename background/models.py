"""A piece of long work done in the background, as its requester follows it: state, progress and result.

The work itself is a django-tasks task of the app that owns it (reviews.tasks, initiatives.tasks); it is
given the job's id and reports through background.jobs. A made file is kept on the job until it is pruned.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("待機中")
    RUNNING = "running", _("処理中")
    DONE = "done", _("完了")
    FAILED = "failed", _("失敗")


UNFINISHED = (JobState.QUEUED, JobState.RUNNING)


class Job(models.Model):
    # Random, so that a job's page cannot be found by counting.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The same work asked for again while it is unfinished is the same job (background.jobs.start).
    key = models.CharField(_("処理の種類と対象"), max_length=200)
    # label, step and message are the source texts (Japanese) of translatable messages, with their
    # %(name)s values in args: the page shows them in the reader's language (background/templatetags).
    label = models.CharField(_("処理"), max_length=200)
    args = models.JSONField(_("文中の値"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("依頼した人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("依頼日時"), auto_now_add=True)
    started_at = models.DateTimeField(_("開始日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    state = models.CharField(_("状態"), max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    step = models.CharField(_("処理中の段階"), max_length=200, blank=True)
    done = models.PositiveIntegerField(_("済んだ数"), default=0)
    total = models.PositiveIntegerField(_("全体の数"), default=0)
    message = models.TextField(_("結果"), blank=True)
    # What the requester may do next: [{"label": source text, "url": …}], set by the work.
    links = models.JSONField(_("次の操作"), default=list, blank=True)
    file_name = models.CharField(_("ファイル名"), max_length=200, blank=True)
    content_type = models.CharField(_("ファイルの種類"), max_length=100, blank=True)
    content = models.BinaryField(_("ファイル"), null=True, blank=True)
    # A file the work reads (an import's upload), kept with the job so that a worker on another machine has
    # it; emptied when the work ends.
    source = models.BinaryField(_("取り込むファイル"), null=True, blank=True)

    class Meta:
        verbose_name = _("バックグラウンド処理")
        verbose_name_plural = _("バックグラウンド処理")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["key", "state"], name="job_key_state")]
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=JobState.values), name="job_state_valid"),
        ]

    def __str__(self):
        return f"{self.label}（{self.get_state_display()}）"

    @property
    def finished(self):
        return self.state not in UNFINISHED

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else None

"""The audit trail: one row per act worth answering for, written once and never changed.

The application offers no way to edit or delete a row (the admin is read-only, and save() and delete() refuse).
Only a backup restore writes rows with their old ids, through loaddata's raw saves, which bypass save().
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditKind(models.TextChoices):
    LOGIN = "login", _("ログイン")
    LOGOUT = "logout", _("ログアウト")
    LOGIN_FAILED = "login_failed", _("ログイン失敗")
    LOCKED_OUT = "locked_out", _("ロックアウト")
    PERMISSION_DENIED = "permission_denied", _("権限のない操作")
    PLAN_IMPORT = "plan_import", _("計画表の取込")
    SURVEY_IMPORT = "survey_import", _("調査票の取込")
    CYCLE_STEP = "cycle_step", _("調査の操作")
    PUBLICATION = "publication", _("公開")
    NEXT_PLAN = "next_plan", _("次期計画の作成")
    ADMIN_CHANGE = "admin_change", _("管理画面での変更")
    BACKUP = "backup", _("バックアップ")
    RESTORE = "restore", _("復元")


class AuditRecordIsFinal(Exception):
    """An audit row cannot be changed or deleted."""


class AuditEventQuerySet(models.QuerySet):
    def delete(self):
        raise AuditRecordIsFinal("audit events cannot be deleted")

    def update(self, **kwargs):
        # Deleting a user sets its events' user to NULL through this method (on_delete=SET_NULL); the
        # username stays in the row as text. Nothing else may change.
        if kwargs.keys() == {"user"} and kwargs["user"] is None:
            return super().update(**kwargs)
        raise AuditRecordIsFinal("audit events cannot be changed")


class AuditEvent(models.Model):
    timestamp = models.DateTimeField(_("日時"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("利用者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text: it still names the person after the account is deleted, and names the attempted
    # account of a failed log-in, which may not exist at all.
    username = models.CharField(_("ユーザー名"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IPアドレス"), null=True, blank=True)
    kind = models.CharField(_("操作"), max_length=30, choices=AuditKind.choices)
    object_type = models.CharField(_("対象の種類"), max_length=100, blank=True)
    object_id = models.CharField(_("対象のID"), max_length=64, blank=True)
    object_repr = models.CharField(_("対象"), max_length=200, blank=True)
    detail = models.TextField(_("内容"), blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        indexes = [
            models.Index(fields=["timestamp"], name="auditevent_timestamp"),
            models.Index(fields=["kind", "timestamp"], name="auditevent_kind_timestamp"),
            models.Index(fields=["object_type", "object_id"], name="auditevent_object"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AuditKind.values), name="auditevent_kind_valid"),
        ]

    def __str__(self):
        when = timezone.localtime(self.timestamp).strftime("%Y-%m-%d %H:%M:%S")
        return f"{when} {self.username or '-'} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditRecordIsFinal("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditRecordIsFinal("audit events cannot be deleted")

"""What Django and django-axes tell us about log-ins and admin changes, copied into the audit trail."""

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.utils import translation

from audit.models import AuditKind
from audit.trail import record

# The kind of change, for an admin log entry without a message (a deletion); in the city's language, as is
# the whole trail.
ADMIN_FLAGS = {ADDITION: "追加", CHANGE: "変更", DELETION: "削除"}


def on_logged_in(sender, request, user, **kwargs):
    # A backend may say how it checked the user (the directory's says so, with the roles it gave).
    record(AuditKind.LOGIN, request=request, user=user, detail=getattr(user, "login_detail", ""))


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(AuditKind.LOGOUT, request=request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in credentials; only the name that was tried is kept.
    attempted = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or ""
    record(AuditKind.LOGIN_FAILED, request=request, username=str(attempted))


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    """django-axes refused a log-in after repeated failures (axes.signals.user_locked_out)."""
    detail = f"ログイン失敗の繰り返しによりロックアウト（django-axes、IPアドレス {ip_address or '不明'}）"
    record(AuditKind.LOCKED_OUT, request=request, username=str(username or ""), detail=detail)


def on_admin_log_entry(sender, instance, created, raw=False, **kwargs):
    """Every add, change and delete made in the Django admin, as the admin itself logs it."""
    if raw or not created:
        return  # a backup being restored, not a change made now
    with translation.override(settings.LANGUAGE_CODE):
        message = instance.get_change_message()
    # The admin's message says what changed ("課名 を変更しました。"); a deletion has none.
    detail = message or ADMIN_FLAGS.get(instance.action_flag, str(instance.action_flag))
    record(AuditKind.ADMIN_CHANGE, user=instance.user, obj=instance, detail=detail)


def connect(lockouts):
    user_logged_in.connect(on_logged_in, dispatch_uid="audit_login")
    user_logged_out.connect(on_logged_out, dispatch_uid="audit_logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit_login_failed")
    post_save.connect(on_admin_log_entry, sender=LogEntry, dispatch_uid="audit_admin_log_entry")
    if lockouts:
        from axes.signals import user_locked_out

        user_locked_out.connect(on_locked_out, dispatch_uid="audit_locked_out")

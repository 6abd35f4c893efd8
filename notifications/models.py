"""通知: what the application told one person, and whether the e-mail of it went out.

The texts are the source texts (Japanese) of translatable messages with their %(name)s values, as
background.Job keeps them: the list shows them in the reader's language, the e-mail in Japanese.
Whom to tell and what to say belongs to the app whose step it is (reviews.notices); this app only keeps
and delivers (notifications.delivery).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def translated(text, args):
    """A stored source text in the active language, with its values; a translation that lost a value
    gives the source text whole."""
    if not text:
        return ""
    try:
        return gettext(text) % args if args else gettext(text)
    except (KeyError, TypeError, ValueError):
        return text % args if args else text


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("送信待ち")
    SENT = "sent", _("送信済")
    FAILED = "failed", _("送信失敗")
    # Not sent, and never will be: the reason stays on the notification.
    SWITCHED_OFF = "off", _("送信しない（本人がメールを止めている）")
    NO_ADDRESS = "no_address", _("送信しない（メールアドレスなし）")
    NO_SERVER = "no_server", _("送信しない（メールサーバーの設定なし）")

    @classmethod
    def unsent(cls):
        """Still to go out: what a retry looks at."""
        return [cls.PENDING, cls.FAILED]


class NotificationQuerySet(models.QuerySet):
    def for_list(self, user):
        """The user's notifications, newest first (the list's index: user, created_at)."""
        return self.filter(user=user).order_by("-created_at", "-id")

    def unread(self, user):
        return self.filter(user=user, read_at__isnull=True)


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("通知先"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # What the notification is about, for a notice that must go at most once to each person (a reminder):
    # the unique constraint keeps a second one out, whichever of two overlapping runs makes it first.
    key = models.CharField(_("一度だけの通知の印"), max_length=200, blank=True)
    subject = models.CharField(_("件名"), max_length=200)
    body = models.TextField(_("本文"))
    args = models.JSONField(_("文中の値"), default=dict, blank=True)
    # Lines under the body, each {"text": source text, "args": {…}}: the items a reminder lists, say.
    lines = models.JSONField(_("一覧"), default=list, blank=True)
    # A person's own words (a return's or a comment's), shown as written.
    comment = models.TextField(_("コメント"), blank=True)
    # [{"label": source text, "url": path in the application}], the first being where the notice leads.
    links = models.JSONField(_("リンク"), default=list, blank=True)
    created_at = models.DateTimeField(_("通知日時"), auto_now_add=True)
    read_at = models.DateTimeField(_("既読日時"), null=True, blank=True)
    email_status = models.CharField(
        _("メール"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_sent_at = models.DateTimeField(_("メール送信日時"), null=True, blank=True)
    # Each try claims the notification by moving these on (notifications.delivery): two senders never
    # send the same one at once.
    email_attempts = models.PositiveSmallIntegerField(_("メール送信の試行回数"), default=0)
    email_tried_at = models.DateTimeField(_("最後に送信を試みた日時"), null=True, blank=True)
    email_error = models.TextField(_("メール送信のエラー"), blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_newest"),
            # The header's unread count on every page.
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(
                fields=["created_at"],
                condition=Q(email_status__in=["pending", "failed"]),
                name="notification_email_unsent",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~Q(key=""), name="notification_unique_key_per_user"
            ),
            models.CheckConstraint(
                condition=Q(email_status__in=EmailStatus.values), name="notification_email_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.subject_text}"

    @property
    def is_unread(self):
        return self.read_at is None

    @property
    def subject_text(self):
        return translated(self.subject, self.args)

    @property
    def body_text(self):
        return translated(self.body, self.args)

    @property
    def line_texts(self):
        return [translated(line["text"], line.get("args")) for line in self.lines]

    @property
    def link_items(self):
        return [
            {"label": translated(link["label"], link.get("args")), "url": link["url"]} for link in self.links
        ]

    @property
    def url(self):
        """Where the notice leads: its first link."""
        return self.links[0]["url"] if self.links else ""


class Preference(models.Model):
    """One person's choice of how to be told. No row: the defaults (e-mail on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("利用者"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email = models.BooleanField(
        _("通知をメールでも受け取る"),
        default=True,
        help_text=_("止めても、通知はこのアプリケーションの「通知」の一覧に届きます。"),
    )

    class Meta:
        verbose_name = _("通知の設定")
        verbose_name_plural = _("通知の設定")

    def __str__(self):
        return str(self.user)

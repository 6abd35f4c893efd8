"""Telling people: a notification in the application at once, and its e-mail sent apart from the step that
caused it (by the task worker, or by send_reminders itself), so that a mail server that is down or slow never
fails or holds up a save.

A failed e-mail is logged and kept on its notification (送信失敗, with the error); send_reminders, which
the scheduler runs, tries it again for RETRY_FOR. Each try first claims the notification on its own row
(the number of tries so far), so two senders never send the same e-mail.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from notifications.models import EmailStatus, Notification, Preference

logger = logging.getLogger("notifications")

# A try still unfinished after this long (its process died) may be made again.
TRY_TIMEOUT = timedelta(minutes=10)
# An e-mail that could not be sent for this long is given up; the notice in the application stays.
RETRY_FOR = timedelta(days=2)


def tell(users, subject, body, *, by=None, args=None, lines=(), comment="", links=(), key=""):
    """A notification for each active user, once each, never for `by` (nobody is told of their own step).

    subject, body and the lines' and links' texts are source texts (gettext_noop) with %(name)s values in
    args. With a key, a user who already has a notification with that key gets none: of two runs making
    the same reminder at once, the unique constraint lets one through. Returns the notifications made.
    """
    recipients = {u.pk: u for u in users if u.is_active and (by is None or u.pk != by.pk)}
    if not recipients:
        return []
    switched_off = set(
        Preference.objects.filter(user__in=list(recipients), email=False).values_list("user_id", flat=True)
    )
    made = []
    for pk in sorted(recipients):
        user = recipients[pk]
        notification = Notification(
            user=user,
            key=key,
            subject=subject,
            body=body,
            args=args or {},
            lines=list(lines),
            comment=comment,
            links=list(links),
            email_status=_first_status(user, switched_off),
        )
        if key:
            try:
                with transaction.atomic():
                    notification.save()
            except IntegrityError:
                continue  # told already
        else:
            notification.save()
        made.append(notification)
    return made


def _first_status(user, switched_off):
    if not settings.NOTIFICATION_EMAILS:
        return EmailStatus.NO_SERVER
    if not user.email:
        return EmailStatus.NO_ADDRESS
    if user.pk in switched_off:
        return EmailStatus.SWITCHED_OFF
    return EmailStatus.PENDING


def send_soon(notifications):
    """Hand the e-mails of these notifications to the task worker, once the transaction (if any) commits."""
    ids = [n.pk for n in notifications if n.email_status == EmailStatus.PENDING]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))


def _enqueue(ids):
    from notifications.tasks import send_emails

    try:
        send_emails.enqueue(ids)
    except Exception:
        # Still 送信待ち: send_reminders sends them.
        logger.exception("could not queue the e-mails of notifications %s", ids)


def send(notifications):
    """E-mail each of the notifications still to go out, over one connection to the mail server.

    Never raises: a failure is logged and kept on the notification. Returns how many were sent.
    """
    claimed = [n for n in notifications if n.email_status in EmailStatus.unsent() and _claim(n)]
    if not claimed:
        return 0
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:
        for notification in claimed:
            _failed(notification, exc)
        return 0
    sent = 0
    try:
        for notification in claimed:
            try:
                email(notification, connection).send()
            except Exception as exc:
                _failed(notification, exc)
            else:
                _sent(notification)
                sent += 1
    finally:
        try:
            connection.close()
        except Exception:
            logger.warning("closing the connection to the mail server failed", exc_info=True)
    return sent


def send_unsent(now=None):
    """Try again the e-mails still to go out (not tried, or last tried TRY_TIMEOUT ago) of the last RETRY_FOR."""
    now = now or timezone.now()
    waiting = (
        Notification.objects.filter(email_status__in=EmailStatus.unsent(), created_at__gte=now - RETRY_FOR)
        .filter(Q(email_tried_at__isnull=True) | Q(email_tried_at__lt=now - TRY_TIMEOUT))
        .select_related("user")
        .order_by("created_at", "id")
    )
    return send(list(waiting))


def _claim(notification):
    """This try is the only one: the row still has the tries this copy saw (checked on the row itself, so
    a second sender that waited for the row's lock finds it moved on)."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification.pk,
        email_status__in=EmailStatus.unsent(),
        email_attempts=notification.email_attempts,
    ).update(email_attempts=F("email_attempts") + 1, email_tried_at=now)
    if claimed:
        notification.email_attempts += 1
        notification.email_tried_at = now
    return bool(claimed)


def _sent(notification):
    notification.email_status, notification.email_sent_at, notification.email_error = (
        EmailStatus.SENT,
        timezone.now(),
        "",
    )
    Notification.objects.filter(pk=notification.pk).update(
        email_status=notification.email_status, email_sent_at=notification.email_sent_at, email_error=""
    )


def _failed(notification, exc):
    logger.warning(
        "e-mail of notification %s to user %s failed: %s: %s",
        notification.pk,
        notification.user_id,
        type(exc).__name__,
        exc,
    )
    notification.email_status = EmailStatus.FAILED
    notification.email_error = f"{type(exc).__name__}: {exc}"[:2000]
    Notification.objects.filter(pk=notification.pk).update(
        email_status=notification.email_status, email_error=notification.email_error
    )


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def email(notification, connection=None):
    """The notification's e-mail, in Japanese (the recipient's language is not known), with absolute links."""
    with translation.override("ja"):
        subject = f"【{gettext('情報化推進計画 進捗管理')}】{notification.subject_text}"
        body = render_to_string(
            "notifications/email.txt",
            {
                "notification": notification,
                "name": notification.user.get_full_name() or notification.user.get_username(),
                "links": [
                    {"label": link["label"], "url": absolute(link["url"])} for link in notification.link_items
                ],
                "notification_url": absolute(reverse("notifications:detail", args=[notification.pk])),
                "settings_url": absolute(reverse("notifications:settings")),
            },
        )
    return EmailMessage(
        subject=" ".join(subject.split()),  # a header holds no line break
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.user.email],
        connection=connection,
    )

"""The e-mails of notifications, sent by the task worker (django-tasks) rather than inside the request."""

from django_tasks import task

from notifications.delivery import send
from notifications.models import Notification


@task()
def send_emails(notification_ids):
    send(list(Notification.objects.filter(pk__in=notification_ids).select_related("user").order_by("id")))

from functools import cached_property

from notifications.models import Notification


class Unread:
    """The user's unread notifications, counted once and only if a template asks (base.html's header)."""

    def __init__(self, request):
        self.request = request

    @cached_property
    def count(self):
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return Notification.objects.unread(user).count()


def unread(request):
    return {"unread_notifications": Unread(request)}

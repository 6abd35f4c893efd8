from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """What the application tells a person, in the application and by e-mail where mail is configured."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("通知")

    def ready(self):
        from notifications import checks  # noqa: F401  (registers the site address check)

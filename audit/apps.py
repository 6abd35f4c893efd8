from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit trail: who did what, when and from where. Below every project app; it imports none of them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = _("監査")

    def ready(self):
        from audit import receivers

        receivers.connect(lockouts=apps.is_installed("axes"))

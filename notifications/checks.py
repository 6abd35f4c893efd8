from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def site_url_is_the_sites(app_configs, **kwargs):
    """The links in notification e-mails start with SITE_URL: left at the development default, they lead
    every recipient to their own machine."""
    if not settings.NOTIFICATION_EMAILS or urlsplit(settings.SITE_URL).hostname not in (
        "localhost",
        "127.0.0.1",
    ):
        return []
    return [
        Warning(
            f"SITE_URL is {settings.SITE_URL}: the links in notification e-mails will not open for their "
            "recipients.",
            hint="Set SITE_URL to the address users open the application at, e.g. https://keikaku.example.lg.jp.",
            id="notifications.W001",
        )
    ]

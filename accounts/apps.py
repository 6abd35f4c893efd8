from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Logging in: throttling, session limits, development accounts, password reset where mail exists."""

    # The module holds a second AppConfig (for axes); without this Django would take neither for "accounts",
    # and ready() below would never connect the log-in time.
    default = True
    name = "accounts"
    verbose_name = _("ログイン")

    def ready(self):
        from accounts import sessions  # noqa: F401  (connects the log-in time to user_logged_in)


class LoginAttemptsConfig(AxesAppConfig):
    """django-axes, named in Japanese on the admin index where administrators lift lock-outs."""

    verbose_name = _("ログインの試行と締め出し")

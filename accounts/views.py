from functools import wraps

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "password_reset_enabled": settings.PASSWORD_RESET_ENABLED,
        }


def only_with_mail(view):
    """Password reset sends mail: without the city's mail server the pages do not exist."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.PASSWORD_RESET_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper

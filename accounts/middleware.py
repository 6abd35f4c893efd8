import time

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _

from accounts.sessions import expiry_reason


class SessionTimeoutMiddleware:
    """Logs out a user whose session has been idle too long or has lasted too long, and says so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            reason = expiry_reason(request.session, time.time())
            if reason is not None:
                return self.logged_out(request, reason)
        return self.get_response(request)

    def logged_out(self, request, reason):
        logout(request)
        if reason == "idle":
            message = _("一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。")
        else:
            message = _(
                "ログインしてから長時間たったため、ログアウトしました。もう一度ログインしてください。"
            )
        if request.method == "POST":
            message += " " + _("送信した内容は保存されていません。")
        messages.warning(request, message)
        return redirect_to_login(request.get_full_path())

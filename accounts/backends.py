from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts.development import (
    are_development_credentials,
    development_accounts_can_log_in,
    is_development_account,
    with_development_mark,
)


class CityModelBackend(ModelBackend):
    """Django's user and password check, refusing development accounts outside development.

    user_can_authenticate runs both at log-in and when a session's user is loaded (get_user), so a
    development account's existing session stops working too.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not development_accounts_can_log_in() and are_development_credentials(username, password):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        # The development mark comes with the user in one query: this runs on every request.
        try:
            user = with_development_mark(get_user_model()._default_manager).get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        return development_accounts_can_log_in() or not is_development_account(user)

"""How long a log-in lasts: SESSION_IDLE_TIMEOUT without a request, SESSION_ABSOLUTE_TIMEOUT in all.

The session keeps the log-in time and the time of the last request, as POSIX seconds. The last request's
time is written back at most once a minute, so that an ordinary page view does not write the session.
"""

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

LOGGED_IN_AT = "accounts_logged_in_at"
LAST_SEEN_AT = "accounts_last_seen_at"
# Idle time is measured to this precision; a finer one would write the session on every request.
LAST_SEEN_PRECISION = 60


@receiver(user_logged_in)
def remember_log_in_time(sender, request, user, **kwargs):
    now = time.time()
    request.session[LOGGED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def expiry_reason(session, now):
    """ "idle" or "absolute" if the session's log-in has run out, else None (and the visit is noted)."""
    logged_in_at = session.get(LOGGED_IN_AT)
    last_seen_at = session.get(LAST_SEEN_AT, logged_in_at)
    if logged_in_at is None:
        # A session from before these limits existed: it starts counting now.
        session[LOGGED_IN_AT] = session[LAST_SEEN_AT] = now
        return None
    if now - logged_in_at > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds():
        return "absolute"
    if now - last_seen_at > settings.SESSION_IDLE_TIMEOUT.total_seconds():
        return "idle"
    if now - last_seen_at >= LAST_SEEN_PRECISION:
        session[LAST_SEEN_AT] = now
    return None

"""Writing the audit trail: record(kind, ...) from anywhere, with the request's user and address.

Domain steps (reviews.cycles, reviews.final …) get no request; audit/middleware.py keeps the current one
in a context variable, so their records still say from where the step was taken.
"""

import contextvars
import ipaddress
import logging

from django.conf import settings
from django.contrib.admin.models import LogEntry

from audit.models import AuditEvent

logger = logging.getLogger("audit")

# Details are written by the code, but carry what a user sent (a path, a file name): bounded all the same.
DETAIL_MAX_LENGTH = 2000

_current_request = contextvars.ContextVar("audit_current_request", default=None)


def current_request():
    return _current_request.get()


def client_ip(request):
    """The address a request came from, for the audit trail and for log-in throttling (AXES_CLIENT_IP_CALLABLE).

    X-Forwarded-For counts only behind REVERSE_PROXY_COUNT proxies the city runs: each appends the address
    it saw, so the client is that many places from the right; anything further left the client wrote itself.
    """
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "REVERSE_PROXY_COUNT", 0)
    if count > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= count:
            address = forwarded[-count]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def target_of(obj):
    """(type, id, text) of the object acted on; an admin log entry names the object it changed."""
    if obj is None:
        return "", "", ""
    if isinstance(obj, tuple):
        return obj
    if isinstance(obj, LogEntry):
        content_type = obj.content_type
        label = f"{content_type.app_label}.{content_type.model}" if content_type else ""
        return label, str(obj.object_id or ""), obj.object_repr
    return obj._meta.label_lower, str(obj.pk), str(obj)


def _clip(text, length):
    return text if len(text) <= length else text[: length - 1] + "…"


def record(kind, *, request=None, user=None, username=None, obj=None, detail=""):
    """One row of the audit trail.

    obj: the model instance acted on (or target_of() of one taken before it was deleted).
    user: who acted (default: the request's logged-in user). username: the name to record when there is no
    such user, as for a failed log-in, where it is the name that was tried.
    """
    request = request if request is not None else current_request()
    if user is None and username is None and request is not None:
        request_user = getattr(request, "user", None)
        if request_user is not None and request_user.is_authenticated:
            user = request_user
    if user is not None and not user.is_authenticated:
        user = None
    if username is None:
        username = user.get_username() if user is not None else ""
    object_type, object_id, object_repr = target_of(obj)
    event = AuditEvent.objects.create(
        user=user,
        username=_clip(username, AuditEvent._meta.get_field("username").max_length),
        ip_address=client_ip(request),
        kind=kind,
        object_type=object_type,
        object_id=_clip(object_id, AuditEvent._meta.get_field("object_id").max_length),
        object_repr=_clip(object_repr, AuditEvent._meta.get_field("object_repr").max_length),
        detail=_clip(str(detail), DETAIL_MAX_LENGTH),
    )
    logger.info(
        "%s user=%s ip=%s object=%s:%s %s",
        kind,
        event.username or "-",
        event.ip_address or "-",
        object_type or "-",
        object_id or "-",
        detail,
    )
    return event

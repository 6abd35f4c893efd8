"""Reading from a PostgreSQL read replica (DATABASE_REPLICA_URL), for the pages that only read.

Only GET and HEAD requests to the pages listed in REPLICA_VIEWS (the public plan, open data and published
reports, the committee's dashboard) read from the replica, and only the plan, initiatives and surveys: log-in,
sessions, the cache and the audit trail stay on the primary, so a replica a moment behind never logs anyone
out or hides what they just saved from the pages they edit on. A read inside a transaction stays on the
primary too. Writes always go to the primary.
"""

import contextvars

from django.db import connections

REPLICA = "replica"
REPLICA_APPS = {"plan", "initiatives", "reviews"}
REPLICA_VIEWS = {
    "initiatives:plan_table",
    "initiatives:download",
    "published:list",
    "published:report",
    "published:file",
    "published:feed",
    "open_data_catalog",
    "reviews:dashboard",
}

_reading = contextvars.ContextVar("reading_from_replica", default=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _reading.get()
            and model._meta.app_label in REPLICA_APPS
            and not connections["default"].in_atomic_block
        ):
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    """Marks the request as one whose reads may go to the replica (see the module's docstring), for the
    time of its view and its response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            token = getattr(request, "_replica_token", None)
            if token is not None:
                _reading.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.method in ("GET", "HEAD") and match and match.view_name in REPLICA_VIEWS:
            request._replica_token = _reading.set(True)


def reading_from_replica():
    """Whether this request's reads of the plan and surveys may go to the replica."""
    return _reading.get()

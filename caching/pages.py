"""Pages kept in the cache until the data behind them changes.

What a page shows depends on one or both of two scopes:
- PUBLIC: the plans, their initiatives, roadmaps, indicators and evaluations, the departments, the city's
  settings and the publications: what the public pages and the open data show;
- SURVEY: the surveys (review cycles) and their entries: what the dashboard and the report add.

Each scope has a generation number in the cache. A page is stored with the generations it was made under
and is used only while they are current; any save or delete of a model in a scope moves its generation on
once the transaction commits, so the next request makes the page afresh from committed data. Nothing is
ever deleted key by key, so a change cannot miss a page (a language, a page number, a filter).

Saves through the ORM are seen by the signals below. Writes that send no signal (bulk_create, update())
call changed() themselves.

When a generation moves: once after the transaction of a change commits (on_commit), so that a page made
by another process from the data before the commit is not used after it; and, for this thread's own
requests within that transaction, before its next cached() (which also covers tests, whose transaction
never commits). A change costs no query; a transaction of many changes moves each generation once.
"""

import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

PUBLIC = "public"
SURVEY = "survey"

# The apps whose models pages are made of; every one of their models is in PUBLIC and SURVEY (the dashboard
# shows the plan too), but for these, which only the logged-in survey pages show.
WATCHED_APPS = {"plan", "initiatives", "reviews"}
SURVEY_ONLY = {"reviewcycle", "cycleevent", "statusentry", "historicalstatusentry"}


def _generation_key(scope):
    return f"generation:{scope}"


def _fresh_generation():
    # A lost generation (evicted, or the cache server restarted) starts again from the clock, which is
    # always past any number it reached before, so a page stored under an older one is never taken as new.
    return time.time_ns()


class _Unmoved(threading.local):
    """The scopes this thread changed whose generation has not moved since."""

    def __init__(self):
        self.scopes = set()


_unmoved = _Unmoved()


def _pending():
    return _unmoved.scopes


def _after_commit(scope):
    def move_on():
        _pending().discard(scope)
        _move_on([scope])

    return move_on


_AFTER_COMMIT = {scope: _after_commit(scope) for scope in (PUBLIC, SURVEY)}


def changed(*scopes):
    """Say that data in the scopes (both by default) changed: their pages are made afresh."""
    for scope in scopes or (PUBLIC, SURVEY):
        _pending().add(scope)
        # One callback per scope and transaction. Django keeps the transaction's callbacks in
        # run_on_commit, and drops those of a rolled-back block, so a rollback leaves nothing behind.
        callback = _AFTER_COMMIT[scope]
        if not any(registered is callback for _, registered, _ in connection.run_on_commit):
            transaction.on_commit(callback)


def _move_on(scopes):
    for scope in scopes:
        key = _generation_key(scope)
        try:
            cache.incr(key)
        except ValueError:  # not in the cache: start it
            cache.set(key, _fresh_generation(), timeout=None)


def _generations(found, scopes):
    missing = [s for s in scopes if _generation_key(s) not in found]
    for scope in missing:
        cache.add(_generation_key(scope), _fresh_generation(), timeout=None)
        found[_generation_key(scope)] = cache.get(_generation_key(scope))
    return tuple(found[_generation_key(s)] for s in scopes)


def cached(name, parts, make, scopes=(PUBLIC,)):
    """What make() returns (text or bytes), from the cache while nothing in scopes has changed.

    name and parts say which page: everything the result depends on besides the data (the language is added
    here). One cache read on a hit: the page and its scopes' generations are asked for together.
    """
    key = ":".join(["page", name, translation.get_language() or settings.LANGUAGE_CODE, *map(str, parts)])
    unmoved = _pending() & set(scopes)
    if unmoved:  # this thread changed them in a transaction not yet committed
        _move_on(unmoved)
        _pending().difference_update(unmoved)
    found = cache.get_many([key, *(_generation_key(s) for s in scopes)])
    generations = _generations(found, scopes)
    stored = found.get(key)
    if stored is not None and stored[0] == generations:
        return stored[1]
    value = make()
    cache.set(key, (generations, value), timeout=settings.PAGE_CACHE_SECONDS)
    return value


def cached_html(name, parts, template, make_context, request, scopes=(PUBLIC,)):
    """A part of a page: template rendered with make_context(), from the cache as cached() keeps it."""

    def make():
        return render_to_string(template, make_context(), request=request)

    # Our own template's output, stored as text: safe as it was when rendered.
    return mark_safe(cached(name, parts, make, scopes))


def _scopes_of(model):
    if model._meta.app_label not in WATCHED_APPS:
        return ()
    return (SURVEY,) if model._meta.model_name in SURVEY_ONLY else (PUBLIC, SURVEY)


def _on_change(sender, **kwargs):
    scopes = _scopes_of(sender)
    if scopes:
        changed(*scopes)


def _on_m2m_change(sender, instance, action, **kwargs):
    if action.startswith("post_"):
        _on_change(type(instance))


def _on_migrate(sender, **kwargs):
    # migrate and flush (which emits post_migrate) may change any table.
    if sender.label in WATCHED_APPS:
        _move_on((PUBLIC, SURVEY))


def connect():
    post_save.connect(_on_change, dispatch_uid="caching_post_save")
    post_delete.connect(_on_change, dispatch_uid="caching_post_delete")
    m2m_changed.connect(_on_m2m_change, dispatch_uid="caching_m2m_changed")
    post_migrate.connect(_on_migrate, dispatch_uid="caching_post_migrate")

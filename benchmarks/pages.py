"""The pages `manage.py bench` requests, and how one page is measured.

Each page is requested in-process with Django's test client, through the whole middleware stack, as the role
that uses it (anonymous for the public pages). Every page first gets one request (which finds whether it
exists), then one with the cache emptied (cold: queries counted), one warm-up request, and one with the cache as
the warm-up left it (warm: queries counted, bytes); then `runs` rounds of timed warm requests and `cold_runs`
rounds of timed requests each after emptying the cache. Timed requests run without query capture. A time is
the test client's call, from the request to the last byte of the response.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode


@dataclass(frozen=True)
class Page:
    name: str
    url_name: str
    args: Callable  # Built -> list of URL arguments
    user: str | None  # a key of Built.users; None: anonymous
    query: Callable | None = None  # Built -> {name: value}
    kind: str = "page"  # "page", "floor" or "admin"


# The pages of the issue, in the order of the table. A page the application no longer has (NoReverseMatch, 404)
# is printed as n/a with the reason.
PAGES = [
    Page("worklist", "reviews:worklist", lambda b: [b.open_cycle.pk], "staff"),
    Page("entry", "reviews:entry", lambda b: [b.open_cycle.pk, b.number], "staff"),
    Page("dashboard", "reviews:dashboard", lambda b: [b.published_cycle.pk], "committee"),
    Page("initiative page", "reviews:initiative", lambda b: [b.plan.ordinal, b.number], "staff"),
    Page("report", "reviews:report", lambda b: [b.published_cycle.pk], "committee"),
    Page("public plan page", "initiatives:plan_table", lambda b: [b.plan.ordinal], None),
    Page("open data JSON", "initiatives:download", lambda b: [b.plan.ordinal, "json"], None),
    Page("open data CSV", "initiatives:download", lambda b: [b.plan.ordinal, "csv"], None),
    Page("published list", "published:list", lambda b: [], None),
    Page(
        "published report",
        "published:report",
        lambda b: [b.plan.ordinal, b.published_cycle.fiscal_year],
        None,
    ),
]
FLOORS = [
    Page("floor (anonymous)", "bench_floor", lambda b: [], None, kind="floor"),
    Page("floor (logged in)", "bench_floor", lambda b: [], "staff", kind="floor"),
]
ADMIN = Page(
    "admin change list",
    "admin:initiatives_initiative_changelist",
    lambda b: [],
    "admin",
    query=lambda b: {"plan__id__exact": b.plan.pk},
    kind="admin",
)


class PageError(Exception):
    """A page answered with something other than 200 (or 404, which is n/a), or failed: the measurement stops."""


def url_of(page, built):
    url = reverse(page.url_name, args=page.args(built))
    if page.query:
        url += "?" + urlencode(page.query(built))
    return url


def _get(client, url):
    started = time.perf_counter()
    response = client.get(url)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, response, content


def _check(page, url, response):
    if response.status_code == 200:
        return None
    if response.status_code == 404:
        return f"404 at {url}"
    where = f" → {response['Location']}" if response.has_header("Location") else ""
    raise PageError(f"{page.name}: GET {url} answered {response.status_code}{where}, not 200")


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def first_request(page, built, clients):
    """The page's row, from its first request (cache emptied); n/a if the application has no such page."""
    row = {"name": page.name, "kind": page.kind, "user": page.user or "anonymous"}
    try:
        url = url_of(page, built)
    except NoReverseMatch as exc:
        return {**row, "na": f"no URL {page.url_name}: {exc}"}
    cache.clear()
    try:
        with CaptureQueriesContext(connection) as first:
            first_ms, response, _content = _get(clients[page.user], url)
    except Exception as exc:
        raise PageError(f"{page.name}: GET {url} raised {type(exc).__name__}: {exc}") from exc
    first_queries = len(first.captured_queries)
    if (reason := _check(page, url, response)) is not None:
        return {**row, "na": reason}
    return {
        **row,
        "url": url,
        "first_ms": first_ms,
        "first_queries": first_queries,
        "times_ms": [],
        "cold_times_ms": [],
    }


def counted_request(page, row, clients, cold):
    """The page's queries (and size) with the cache emptied first, or as the previous request left it."""
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        _ms, response, content = _get(clients[page.user], row["url"])
    # Read now: the next request outside a capture empties the connection's log (reset_queries).
    queries = [q["sql"] for q in captured.captured_queries]
    _check(page, row["url"], response)
    if cold:
        row["cold_queries"], row["sql"] = len(queries), [q[:300] for q in queries]
    else:
        row["queries"], row["bytes"] = len(queries), len(content)


def timed(page, row, clients, cold):
    if cold:
        cache.clear()
    ms, response, _content = _get(clients[page.user], row["url"])
    _check(page, row["url"], response)
    row["cold_times_ms" if cold else "times_ms"].append(ms)


def summarize(row):
    if row["times_ms"]:
        row["median_ms"] = statistics.median(row["times_ms"])
        row["p95_ms"] = p95(row["times_ms"])
    row["cold_median_ms"] = statistics.median(row["cold_times_ms"]) if row["cold_times_ms"] else None
    row["runs"], row["cold_runs"] = len(row["times_ms"]), len(row["cold_times_ms"])


def clients_for(built):
    clients = {None: Client()}
    for key, user in built.users.items():
        clients[key] = Client()
        clients[key].force_login(user)
    return clients


def measure_all(built, runs, cold_runs, log, save):
    """Floors, the admin change list, then the pages; `save(rows)` as they come, so a failure keeps the rest.

    The timed requests go round the pages (one request to each, then the next round), so that whatever else
    the machine is doing weighs on every page alike and the ratios between them hold.
    """
    clients = clients_for(built)
    measured = [*FLOORS, ADMIN, *PAGES]
    rows = []
    for page in measured:
        log(f"  {built.scale}×: {page.name}")
        rows.append(first_request(page, built, clients))
        save(rows)
    live = [(page, row) for page, row in zip(measured, rows, strict=True) if "na" not in row]
    log(f"  {built.scale}×: queries of {len(live)} pages, cold and warm")
    for page, row in live:
        counted_request(page, row, clients, cold=True)
    for page, row in live:  # the warm-up: each cold request above emptied the cache
        timed(page, row, clients, cold=False)
        row["times_ms"].clear()
    for page, row in live:
        counted_request(page, row, clients, cold=False)
    save(rows)
    for cold, count in ((False, runs), (True, cold_runs)):
        log(f"  {built.scale}×: {count} rounds of {'cold' if cold else 'warm'} requests to {len(live)} pages")
        for _ in range(count):
            for page, row in live:
                timed(page, row, clients, cold)
    for _page, row in live:
        summarize(row)
    save(rows)
    return rows

"""The people of the load test, for locust: `make loadtest` (benchmarks/loadtest.py) runs them against gunicorn.

Locust patches the standard library with gevent when it starts, so nothing here imports Django: the pages are
read as HTML, the way a browser would. What the driver set up comes in through the environment:

- LOADTEST_CYCLE, LOADTEST_PLAN_ORDINAL, LOADTEST_PLAN_ID, LOADTEST_NUMBERS (the survey and its 項番)
- LOADTEST_COMMITTEE, LOADTEST_STAFF, LOADTEST_ADMIN (user names, comma separated) and LOADTEST_PASSWORD
- LOADTEST_USERS (how many users locust starts), LOADTEST_SECONDS (how long the clock runs)
- LOADTEST_SAVES (accepted saves are appended here, one JSON line each), LOADTEST_RESULT (a JSON summary)
- LOADTEST_GUNICORN_PID, LOADTEST_DB_NAME (whose CPU time to count in the measured window)

Every user logs in (or, for a citizen, just arrives) first; when all of them are ready the statistics are reset
and the clock runs for LOADTEST_SECONDS: a log-in is a one-off that costs a password hash, not part of the load
a page sees. After the clock, no new request starts, the ones in flight finish, and locust quits.
"""

import html
import json
import os
import random
import resource
import time
from html.parser import HTMLParser
from itertools import count

import gevent
from gevent.event import Event
from locust import HttpUser, constant, constant_pacing, events, task
from locust.exception import StopUser


def _env_list(name):
    return [v for v in os.environ.get(name, "").split(",") if v]


CYCLE = os.environ.get("LOADTEST_CYCLE", "1")
PLAN_ORDINAL = os.environ.get("LOADTEST_PLAN_ORDINAL", "5")
PLAN_ID = os.environ.get("LOADTEST_PLAN_ID", "1")
NUMBERS = [int(n) for n in _env_list("LOADTEST_NUMBERS")] or list(range(1, 27))
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "")
ACCOUNTS = {role: _env_list(f"LOADTEST_{role.upper()}") for role in ("committee", "staff", "admin")}
EXPECTED_USERS = int(os.environ.get("LOADTEST_USERS", "1"))
SECONDS = float(os.environ.get("LOADTEST_SECONDS", "60"))
SAVES_PATH = os.environ.get("LOADTEST_SAVES", "")
RESULT_PATH = os.environ.get("LOADTEST_RESULT", "")
GUNICORN_PID = int(os.environ.get("LOADTEST_GUNICORN_PID", "0"))
DB_NAME = os.environ.get("LOADTEST_DB_NAME", "")
# Start anyway if some user is still not ready after this long (a log-in that hangs must not hang the test).
READY_TIMEOUT = float(os.environ.get("LOADTEST_READY_TIMEOUT", "180"))

LOGIN_URL = "/accounts/login/"
CONFLICT_TEXT = "保存できませんでした。この画面を開いた後に"


def cpu_seconds():
    """CPU time used so far by gunicorn (master and workers) and by the PostgreSQL backends of the scratch
    database, process by process; by this process; and the machine's busy and total time over all its CPUs.
    From /proc: Linux only."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"gunicorn": {}, "postgresql": {}}
    backend = f" {DB_NAME} ".encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read()
        except OSError:  # ended meanwhile
            continue
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        if GUNICORN_PID and GUNICORN_PID in (int(pid), int(fields[1])):
            used["gunicorn"][pid] = seconds
        elif DB_NAME and command.startswith(b"postgres: ") and backend in command:
            used["postgresql"][pid] = seconds
    own = resource.getrusage(resource.RUSAGE_SELF)
    used["locust"] = own.ru_utime + own.ru_stime
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, *rest = (int(v) for v in f.readline().split()[1:9])
    used["machine_busy"] = (user + nice + system + sum(rest)) / tick
    used["machine_total"] = (user + nice + system + idle + iowait + sum(rest)) / tick
    return used


def cpu_used_between(start, stop):
    """Seconds of CPU between two samples; a process that started in between counts from zero."""
    used = {}
    for key, value in stop.items():
        if isinstance(value, dict):
            used[key] = sum(v - start[key].get(pid, 0.0) for pid, v in value.items())
        else:
            used[key] = value - start[key]
    return used


class CpuMeter:
    """CPU time over the measured window, sampled every second: a process that ends (a database connection
    closed after CONN_MAX_AGE) takes only its last second's time with it."""

    def __init__(self):
        self.last = self.totals = None
        self.running = False

    def start(self):
        try:
            self.last = cpu_seconds()
        except (OSError, ValueError):  # not Linux
            return
        self.totals = dict.fromkeys(self.last, 0.0)
        self.running = True
        gevent.spawn(self._every_second)

    def _every_second(self):
        while self.running:
            gevent.sleep(1)
            if self.running:
                self._add()

    def _add(self):
        now = cpu_seconds()
        for key, seconds in cpu_used_between(self.last, now).items():
            self.totals[key] += seconds
        self.last = now

    def stop(self):
        if self.running:
            self.running = False
            self._add()

    def result(self):
        return {key: round(seconds, 2) for key, seconds in self.totals.items()} if self.totals else None


class Clock:
    """The measured window, shared by every user of this locust process."""

    def __init__(self):
        self.arrived = 0
        self.started = Event()
        self.stopping = False
        self.in_flight = 0
        self.start_time = self.stop_time = None
        self.cpu = CpuMeter()
        self.timed_out_waiting = False
        self.logins = {"ok": 0, "failed": 0, "seconds": []}
        self.saves = {"accepted": 0, "refused_stale": 0, "other": 0}
        self.next_account = {role: count() for role in ACCOUNTS}

    def account(self, role):
        names = ACCOUNTS[role]
        return names[next(self.next_account[role]) % len(names)]

    def arrive(self, environment):
        self.arrived += 1
        if self.arrived >= EXPECTED_USERS:
            self.start(environment)
        if not self.started.wait(READY_TIMEOUT):
            self.timed_out_waiting = True
            self.start(environment)

    def start(self, environment):
        if self.started.is_set():
            return
        environment.stats.reset_all()
        self.cpu.start()
        self.start_time = time.time()
        self.started.set()
        gevent.spawn(self.stop_later, environment)

    def stop_later(self, environment):
        gevent.sleep(SECONDS)
        self.stopping = True
        self.stop_time = time.time()
        self.cpu.stop()
        deadline = time.monotonic() + 60
        while self.in_flight and time.monotonic() < deadline:
            gevent.sleep(0.05)
        # Locust writes its CSV once a second: let it write the last requests before quitting.
        gevent.sleep(1.5)
        environment.runner.quit()

    def summary(self):
        seconds = sorted(self.logins["seconds"])
        return {
            "arrived": self.arrived,
            "expected": EXPECTED_USERS,
            "timed_out_waiting": self.timed_out_waiting,
            "measured_seconds": (self.stop_time or time.time()) - self.start_time if self.start_time else 0,
            "logins": {
                "ok": self.logins["ok"],
                "failed": self.logins["failed"],
                "median_ms": round(1000 * seconds[len(seconds) // 2]) if seconds else None,
                "max_ms": round(1000 * seconds[-1]) if seconds else None,
            },
            "saves": self.saves,
            "cpu_seconds": self.cpu.result(),
        }


clock = Clock()


@events.quitting.add_listener
def _write_summary(environment, **_kwargs):
    if RESULT_PATH:
        with open(RESULT_PATH, "w", encoding="utf-8") as f:
            json.dump(clock.summary(), f)


class EntryFormParser(HTMLParser):
    """The fields of the entry form (form.entry-form) as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.in_form = False
        self.found = False
        self.fields = {}
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "entry-form" in (attrs.get("class") or "").split():
            self.in_form = self.found = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and self.submitted(attrs):
            self.fields[name] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.fields[name] = None
        # A select submits its selected option, or its first one if none is selected.
        elif tag == "option" and self._select and ("selected" in attrs or self.fields[self._select] is None):
            self.fields[self._select] = attrs.get("value") or ""

    @staticmethod
    def submitted(attrs):
        kind = attrs.get("type", "text")
        if kind in ("checkbox", "radio"):
            return "checked" in attrs
        return kind not in ("submit", "button", "file", "image", "reset")

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self._textarea:
            # A browser drops the line break that opens a textarea's content.
            self.fields[self._textarea] = self.fields[self._textarea].removeprefix("\r").removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def csrf_token(page):
    marker = 'name="csrfmiddlewaretoken" value="'
    start = page.find(marker)
    if start < 0:
        return None
    start += len(marker)
    return html.unescape(page[start : page.index('"', start)])


class CityUser(HttpUser):
    """Logs in as ROLE (None: a citizen, no log-in), waits for everyone to be ready, then works."""

    abstract = True
    role = None
    # Seconds over which the users' first requests are spread once the clock starts: people who each ask a page
    # every two seconds do not all ask in the same instant.
    spread = 0

    def on_start(self):
        if self.role is not None:
            self.username = clock.account(self.role)
            self.log_in()
        clock.arrive(self.environment)
        gevent.sleep(random.uniform(0, self.spread))

    def log_in(self):
        started = time.monotonic()
        page = self.client.get(LOGIN_URL, name="login page")
        data = {
            "username": self.username,
            "password": PASSWORD,
            "next": "",
            "csrfmiddlewaretoken": csrf_token(page.text) or "",
        }
        with self.client.post(
            LOGIN_URL, data=data, name="login", allow_redirects=False, catch_response=True
        ) as response:
            ok = response.status_code == 302 and LOGIN_URL not in response.headers.get("Location", "")
            if ok:
                response.success()
            else:
                response.failure(f"log-in of {self.username} refused: {response.status_code}")
        clock.logins["ok" if ok else "failed"] += 1
        clock.logins["seconds"].append(time.monotonic() - started)

    def page(self, url, name, follow=False, check=None):
        """GET a page; True if it answered 200 and check(response) found nothing wrong (a lost session shows
        as a redirect to the log-in, and fails the request)."""
        if clock.stopping:
            raise StopUser()
        clock.in_flight += 1
        try:
            with self.client.get(url, name=name, allow_redirects=follow, catch_response=True) as response:
                if response.status_code != 200:
                    where = response.headers.get("Location", "")
                    response.failure(f"{response.status_code} {where}".strip())
                    return False
                if check is not None and (problem := check(response)):
                    response.failure(problem)
                    return False
                return True
        finally:
            clock.in_flight -= 1


def initiative_number():
    return random.choice(NUMBERS)


class CommitteeReader(CityUser):
    """情報システム委員会 委員: reads the dashboard, the report, the worklist and initiatives' pages."""

    role = "committee"
    weight = 1
    wait_time = constant_pacing(2)
    spread = 2

    @task
    def dashboard(self):
        self.page(f"/reviews/{CYCLE}/dashboard/", "dashboard")

    @task
    def report(self):
        self.page(f"/reviews/{CYCLE}/report/", "report")

    @task
    def worklist(self):
        self.page(f"/reviews/{CYCLE}/", "worklist")

    @task
    def initiative(self):
        self.page(f"/reviews/plans/{PLAN_ORDINAL}/initiatives/{initiative_number()}/", "initiative page")


class CitizenReader(CityUser):
    """A citizen, not logged in: the plan's public page, the published reports, the open data, the home page."""

    weight = 1
    wait_time = constant_pacing(2)
    spread = 2

    @task
    def plan_page(self):
        self.page(f"/plans/{PLAN_ORDINAL}/", "plan page (public)")

    @task
    def published(self):
        self.page("/published/", "published list")

    @task
    def open_data(self):
        self.page(f"/open-data/plans/{PLAN_ORDINAL}.json", "open data json")

    @task
    def home(self):
        # The home page redirects to the plan in force; a citizen's browser follows it.
        def led_to_plan(response):
            if not response.url.endswith(f"/plans/{PLAN_ORDINAL}/"):
                return f"home led to {response.url}"

        self.page("/", "home (→ plan page)", follow=True, check=led_to_plan)


class StaffWriter(CityUser):
    """情報管理課 職員: opens an entry, types for a moment, and saves it with a new 取組内容 through the form.

    A redirect is an accepted save (recorded in LOADTEST_SAVES); 409 with the conflict page is a save refused
    because another writer saved the same entry in between (counted, not an error); anything else is an error.
    """

    role = "staff"
    fixed_count = 5
    wait_time = constant_pacing(2)
    spread = 2

    def on_start(self):
        self.saved = 0
        super().on_start()

    @task
    def edit_entry(self):
        number = initiative_number()
        url = f"/reviews/{CYCLE}/entries/{number}/"
        parser = EntryFormParser()

        def has_form(response):
            parser.feed(response.text)
            if not parser.found or "based_on_version" not in parser.fields:
                return "no entry form on the page"

        if not self.page(url, "entry GET", check=has_form):
            return
        gevent.sleep(random.uniform(0.2, 1.0))  # typing
        if clock.stopping:
            raise StopUser()
        self.saved += 1
        marker = f"loadtest {self.username} {self.saved}"
        based_on = int(parser.fields["based_on_version"])
        data = {**parser.fields, "actions": marker}
        clock.in_flight += 1
        try:
            self.post_entry(url, number, marker, based_on, data)
        finally:
            clock.in_flight -= 1

    def post_entry(self, url, number, marker, based_on, data):
        with self.client.post(
            url, data=data, name="entry POST", allow_redirects=False, catch_response=True
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code in (302, 303) and LOGIN_URL not in location:
                clock.saves["accepted"] += 1
                with open(SAVES_PATH, "a", encoding="utf-8") as f:
                    record = {"number": number, "marker": marker, "based_on_version": based_on}
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
                response.success()
            elif response.status_code == 409 and CONFLICT_TEXT in response.text:
                clock.saves["refused_stale"] += 1
                response.success()
            else:
                clock.saves["other"] += 1
                response.failure(f"save answered {response.status_code} {location}".strip())


# --- Saturation: one page, no waiting, as many requests as the server answers -------------------------------


class SaturateDashboard(CityUser):
    role = "committee"
    wait_time = constant(0)

    @task
    def dashboard(self):
        self.page(f"/reviews/{CYCLE}/dashboard/", "dashboard")


class SaturateAdminChangeList(CityUser):
    role = "admin"
    wait_time = constant(0)

    @task
    def change_list(self):
        self.page(f"/admin/initiatives/initiative/?plan__id__exact={PLAN_ID}", "admin change list")


class SaturatePlanPage(CityUser):
    wait_time = constant(0)

    @task
    def plan_page(self):
        self.page(f"/plans/{PLAN_ORDINAL}/", "plan page (public)")


class SaturateFloor(CityUser):
    """The log-in page, anonymous: a small template through every middleware, the cheapest page there is."""

    wait_time = constant(0)

    @task
    def login_page(self):
        self.page(LOGIN_URL, "login page (floor)")

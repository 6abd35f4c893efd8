"""The load test: gunicorn on PostgreSQL on loopback, readers and writers for a fixed time (`make loadtest`).

    uv run --frozen python -m benchmarks.loadtest [--seconds N] [--saturation-seconds N] [--keep]

It makes a scratch database (loadtest_<pid>) on the PostgreSQL server of DATABASE_URL (default
postgres://root@127.0.0.1:5432/), migrates it, loads the seed plan, adds the people of the test and a survey
open for entry, and starts gunicorn with the production settings (DEBUG=0) on a free port. Then, with locust
(benchmarks/locustfile.py):

1. At the seed's scale: 50 readers, each asking a page every two seconds (25 committee members: dashboard,
   report, worklist, initiative pages; 25 citizens: the public plan page, the published reports, the open
   data, the home page), and 5 staff writers saving entries through the real form. Targets: no errors, p95
   under 500 ms, every accepted save in the history and no version claimed twice (checked in the database
   afterwards).
2. Saturation, no waiting: the dashboard alone, then the admin change list of the plan's initiatives alone
   (target: the dashboard answers at least as many requests a second), then the public plan page and the
   log-in page as a floor, for comparison.

It prints what it measured whether or not a target is met, writes it to test-artifacts/loadtest.json, and
exits 1 if a target is missed. Django is set up only in child processes (the setup and the check): locust
patches the standard library with gevent, and this process starts locust.
"""

import argparse
import csv
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LOCUSTFILE = BASE_DIR / "benchmarks" / "locustfile.py"
ARTIFACT = BASE_DIR / "test-artifacts" / "loadtest.json"
DEFAULT_SERVER = "postgres://root@127.0.0.1:5432/postgres"

# The targets, at the seed's scale.
READERS = 50
WRITERS = 5  # StaffWriter.fixed_count in the locustfile
TARGET_P95_MS = 500
SATURATION_USERS = 20

COMMITTEE_ACCOUNTS = READERS // 2
PHASE1_CLASSES = ["CommitteeReader", "CitizenReader", "StaffWriter"]
# (what is measured, the locust user classes, the request whose numbers are shown)
SATURATION_RUNS = [
    ("dashboard", ["SaturateDashboard"], "dashboard"),
    ("admin change list", ["SaturateAdminChangeList"], "admin change list"),
    ("plan page (public)", ["SaturatePlanPage"], "plan page (public)"),
    ("floor: login page", ["SaturateFloor"], "login page (floor)"),
    # Not a target: the dashboard is kept in the cache until an entry is saved, so alone it is measured on the
    # cached path; here the writers' saves (a few a second) make it afresh now and then, as in real use.
    ("dashboard, 5 staff saving", ["SaturateDashboard", "StaffWriter"], "dashboard"),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("LOADTEST_SECONDS", 60)),
        help="how long the readers and writers run (default 60, or LOADTEST_SECONDS)",
    )
    parser.add_argument(
        "--saturation-seconds",
        type=float,
        default=None,
        help="how long each saturation run lasts (default 20, or --seconds if shorter)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch database and the work directory"
    )
    parser.add_argument("--child", choices=["setup", "verify"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--saves", help=argparse.SUPPRESS)
    parser.add_argument("--cycle", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "setup":
        return child_setup(Path(args.out))
    if args.child == "verify":
        return child_verify(Path(args.saves), args.cycle, Path(args.out))
    if args.saturation_seconds is None:
        args.saturation_seconds = min(20.0, args.seconds)
    return LoadTest(args).run()


# --- The driver ----------------------------------------------------------------------------------------------


class SetupFailed(Exception):
    pass


class LoadTest:
    def __init__(self, args):
        self.args = args
        self.server = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
        if urllib.parse.urlsplit(self.server).scheme not in ("postgres", "postgresql", "pgsql"):
            raise SystemExit(f"The load test runs on PostgreSQL; DATABASE_URL is {self.server!r}.")
        self.db_name = f"loadtest_{os.getpid()}"
        self.work = Path(tempfile.mkdtemp(prefix="loadtest-"))
        self.password = secrets.token_urlsafe(24)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workers = int(os.environ.get("WEB_CONCURRENCY") or max(4, 2 * (os.cpu_count() or 1)))
        self.gunicorn = None
        self.gunicorn_log = self.work / "gunicorn.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(self.server, self.db_name),
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "HTTPS": "0",
            "CONN_MAX_AGE": "60",
            "STATIC_ROOT": str(self.work / "static"),
            "IMPORT_STAGING_DIR": str(self.work / "imports"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # A cache server named in CACHE_URL may be shared: keep this database's pages apart from others'.
            "CACHE_KEY_PREFIX": self.db_name,
        }
        self.results = {
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": self.db_name,
            "gunicorn_workers": self.workers,
            "cpu_count": os.cpu_count(),
            "seconds": args.seconds,
            "saturation_seconds": args.saturation_seconds,
            "targets": [],
        }

    def run(self):
        started = time.monotonic()
        print(f"Load test: scratch database {self.db_name}, work directory {self.work}")
        self.note_load("before")
        create_database(self.server, self.db_name)
        try:
            self.set_up()
            self.start_gunicorn()
            self.phase_one()
            self.phase_two()
        except SetupFailed as exc:
            print(f"\nSET-UP FAILED: {exc}")
            self.results["setup_failed"] = str(exc)
        finally:
            self.stop_gunicorn()
            if self.gunicorn_log.exists():
                self.results["gunicorn_log"] = self.report_log(0, "whole run")
            if self.args.keep:
                print(f"\nKept: database {self.env['DATABASE_URL']} and {self.work}")
            else:
                drop_database(self.server, self.db_name)
                shutil.rmtree(self.work, ignore_errors=True)
            self.results["run_seconds"] = round(time.monotonic() - started, 1)
            self.write_artifact()
        missed = [t for t in self.results["targets"] if not t["passed"]]
        print(f"\nRun time {self.results['run_seconds']:.0f} s. Results in {ARTIFACT.relative_to(BASE_DIR)}.")
        if "setup_failed" in self.results:
            return 2
        print("All targets met." if not missed else f"{len(missed)} target(s) missed.")
        return 1 if missed else 0

    # Set-up ---------------------------------------------------------------------------------------------------

    def manage(self, *command):
        self.child([sys.executable, "manage.py", *command], " ".join(command))

    def child(self, command, what):
        started = time.monotonic()
        done = subprocess.run(command, cwd=BASE_DIR, env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SetupFailed(f"{what} exited with {done.returncode}:\n{done.stdout}{done.stderr}")
        print(f"  {what}: {time.monotonic() - started:.1f} s")

    def set_up(self):
        print("Setting up:")
        self.manage("migrate", "--no-input", "-v", "0")
        self.manage("createcachetable")
        self.manage("load_seed")
        setup_file = self.work / "setup.json"
        self.env["LOADTEST_PASSWORD"] = self.password
        self.child(
            [sys.executable, "-m", "benchmarks.loadtest", "--child", "setup", "--out", str(setup_file)],
            "people and survey",
        )
        self.setup = json.loads(setup_file.read_text(encoding="utf-8"))
        self.manage("collectstatic", "--no-input", "-v", "0")
        self.results["setup"] = {k: v for k, v in self.setup.items() if k != "accounts"}
        print(
            f"  survey {self.setup['cycle_title']} (cycle {self.setup['cycle']}, "
            f"{len(self.setup['numbers'])} entries) of plan {self.setup['plan_ordinal']}"
        )

    def start_gunicorn(self):
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(self.workers)}
        log = self.gunicorn_log.open("ab")
        command = [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "config/gunicorn.py"]
        # The access log goes nowhere during the test: writing a line per request is not the application's cost.
        command += ["--access-logfile", "/dev/null"]
        # Nor a control socket: its default path is one per OS user, shared with any other gunicorn running.
        command += ["--no-control-socket"]
        self.gunicorn = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.base_url}/accounts/login/", timeout=10) as response:
                    if response.status == 200:
                        break
            except (OSError, urllib.error.HTTPError) as exc:
                if self.gunicorn.poll() is not None or time.monotonic() > deadline:
                    tail = self.gunicorn_log.read_text(errors="replace")[-3000:]
                    raise SetupFailed(f"gunicorn did not answer ({exc}):\n{tail}") from None
            time.sleep(0.2)
        print(f"gunicorn: {self.workers} sync workers on {self.base_url}")

    def stop_gunicorn(self):
        if self.gunicorn is None or self.gunicorn.poll() is not None:
            return
        self.gunicorn.send_signal(signal.SIGTERM)
        try:
            self.gunicorn.wait(40)
        except subprocess.TimeoutExpired:
            self.gunicorn.kill()
            self.gunicorn.wait()

    # Running locust -------------------------------------------------------------------------------------------

    def locust(self, label, classes, users, seconds, saves=None):
        prefix = self.work / label
        result_file = self.work / f"{label}-result.json"
        accounts = self.setup["accounts"]
        env = {
            **self.env,
            "LOADTEST_CYCLE": str(self.setup["cycle"]),
            "LOADTEST_PLAN_ORDINAL": str(self.setup["plan_ordinal"]),
            "LOADTEST_PLAN_ID": str(self.setup["plan_id"]),
            "LOADTEST_NUMBERS": ",".join(map(str, self.setup["numbers"])),
            "LOADTEST_COMMITTEE": ",".join(accounts["committee"]),
            "LOADTEST_STAFF": ",".join(accounts["staff"]),
            "LOADTEST_ADMIN": ",".join(accounts["admin"]),
            "LOADTEST_PASSWORD": self.password,
            "LOADTEST_USERS": str(users),
            "LOADTEST_SECONDS": str(seconds),
            "LOADTEST_SAVES": str(saves or self.work / "unused-saves.jsonl"),
            "LOADTEST_RESULT": str(result_file),
            "LOADTEST_GUNICORN_PID": str(self.gunicorn.pid),
            "LOADTEST_DB_NAME": self.db_name,
        }
        command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
        # The locustfile stops itself once every user has logged in and `seconds` have passed; -t is a backstop.
        command += ["-u", str(users), "-r", str(users), "-t", f"{int(seconds) + 300}s"]
        command += ["--host", self.base_url, "--csv", str(prefix), "--only-summary", *classes]
        log_offset = self.gunicorn_log.stat().st_size
        with (self.work / f"{label}-locust.log").open("w") as log:
            done = subprocess.run(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        locust_log = (self.work / f"{label}-locust.log").read_text(errors="replace")
        if not result_file.exists() or not Path(f"{prefix}_stats.csv").exists():
            raise SetupFailed(f"locust ({label}) exited with {done.returncode}:\n{locust_log[-3000:]}")
        run = {
            "users": users,
            "classes": classes,
            **json.loads(result_file.read_text(encoding="utf-8")),
            "rows": read_stats(Path(f"{prefix}_stats.csv")),
            "failures": read_failures(Path(f"{prefix}_failures.csv")),
            "locust_warnings": sorted(
                {line.strip() for line in locust_log.splitlines() if "WARNING" in line}
            ),
        }
        run["log_offset"] = log_offset
        return run

    def phase_one(self):
        print(
            f"\nPhase 1: {READERS} readers ({READERS // 2} committee members, {READERS // 2} citizens), "
            f"each a page every 2 s, and {WRITERS} staff writers; {self.args.seconds:.0f} s measured"
        )
        saves = self.work / "saves.jsonl"
        saves.touch()
        run = self.locust("phase1", PHASE1_CLASSES, READERS + WRITERS, self.args.seconds, saves)
        print_login_line(run)
        print_table(run["rows"])
        print_cpu_line(run)
        print_failures(run)
        total = total_row(run["rows"])
        check_file = self.work / "verify.json"
        self.child(
            [
                sys.executable,
                "-m",
                "benchmarks.loadtest",
                "--child",
                "verify",
                "--saves",
                str(saves),
                "--cycle",
                str(self.setup["cycle"]),
                "--out",
                str(check_file),
            ],
            "checking the saves in the database",
        )
        check = json.loads(check_file.read_text(encoding="utf-8"))
        check["refused_stale"] = run["saves"]["refused_stale"]
        check["save_errors"] = run["saves"]["other"]
        run["check"] = check
        print(
            f"  saves accepted {check['accepted']}, refused as stale {check['refused_stale']}, "
            f"all in history: {'yes' if check['all_in_history'] else 'no'}, "
            f"versions claimed twice: {check['claimed_twice']}"
        )
        for problem in check["problems"][:10]:
            print(f"    {problem}")
        run["gunicorn_log"] = self.report_log(run.pop("log_offset"), "phase 1")
        failures = total["failures"] if total else 0
        server_errors = len(run["gunicorn_log"]["errors"])
        p95 = total["p95"] if total else None
        kept = check["all_in_history"] and check["last_save_is_current"] and check["claimed_twice"] == 0
        print("  Targets:")
        self.target(
            "phase 1: no errors",
            failures == 0 and server_errors == 0,
            f"{failures} failed requests, {server_errors} error lines in gunicorn's log",
        )
        self.target(
            f"phase 1: p95 under {TARGET_P95_MS} ms",
            p95 is not None and p95 < TARGET_P95_MS,
            f"p95 {fmt_ms(p95)} ms over all requests",
        )
        self.target(
            "phase 1: every accepted save kept, none claimed a version twice",
            kept and check["accepted"] > 0,
            f"{check['accepted']} accepted, {len(check['problems'])} problems",
        )
        self.results["phase1"] = run
        self.note_load("after phase 1")

    def phase_two(self):
        seconds = self.args.saturation_seconds
        print(f"\nPhase 2: saturation, {SATURATION_USERS} users with no wait, {seconds:.0f} s each page")
        runs = {}
        self.results["saturation"] = runs
        for number, (name, classes, request) in enumerate(SATURATION_RUNS, start=1):
            users = SATURATION_USERS + (WRITERS if "StaffWriter" in classes else 0)
            saves = self.work / f"saturation-{number}-saves.jsonl"
            run = self.locust(f"saturation-{number}", classes, users, seconds, saves)
            run["gunicorn_log"] = self.report_log(run.pop("log_offset"), None)
            run["request"] = request
            runs[name] = run
        print(f"  {'page':<28}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>7} (ms){'fails':>7}")
        for name, run in runs.items():
            row = named_row(run["rows"], run["request"])
            print(
                f"  {name:<28}{row.get('rps', 0):>8.1f}{fmt_ms(row.get('p50')):>7}{fmt_ms(row.get('p95')):>7}"
                f"{fmt_ms(row.get('p99')):>7}{fmt_ms(row.get('max')):>7}     {row.get('failures', 0):>7}"
            )
            if run["logins"]["failed"]:
                print(f"    {name}: {run['logins']['failed']} log-ins failed")
            print_cpu_line(run, indent="    ")
            if run["saves"]["accepted"] or run["saves"]["refused_stale"]:
                print(
                    f"    (meanwhile {run['saves']['accepted']} saves accepted, "
                    f"{run['saves']['refused_stale']} refused as stale)"
                )
        for run in runs.values():
            print_failures(run)
        self.note_load("after phase 2")
        dashboard = named_row(runs["dashboard"]["rows"], "dashboard").get("rps", 0)
        change_list = named_row(runs["admin change list"]["rows"], "admin change list").get("rps", 0)
        print("  Targets:")
        self.target(
            "saturation: dashboard req/s at least the admin change list's",
            dashboard >= change_list and dashboard > 0,
            f"{dashboard:.1f} vs {change_list:.1f} req/s",
        )

    # Reporting ------------------------------------------------------------------------------------------------

    def note_load(self, when):
        """The machine's load average: gunicorn, PostgreSQL and locust share its CPUs with anything else running."""
        load = os.getloadavg()[0]
        self.results.setdefault("load_average", {})[when] = load
        print(f"  load average (1 min) {when}: {load:.2f} on {os.cpu_count()} CPUs")

    def target(self, name, passed, measured):
        self.results["targets"].append({"target": name, "passed": passed, "measured": measured})
        print(f"    {'PASS' if passed else 'MISS'}  {name} ({measured})")

    def report_log(self, offset, label):
        """gunicorn's and Django's log lines from offset on: warnings counted by kind, errors quoted."""
        with self.gunicorn_log.open("rb") as f:
            f.seek(offset)
            lines = f.read().decode(errors="replace").splitlines()
        summary = summarize_log(lines)
        if label and (summary["errors"] or summary["warnings"]):
            print(f"  gunicorn log ({label}): {len(summary['errors'])} error lines")
            for kind, n in summary["warnings"].items():
                print(f"    {n:>6} × {kind}")
            for line in summary["errors"][:10]:
                print(f"    {line[:300]}")
        return summary

    def write_artifact(self):
        ARTIFACT.parent.mkdir(exist_ok=True)
        ARTIFACT.write_text(json.dumps(self.results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def print_login_line(run):
    logins = run["logins"]
    print(
        f"  {run['arrived']} users ready ({logins['ok']} log-ins, {logins['failed']} failed, median "
        f"{logins['median_ms']} ms, slowest {logins['max_ms']} ms; not in the table), then "
        f"{run['measured_seconds']:.1f} s measured"
        + (" — some users were still not ready after the time-out" if run["timed_out_waiting"] else "")
    )


def print_cpu_line(run, indent="  "):
    """Where the CPU went in the measured window: the server, the database, locust, and the rest of the machine."""
    cpu, seconds = run.get("cpu_seconds"), run["measured_seconds"]
    if not cpu or not seconds:
        return
    requests = (total_row(run["rows"]) or {}).get("count") or 1
    machine = cpu["machine_total"] or 1
    others = max(0.0, cpu["machine_busy"] - cpu["gunicorn"] - cpu["postgresql"] - cpu["locust"])
    print(
        f"{indent}CPU in the window: gunicorn {cpu['gunicorn'] / seconds:.2f} CPUs "
        f"({1000 * cpu['gunicorn'] / requests:.0f} ms a request), PostgreSQL {cpu['postgresql'] / seconds:.2f}, "
        f"locust {cpu['locust'] / seconds:.2f}, everything else on the machine {others / seconds:.2f}; "
        f"machine {100 * cpu['machine_busy'] / machine:.0f}% busy"
    )


def print_table(rows):
    print(
        f"  {'request':<24}{'count':>7}{'fails':>7}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>7} (ms)"
    )
    for row in rows:
        if row["count"] == 0 and row["name"] != "Aggregated":
            continue  # the log-ins, made before the clock started
        label = "all requests" if row["name"] == "Aggregated" else row["name"]
        print(
            f"  {label:<24}{row['count']:>7}{row['failures']:>7}{row['rps']:>8.1f}{fmt_ms(row['p50']):>7}"
            f"{fmt_ms(row['p95']):>7}{fmt_ms(row['p99']):>7}{fmt_ms(row['max']):>7}"
        )


def print_failures(run):
    for failure in run["failures"]:
        print(
            f"  failed: {failure['occurrences']} × {failure['method']} {failure['name']}: {failure['error']}"
        )
    for warning in run["locust_warnings"][:5]:
        print(f"  locust: {warning}")


def fmt_ms(value):
    return "-" if value is None else f"{value:.0f}"


def read_stats(path):
    rows = []
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            rows.append(
                {
                    "method": row["Type"],
                    "name": row["Name"],
                    "count": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "avg": number(row["Average Response Time"]),
                    "p50": number(row["50%"]),
                    "p95": number(row["95%"]),
                    "p99": number(row["99%"]),
                    "max": number(row["Max Response Time"]),
                }
            )
    return rows


def read_failures(path):
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return [
            {
                "method": r["Method"],
                "name": r["Name"],
                "error": r["Error"],
                "occurrences": int(r["Occurrences"]),
            }
            for r in csv.DictReader(f)
        ]


def named_row(rows, name):
    return next((r for r in rows if r["name"] == name), {})


def total_row(rows):
    return next((r for r in rows if r["name"] == "Aggregated"), None)


def number(text):
    try:
        return float(text)
    except ValueError:  # "N/A" where nothing was measured
        return None


def summarize_log(lines):
    """Warnings by logger and message start (Django: "… WARNING django.request Conflict: …"; gunicorn:
    "[…] [WARNING] …"); error lines (ERROR, CRITICAL, tracebacks, worker time-outs) as they are."""
    warnings, errors = Counter(), []
    error_marks = (" ERROR ", " CRITICAL ", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT", "Traceback")
    for line in lines:
        if any(mark in line for mark in error_marks):
            errors.append(line)
        elif " WARNING " in line:
            logger, _space, message = line.split(" WARNING ", 1)[1].partition(" ")
            warnings[f"{logger} {message.split(':')[0][:40]}"] += 1
        elif "[WARNING]" in line:
            warnings[f"gunicorn {line.split('[WARNING]', 1)[1].strip()[:40]}"] += 1
    return {"warnings": dict(warnings.most_common()), "errors": errors}


# --- PostgreSQL and the network ------------------------------------------------------------------------------


def database_url(server, name):
    parts = urllib.parse.urlsplit(server)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _maintenance_connection(server):
    import psycopg

    parts = urllib.parse.urlsplit(server)
    url = urllib.parse.urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    return psycopg.connect(url, autocommit=True)


def create_database(server, name):
    with _maintenance_connection(server) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(server, name):
    assert name.startswith("loadtest"), name
    with _maintenance_connection(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- In a child process, with Django set up against the scratch database -------------------------------------


def _django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def child_setup(out):
    """The people of the test (one password, hashed once) and a survey of the current plan's fiscal year, opened
    for entry the way an administrator opens one."""
    _django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from plan.models import Plan
    from reviews.cycles import start_cycle, take_step
    from reviews.models import CycleState, ReviewCycle
    from reviews.roles import Role

    User = get_user_model()
    hashed = make_password(os.environ["LOADTEST_PASSWORD"])
    with transaction.atomic():
        admin = User.objects.create(
            username="loadtest-admin", password=hashed, is_staff=True, is_superuser=True
        )
        admin.groups.add(Role.ADMIN.group())
        accounts = {"admin": [admin.username]}
        for name, role, n in (
            ("committee", Role.COMMITTEE, COMMITTEE_ACCOUNTS),
            ("staff", Role.STAFF, WRITERS),
        ):
            users = User.objects.bulk_create(
                User(username=f"loadtest-{name}-{i:02d}", password=hashed) for i in range(1, n + 1)
            )
            role.group().user_set.add(*users)
            accounts[name] = [u.username for u in users]
        # The plan in force, as the home page finds it.
        plans = Plan.objects.filter(initiatives__isnull=False).distinct().order_by("-ordinal")
        plan = plans.exclude(adopted="").first() or plans.first()
        today = timezone.localdate()
        year = today.year if today.month >= 4 else today.year - 1
        if year not in plan.fiscal_years:
            year = plan.last_fiscal_year
        cycle = ReviewCycle.objects.filter(plan=plan, fiscal_year=year).first() or start_cycle(
            plan, year, admin
        )
        if cycle.state == CycleState.PREPARING:
            cycle = take_step(cycle, "open", admin)
        numbers = list(
            cycle.entries.order_by("initiative__number").values_list("initiative__number", flat=True)
        )
    out.write_text(
        json.dumps(
            {
                "plan_ordinal": plan.ordinal,
                "plan_id": plan.pk,
                "cycle": cycle.pk,
                "cycle_title": str(cycle.title),
                "cycle_state": cycle.state,
                "numbers": numbers,
                "accounts": accounts,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return 0


def child_verify(saves_path, cycle_id, out):
    """Every save the writers saw accepted is a version in the entry's history with its marker; each entry's
    current text is its last accepted save's; no (entry, version) is in the history twice; no version skipped."""
    _django()
    from reviews.models import StatusEntry

    saves = [json.loads(line) for line in saves_path.read_text(encoding="utf-8").splitlines() if line]
    entries = {
        e.initiative.number: e
        for e in StatusEntry.objects.filter(cycle_id=cycle_id).select_related("initiative")
    }
    history = list(
        StatusEntry.history.model.objects.filter(cycle_id=cycle_id).values_list("id", "version", "actions")
    )
    kept = {(pk, version, actions) for pk, version, actions in history}
    claims = Counter((pk, version) for pk, version, _actions in history)
    missing = [
        save
        for save in saves
        if (entries[save["number"]].pk, save["based_on_version"] + 1, save["marker"]) not in kept
    ]
    problems = [f"項番 {s['number']}: accepted save {s['marker']!r} is not in the history" for s in missing]
    twice = [(pk, version, n) for (pk, version), n in claims.items() if n > 1]
    number_of = {e.pk: number for number, e in entries.items()}
    problems += [f"項番 {number_of[pk]}: version {v} is in the history {n} times" for pk, v, n in twice]
    last_is_current = True
    for number, entry in entries.items():
        versions = sorted(v for pk, v, _a in history if pk == entry.pk)
        if versions != list(range(entry.version + 1)):
            problems.append(f"項番 {number}: history versions {versions} for current version {entry.version}")
        own = [s for s in saves if s["number"] == number]
        if own:
            last = max(own, key=lambda s: s["based_on_version"])
            if (entry.actions, entry.version) != (last["marker"], last["based_on_version"] + 1):
                last_is_current = False
                problems.append(
                    f"項番 {number}: current {entry.actions!r} (version {entry.version}), last accepted save "
                    f"{last['marker']!r} (version {last['based_on_version'] + 1})"
                )
    markers = {s["marker"] for s in saves}
    unseen = [a for _pk, _v, a in history if a.startswith("loadtest ") and a not in markers]
    if unseen:
        problems.append(f"{len(unseen)} saves are in the history that no writer saw accepted: {unseen[:3]}")
    result = {
        "accepted": len(saves),
        "entries_saved": len({s["number"] for s in saves}),
        "history_rows": len(history),
        "all_in_history": not missing,
        "last_save_is_current": last_is_current,
        "claimed_twice": len(twice),
        "saved_but_unseen": len(unseen),
        "problems": problems,
    }
    out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`manage.py bench`: the application measured at the seed's scale and at 100×, on a scratch database.

The command never opens the database DATABASE_URL names. For each scale it makes a scratch database (SQLite: a
temporary file; PostgreSQL: bench_… on the same server, dropped afterwards whatever happens) and runs itself
again in a child process (--inner) with DATABASE_URL pointing there and the production switches set
(benchmarks/scratch.py). The child migrates, loads the seed, builds the data (benchmarks/scale.py), measures
the pages in-process (benchmarks/pages.py) and the files and imports each in a process of its own
(benchmarks/files.py, --measure), and writes what it measured as JSON. This process then judges the targets
(benchmarks/report.py), prints one table per scale and writes test-artifacts/bench-<database>.json.
"""

import datetime
import io
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from benchmarks import report, scratch

DEFAULT_RUNS = 30
QUICK_RUNS = 5


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Command(BaseCommand):
    help = (
        "性能を測定します：計画書の規模と100倍の規模のデータを使い捨てのデータベースに作り、画面・ファイル・取込の"
        "時間、クエリ数、大きさ、メモリを表にします（DATABASE_URL のデータベースには触れません）。"
    )
    # The parent must not touch the user's database, not even for the checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="1,100", help="scales to measure, e.g. 1,100 (default)")
        parser.add_argument(
            "--runs", type=int, default=None, help=f"timed requests a page (default {DEFAULT_RUNS})"
        )
        parser.add_argument(
            "--quick", action="store_true", help=f"{QUICK_RUNS} runs a page, files and imports once"
        )
        parser.add_argument("--output", help="JSON file (default test-artifacts/bench-<database>.json)")
        # Internal: the child process of one scale, and the process of one file or import measurement.
        parser.add_argument("--inner", action="store_true", help="(internal)")
        parser.add_argument("--cold-runs", type=int, default=None, help="(internal)")
        parser.add_argument("--out", help="(internal)")
        parser.add_argument("--workdir", help="(internal)")
        parser.add_argument("--measure", help="(internal)")

    def handle(self, *args, **options):
        if options["measure"]:
            from benchmarks import files

            files.run_spec(options["measure"])
            return
        runs = options["runs"] or (QUICK_RUNS if options["quick"] else DEFAULT_RUNS)
        if runs < 1:
            raise CommandError("--runs must be at least 1")
        cold_runs = options["cold_runs"] if options["cold_runs"] is not None else max(2, runs // 3)
        if options["inner"]:
            self.inner(
                int(options["scale"]), runs, cold_runs, options["quick"], options["out"], options["workdir"]
            )
            return
        try:
            scales = sorted({int(s) for s in options["scale"].split(",") if s.strip()})
        except ValueError:
            raise CommandError("--scale takes whole numbers, e.g. 1,100") from None
        if not scales or min(scales) < 1:
            raise CommandError("--scale takes whole numbers of at least 1, e.g. 1,100")
        self.outer(scales, runs, cold_runs, options["quick"], options["output"])

    # --- The parent: scratch databases, child processes, the tables ------------------------------------

    def outer(self, scales, runs, cold_runs, quick, output):
        kind = scratch.vendor()
        # Stopped with SIGTERM, still drop the scratch databases (the `finally` blocks run on SystemExit).
        signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
        started = time.perf_counter()
        load_before = os.getloadavg()
        results = []
        with scratch.workdir() as work:
            log("collecting static files (DEBUG is off in the measured process)")
            env = scratch.child_env(f"sqlite:///{work}/unused.sqlite3", work)
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                env=env,
                cwd=settings.BASE_DIR,
                check=True,
                stdout=sys.stderr,
            )
            for scale in scales:
                results.append(self.run_scale(kind, scale, runs, cold_runs, quick, work))
        if kind == "postgresql" and (left := scratch.leftover_databases()):
            log(f"scratch databases left on the server: {', '.join(left)}")
        notes = report.judge(results)
        meta = self.meta(kind, results, runs, cold_runs, quick, time.perf_counter() - started)
        meta["load_average"] = {"start": load_before[0], "end": os.getloadavg()[0]}
        self.print_tables(meta, results, notes)
        path = Path(output) if output else Path(settings.BASE_DIR) / "test-artifacts" / f"bench-{kind}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps({"meta": meta, "results": results, "notes": notes}, ensure_ascii=False, indent=1)
            + "\n"
        )
        self.stdout.write(f"\nJSON: {path}")
        failed = [r for r in results if r.get("error")]
        if failed:
            raise CommandError(
                "measurement failed at "
                + "; ".join(f"{r['scale']}×: {r['error']}" for r in failed)
                + " (what was measured is printed above)"
            )

    def run_scale(self, kind, scale, runs, cold_runs, quick, work):
        log(f"{scale}×: scratch {kind} database")
        started = time.perf_counter()
        out = Path(work) / f"result-{scale}.json"
        with scratch.scratch_database(kind, scale, work) as (url, name):
            command = [sys.executable, "manage.py", "bench", "--inner", "--scale", str(scale)]
            command += [
                "--runs",
                str(runs),
                "--cold-runs",
                str(cold_runs),
                "--out",
                str(out),
                "--workdir",
                work,
            ]
            command += ["--quick"] if quick else []
            done = subprocess.run(
                command,
                env=scratch.child_env(url, work),
                cwd=settings.BASE_DIR,
                stdout=sys.stderr,
                check=False,
            )
        result = json.loads(out.read_text()) if out.exists() else {"scale": scale}
        result["seconds"] = time.perf_counter() - started
        result["scratch_database"] = name if kind == "postgresql" else "a temporary SQLite file"
        if done.returncode != 0:
            result.setdefault("error", f"the {scale}× process exited with {done.returncode}")
        log(f"{scale}×: done in {result['seconds']:.0f} s")
        return result

    def meta(self, kind, results, runs, cold_runs, quick, seconds):
        db = next((r["db"] for r in results if r.get("db")), kind)
        return {
            "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "cpu": cpu_model(),
            "system": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(),
            "django": django.get_version(),
            "database": db,
            "tree": source_tree(),
            "runs": runs,
            "cold_runs": cold_runs,
            "quick": quick,
            "seconds": seconds,
        }

    def print_tables(self, meta, results, notes):
        from benchmarks import files

        w = self.stdout.write
        w(f"manage.py bench — {meta['date']}")
        w(
            f"machine: {meta['cpus']} CPUs ({meta['cpu']}), {meta['system']}, Python {meta['python']}, Django {meta['django']}"
        )
        w(
            f"database: {meta['database']}; each scale in a scratch database of its own, built from the seed, dropped afterwards"
        )
        w(
            f"runs: pages {meta['runs']} timed requests after one warm-up (median, p95), cold {meta['cold_runs']} "
            "(each after emptying the cache); files and imports in a fresh process each (peak RSS)"
        )
        w(f"tree: {meta['tree']}")
        load = meta["load_average"]
        w(
            f"total: {meta['seconds']:.0f} s; load average {load['start']:.1f} at the start, {load['end']:.1f} at "
            "the end (other work on the machine shows in p95; the timed requests go round all pages alike)"
        )
        for result in results:
            scale = result["scale"]
            data = result.get("data", {})
            counts = data.get("counts", {})
            w("")
            w(
                f"== {scale}× — {counts.get('initiatives', '?')} initiatives, {counts.get('roadmap_cells', '?')} roadmap "
                f"cells, {counts.get('departments', '?')} departments, {counts.get('entries', '?')} entries in 2 surveys "
                f"with {counts.get('entry_versions', '?')} versions, {counts.get('publications', '?')} published; "
                f"database {result.get('scratch_database', '?')}"
            )
            w(
                f"   setup {result.get('setup_seconds', 0):.0f} s, data built in {data.get('seconds', 0):.0f} s, "
                f"scale measured in {result.get('seconds', 0):.0f} s"
            )
            if result.get("pages"):
                w("")
                for line in report.page_lines(result):
                    w(line)
                w("")
                for row in result["pages"]:
                    if "url" in row:
                        w(f"   {row['name']}: GET {row['url']} as {row['user']}")
            if result.get("files") or result.get("imports"):
                runs = files.file_runs(scale, meta["runs"], meta["quick"])
                w("")
                w(
                    f"   files: {runs['default']} runs each (PDF {runs['report_pdf']}) in one process; imports: "
                    f"{files.import_runs(scale, meta['quick'])} runs, a process each; the published survey's report"
                )
                for line in report.file_lines(result):
                    w(line)
            if result.get("error"):
                w("")
                w(f"   FAILED: {result['error']}")
        w("")
        if notes:
            w("Misses and differences:")
            for note in notes:
                w(f"  - {note}")
        else:
            w("Every target met.")

    # --- The child of one scale ---------------------------------------------------------------------------

    def inner(self, scale, runs, cold_runs, quick, out, workdir):
        from benchmarks import files, pages
        from benchmarks import scale as data

        out = Path(out)
        result = {"scale": scale}

        def save():
            out.write_text(json.dumps(result, ensure_ascii=False, default=str))

        try:
            started = time.perf_counter()
            log(f"{scale}×: migrate, createcachetable, load_seed")
            call_command("migrate", interactive=False, verbosity=0)
            call_command("createcachetable", verbosity=0)
            call_command("load_seed", stdout=io.StringIO())
            result["setup_seconds"] = time.perf_counter() - started
            result["db"] = database_version()
            log(f"{scale}×: building the data")
            built = data.build(scale, log)
            result["data"] = {
                "seconds": built.seconds,
                "counts": built.counts,
                "published_cycle": {
                    "id": built.published_cycle.pk,
                    "fiscal_year": built.published_cycle.fiscal_year,
                },
                "open_cycle": {"id": built.open_cycle.pk, "fiscal_year": built.open_cycle.fiscal_year},
            }
            log(f"{scale}×: data built in {built.seconds:.1f} s: {built.counts}")
            save()

            def save_pages(rows):
                result["pages"] = rows
                save()

            pages.measure_all(built, runs, cold_runs, log, save_pages)
            result["files"] = files.measure_files(built, workdir, runs, quick, log)
            save()
            result["imports"] = files.measure_imports(built, workdir, quick, log)
            save()
        except Exception as exc:
            result["error"] = f"{type(exc).__name__}: {exc}"
            save()
            raise


def database_version():
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def source_tree():
    """The commit measured, and whether the working tree had changes (read-only git)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return f"commit {commit}" + (f" with {len(status)} changed or new files" if status else "")


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"

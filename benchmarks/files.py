"""The files and imports `manage.py bench` measures, each in a process of its own.

Peak memory is the process's peak resident set (VmHWM), which counts what C libraries (openpyxl's lxml,
WeasyPrint's Pango) allocate, unlike tracemalloc; for the PDF, the peak of the worker process that
reviews.report_files.render_pdf starts is added (getrusage RUSAGE_CHILDREN). `base MB` is the process's
resident set before the measured function ran: Django, the application and the data the function is handed.

The inner bench process prepares what a measurement needs (a workbook, a fresh plan) and runs
`manage.py bench --measure SPEC.json`, which does one kind of measurement `runs` times and writes its result
to the file the spec names.
"""

import io
import json
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from benchmarks.pages import p95


class QueryCounter:
    """Counts queries, and how often each statement recurs, without keeping them (an import makes thousands)."""

    def __init__(self):
        self.count = 0
        self.statements = Counter()

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        self.statements[sql[:160]] += 1
        return execute(sql, params, many, context)

    def most_common(self):
        return [{"count": n, "sql": sql} for sql, n in self.statements.most_common(5)]


def _status_mb(field):
    """VmHWM (peak) or VmRSS (now) of this process, in MB.

    Not getrusage(RUSAGE_SELF): Linux carries ru_maxrss across exec, so a process started by a large one
    would report its parent's size. VmHWM belongs to the process's own memory map, made new at exec.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children_mb():
    """The largest child's peak (the PDF worker): at least this process's size when it forked the child."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kilobytes on Linux


# --- Inside the measuring process -------------------------------------------------------------------------


def run_spec(path):
    """`manage.py bench --measure SPEC.json`: prepare untimed, then time the function, then write the result."""
    spec = json.loads(Path(path).read_text())
    prepare, call = KINDS[spec["kind"]]
    handed = prepare(spec)
    base = _status_mb("VmRSS")
    times, queries, size, detail, statements = [], [], None, {}, []
    for _ in range(spec.get("runs", 1)):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            size, detail = call(spec, handed)
            times.append((time.perf_counter() - started) * 1000)
        queries.append(counter.count)
        statements = statements or counter.most_common()
    worker = _children_mb()
    peak = _status_mb("VmHWM")
    result = {
        "times_ms": times,
        "median_ms": statistics.median(times),
        "p95_ms": p95(times),
        "queries": queries[0],
        "bytes": size,
        "base_mb": base,
        "process_mb": peak,
        "worker_mb": worker,
        "peak_mb": peak + worker,
        "runs": len(times),
        "most_frequent_sql": statements,
        **detail,
    }
    Path(spec["out"]).write_text(json.dumps(result))


def _cycle(spec):
    from reviews.models import ReviewCycle

    return ReviewCycle.objects.select_related("plan").get(pk=spec["cycle"])


def _report(spec):
    from reviews.reports import cycle_report

    return cycle_report(_cycle(spec))


def _prepare_report_data(spec):
    return _cycle(spec)


def _call_report_data(spec, cycle):
    from reviews.reports import cycle_report

    return len(json.dumps(cycle_report(cycle), ensure_ascii=False).encode()), {}


def _call_report_xlsx(spec, report):
    from reviews.report_files import report_xlsx

    return len(report_xlsx(report)), {}


def _call_report_pdf(spec, report):
    from reviews.report_files import report_pdf

    return len(report_pdf(report)), {}


def _prepare_plan(spec):
    from plan.models import Plan

    return (
        Plan.objects.select_related("predecessor")
        .prefetch_related("goals", "references")
        .get(pk=spec["plan"])
    )


def _call_plan_export(spec, plan):
    from initiatives.models import Initiative
    from initiatives.spreadsheet import write_plan_workbook

    return len(write_plan_workbook(plan, Initiative.objects.for_plan_table(plan))), {}


def _prepare_import(spec):
    from plan.models import Plan

    return Plan.objects.select_related("predecessor").get(pk=spec["plan"]), Path(spec["file"]).read_bytes()


def _call_plan_import(spec, handed):
    """As the admin's confirmation step does it (initiatives/admin_import.py), by the import_plan command."""
    from initiatives.importing import apply_rows, record_import
    from initiatives.spreadsheet import read_plan_workbook

    plan, data = handed
    with transaction.atomic():
        result = apply_rows(
            plan, read_plan_workbook(data, plan), reason="計画表（xlsx）の取込: manage.py bench"
        )
        record_import(plan, "manage.py bench", result)
    return len(data), {"outcome": result.summary(), "created": result.created, "unchanged": result.unchanged}


def _prepare_survey_import(spec):
    from django.contrib.auth import get_user_model

    from initiatives.models import Department

    return (
        _cycle(spec),
        Department.objects.get(pk=spec["department"]),
        get_user_model().objects.get(pk=spec["user"]),
        Path(spec["file"]).read_bytes(),
    )


def _call_survey_import(spec, handed):
    """As the upload and confirmation steps do it (reviews/views/cycles.py): read, then apply the changed rows."""
    from reviews import survey_workbooks

    cycle, department, user, data = handed
    rows = survey_workbooks.read_survey_workbook(data, cycle, department)
    changed = {r.number for r in rows if r.status == survey_workbooks.RowStatus.CHANGED}
    written = survey_workbooks.apply_survey(cycle, department, rows, changed, user, "bench.xlsx")
    return len(data), {"rows": len(rows), "written": len(written)}


KINDS = {
    "report_data": (_prepare_report_data, _call_report_data),
    "report_xlsx": (_report, _call_report_xlsx),
    "report_pdf": (_report, _call_report_pdf),
    "plan_export": (_prepare_plan, _call_plan_export),
    "plan_import": (_prepare_import, _call_plan_import),
    "survey_import": (_prepare_survey_import, _call_survey_import),
}


# --- In the inner bench process: what to measure, and the preparation ----------------------------------


def spawn(spec, directory, log):
    """Run one measurement in a fresh process; its result, or {"error": …}."""
    spec_path = Path(directory) / f"spec-{time.monotonic_ns()}.json"
    out = spec_path.with_suffix(".out.json")
    spec_path.write_text(json.dumps({**spec, "out": str(out)}))
    # The inner process holds no lock a measurement could wait for.
    connection.close()
    done = subprocess.run(
        [sys.executable, "manage.py", "bench", "--measure", str(spec_path)],
        cwd=settings.BASE_DIR,
        stdout=sys.stderr,
        stderr=subprocess.PIPE,
        check=False,
    )
    if done.returncode != 0 or not out.exists():
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-12:]
        log("    failed:\n      " + "\n      ".join(tail))
        return {"error": tail[-1] if tail else f"exit {done.returncode}"}
    return json.loads(out.read_text())


def file_runs(scale, runs, quick):
    """How many times each file is made in its process (the PDF at 100× once: it takes a minute or more)."""
    if quick:
        return {"default": 1, "report_pdf": 1}
    if scale >= 10:
        return {"default": 3, "report_pdf": 1}
    return {"default": 5, "report_pdf": 3}


def measure_files(built, directory, runs, quick, log):
    counts = file_runs(built.scale, runs, quick)
    cycle = built.published_cycle.pk
    specs = [
        ("report data (cycle_report)", {"kind": "report_data", "cycle": cycle}),
        ("report xlsx", {"kind": "report_xlsx", "cycle": cycle}),
        ("report PDF", {"kind": "report_pdf", "cycle": cycle}),
        ("plan export xlsx", {"kind": "plan_export", "plan": built.plan.pk}),
    ]
    rows = []
    for name, spec in specs:
        log(f"  {built.scale}×: {name}")
        spec["runs"] = counts.get(spec["kind"], counts["default"])
        rows.append({"name": name, "kind": spec["kind"], **spawn(spec, directory, log)})
    return rows


def import_runs(scale, quick):
    return 1 if quick else 3


def measure_imports(built, directory, quick, log):
    rows = []
    runs = import_runs(built.scale, quick)
    n = built.counts["initiatives"]
    log(f"  {built.scale}×: plan import into a new plan ({n} rows) ×{runs}")
    results = []
    for run in range(1, runs + 1):
        plan, path = new_plan_workbook(built, directory, run)
        results.append(spawn({"kind": "plan_import", "plan": plan.pk, "file": str(path)}, directory, log))
    rows.append(combine(f"plan import, new plan ({n} rows)", "plan_import_new", results))
    log(f"  {built.scale}×: plan re-import, unchanged ({n} rows) ×{runs}")
    path = plan_workbook(built.plan, built.plan, directory, "reimport")
    results = [
        spawn({"kind": "plan_import", "plan": built.plan.pk, "file": str(path)}, directory, log)
        for _ in range(runs)
    ]
    rows.append(combine(f"plan re-import, unchanged ({n} rows)", "plan_import_same", results))
    department = built.big_department
    size = department.initiatives.filter(plan=built.plan).count()
    log(f"  {built.scale}×: survey workbook import ({size} rows) ×{runs}")
    results = []
    for run in range(1, runs + 1):
        path = filled_survey_workbook(built, department, directory, run)
        spec = {
            "kind": "survey_import",
            "cycle": built.open_cycle.pk,
            "department": department.pk,
            "user": built.users["staff"].pk,
            "file": str(path),
        }
        results.append(spawn(spec, directory, log))
    rows.append(combine(f"survey workbook import ({size} rows)", "survey_import", results))
    return rows


def combine(name, kind, results):
    """Runs of one import, each its own process: median and p95 of their times, the largest peak."""
    good = [r for r in results if "error" not in r]
    if not good:
        return {"name": name, "kind": kind, "error": results[0]["error"] if results else "not run"}
    times = [t for r in good for t in r["times_ms"]]
    worst = max(good, key=lambda r: r["peak_mb"])
    return {
        **worst,
        "name": name,
        "kind": kind,
        "times_ms": times,
        "median_ms": statistics.median(times),
        "p95_ms": p95(times),
        "runs": len(times),
        "errors": [r["error"] for r in results if "error" in r],
    }


def plan_workbook(plan, rows_of, directory, label):
    """The plan table as the application writes it (initiatives/spreadsheet.py): `plan`'s title and columns,
    the initiatives of `rows_of`."""
    from initiatives.models import Initiative
    from initiatives.spreadsheet import write_plan_workbook

    path = Path(directory) / f"plan-{label}.xlsx"
    path.write_bytes(write_plan_workbook(plan, Initiative.objects.for_plan_table(rows_of)))
    return path


def new_plan_workbook(built, directory, run):
    """A new plan with the fifth plan's definition and goals, and the fifth plan's table under its title.

    The new plan has no predecessor (a plan has at most one successor), so its table has no carry-over column.
    """
    from plan.definitions import copy_definition
    from plan.models import Goal, Plan

    source = built.plan
    with transaction.atomic():
        plan = Plan.objects.create(
            ordinal=100 + run,
            title=f"{source.title}（取込の測定 {run}）",
            first_fiscal_year=source.first_fiscal_year,
            last_fiscal_year=source.last_fiscal_year,
            continuation_mark=source.continuation_mark,
        )
        copy_definition(source, plan)
        Goal.objects.bulk_create(
            [Goal(plan=plan, order=g.order, code=g.code, title=g.title) for g in source.goals.all()]
        )
    return plan, plan_workbook(plan, source, directory, f"new-{run}")


def filled_survey_workbook(built, department, directory, run):
    """The department's survey workbook as the application writes it, every row's 取組内容 and 課題 rewritten."""
    from openpyxl import load_workbook

    from reviews import survey_workbooks
    from reviews.models import StatusEntry

    cycle = built.open_cycle
    entries = StatusEntry.objects.for_worklist(cycle).filter(initiative__department=department)
    data = survey_workbooks.write_survey_workbook(cycle, department, entries)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[survey_workbooks.SURVEY_SHEET]
    names = [c.name for c in survey_workbooks.columns_for(cycle.plan)]
    actions, issues = names.index("actions") + 1, names.index("issues") + 1
    for row in range(survey_workbooks.HEADER_ROW + 1, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value is None:
            continue
        sheet.cell(row=row, column=actions).value = (
            f"調査票から入力（{run}回目）：担当課で手順を見直し、申請の電子化と窓口の案内を進めた。"
            "庁内の関係課と調整し、次年度の対象業務を選定した。"
        )
        sheet.cell(row=row, column=issues).value = f"調査票から入力した課題（{run}回目）：職員の習熟。"
    out = io.BytesIO()
    workbook.save(out)
    path = Path(directory) / f"survey-{run}.xlsx"
    path.write_bytes(out.getvalue())
    return path

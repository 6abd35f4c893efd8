"""The targets of issue 10 and the tables `manage.py bench` prints.

Pages, against the admin change list of the same scale measured in the same run:
- at 1×, every page's median server time ≤ the admin change list's, the dashboard's ≤ half of it;
- at 100× (any scale above 1×), every page ≤ the admin change list's, with the queries it made at 1×.
Files and imports at 100×: the report PDF < 60 s and < 500 MB; the plan import of 2,600 rows < 10 s and < 300 MB.

A page's time is judged warm (the cache as the previous request left it) and cold (the cache emptied before the
request): "PASS (cold MISS)" says the page meets the target only from the cache.
"""

PDF_SECONDS, PDF_MB = 60, 500
IMPORT_SECONDS, IMPORT_MB = 10, 300


def page_target(row, scale, admin, at_1x):
    """(target text, verdict, notes) of one page row."""
    if row["kind"] != "page" or admin is None:
        return "", "", []
    share = 0.5 if row["name"] == "dashboard" and scale == 1 else 1.0
    limit = admin["median_ms"] * share
    text = f"≤ {'½ ' if share < 1 else ''}admin"
    notes = []
    warm_ok = row["median_ms"] <= limit
    cold_ok = row["cold_median_ms"] is None or row["cold_median_ms"] <= limit
    queries_ok = True
    if scale > 1:
        text += ", q = 1×"
        base = (at_1x or {}).get(row["name"])
        if base is None or "queries" not in base:
            notes.append(f"{row['name']}: queries not compared, 1× was not measured in this run")
        else:
            for key, label in (("queries", "warm"), ("cold_queries", "cold")):
                if row[key] != base[key]:
                    queries_ok = False
                    notes.append(f"{row['name']}: {row[key]} queries {label} at {scale}×, {base[key]} at 1×")
    if not warm_ok:
        notes.append(f"{row['name']}: {row['median_ms']:.1f} ms warm > {limit:.1f} ms")
    if warm_ok and not cold_ok:
        notes.append(f"{row['name']}: {row['cold_median_ms']:.1f} ms cold > {limit:.1f} ms (warm passes)")
    if not (warm_ok and queries_ok):
        return text, "MISS", notes
    return text, "PASS" if cold_ok else "PASS (cold MISS)", notes


def file_target(row, scale, initiatives):
    if scale == 1 or "error" in row:
        return "", "", []
    if row["kind"] == "report_pdf":
        seconds, mb = PDF_SECONDS, PDF_MB
    elif row["kind"].startswith("plan_import") and initiatives >= 2600:
        seconds, mb = IMPORT_SECONDS, IMPORT_MB
    else:
        return "", "", []
    ok = row["median_ms"] < seconds * 1000 and row["peak_mb"] < mb
    notes = [] if ok else [f"{row['name']}: {row['median_ms'] / 1000:.1f} s, {row['peak_mb']:.0f} MB"]
    return f"< {seconds} s, < {mb} MB", "PASS" if ok else "MISS", notes


def judge(results):
    """Add target and verdict to every row of every scale; return the notes."""
    notes = []
    by_scale = {r["scale"]: r for r in results}
    at_1x = {p["name"]: p for p in by_scale.get(1, {}).get("pages", []) if "queries" in p}
    for result in results:
        scale = result["scale"]
        pages = result.get("pages", [])
        done = [p for p in pages if "median_ms" in p]
        admin = next((p for p in done if p["kind"] == "admin"), None)
        floors = {p["user"] != "anonymous": p for p in done if p["kind"] == "floor"}
        for row in done:
            floor = floors.get(row["user"] != "anonymous")
            row["x_floor"] = row["median_ms"] / floor["median_ms"] if floor else None
            row["x_admin"] = row["median_ms"] / admin["median_ms"] if admin else None
            row["target"], row["verdict"], row_notes = page_target(row, scale, admin, at_1x)
            notes += [f"{scale}×: {n}" for n in row_notes]
        initiatives = result.get("data", {}).get("counts", {}).get("initiatives", 0)
        for row in result.get("files", []) + result.get("imports", []):
            row["target"], row["verdict"], row_notes = file_target(row, scale, initiatives)
            notes += [f"{scale}×: {n}" for n in row_notes]
    return notes


def _table(headers, rows, right):
    widths = [max(len(str(x)) for x in [h, *(r[i] for r in rows)]) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _ms(value):
    return "" if value is None else f"{value:.1f}"


def _ratio(value):
    return "" if value is None else f"{value:.2f}"


def page_lines(result):
    headers = ["name", "queries", "median ms", "p95 ms", "cold ms", "bytes", "×floor", "×admin", "target", ""]
    rows = []
    for row in result.get("pages", []):
        if "na" in row:
            rows.append([row["name"], "n/a", "", "", "", "", "", "", row["na"], ""])
            continue
        if "median_ms" not in row:
            rows.append(
                [row["name"], str(row["queries"]), "", "", "", f"{row['bytes']:,}", "", "", "(not timed)", ""]
            )
            continue
        queries = str(row["queries"])
        if row["cold_queries"] != row["queries"]:
            queries += f" ({row['cold_queries']} cold)"
        rows.append(
            [
                row["name"],
                queries,
                _ms(row["median_ms"]),
                _ms(row["p95_ms"]),
                _ms(row["cold_median_ms"]),
                f"{row['bytes']:,}",
                _ratio(row.get("x_floor")),
                _ratio(row.get("x_admin")),
                row.get("target", ""),
                row.get("verdict", ""),
            ]
        )
    return _table(headers, rows, right={1, 2, 3, 4, 5, 6, 7})


def file_lines(result):
    headers = ["name", "queries", "median ms", "p95 ms", "runs", "bytes", "peak MB", "base MB", "target", ""]
    rows = []
    for row in result.get("files", []) + result.get("imports", []):
        if "error" in row:
            rows.append([row["name"], "failed", "", "", "", "", "", "", row["error"][:70], ""])
            continue
        peak = f"{row['peak_mb']:.0f}"
        if row.get("worker_mb"):
            peak += f" ({row['process_mb']:.0f}+{row['worker_mb']:.0f})"
        rows.append(
            [
                row["name"],
                str(row["queries"]),
                _ms(row["median_ms"]),
                _ms(row["p95_ms"]),
                str(row["runs"]),
                f"{row['bytes']:,}",
                peak,
                f"{row['base_mb']:.0f}",
                row.get("target", ""),
                row.get("verdict", ""),
            ]
        )
    return _table(headers, rows, right={1, 2, 3, 4, 5, 6, 7})

"""`manage.py bench` itself runs, on scratch databases of its own, and writes what it measured.

The benchmark's figures are not asserted here (speed is the benchmark's to measure, never a test's): only
that it measures every page and file it names, against the floor and the admin, and leaves the database
the tests use untouched."""

import json
import os
import subprocess
import sys

from django.conf import settings

from initiatives.models import Initiative


def test_the_benchmark_measures_every_page_at_the_seeds_scale(tmp_path, plan5):
    before = Initiative.objects.count()
    output = tmp_path / "bench.json"
    env = dict(os.environ)
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
        )
    else:
        env.pop("DATABASE_URL", None)
    command = [sys.executable, "manage.py", "bench", "--scale", "1", "--quick", "--output", str(output)]
    done = subprocess.run(command, env=env, cwd=settings.BASE_DIR, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    printed = done.stdout.decode()
    for name in [
        "floor (anonymous)",
        "admin change list",
        "worklist",
        "dashboard",
        "report PDF",
        "plan import",
    ]:
        assert name in printed, name
    (scale,) = json.loads(output.read_text())["results"]
    assert scale["scale"] == 1 and scale["data"]["counts"]["initiatives"] == plan5.initiatives.count()
    pages = {p["name"]: p for p in scale["pages"]}
    assert {"worklist", "entry", "dashboard", "public plan page", "published report"} <= set(pages)
    assert all(p["queries"] > 0 and p["bytes"] > 0 for n, p in pages.items() if not n.startswith("floor"))
    assert Initiative.objects.count() == before

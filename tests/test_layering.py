"""The house's layers, read from the source: each app imports only the apps below it, and only URLconfs
import a module of views.

From the bottom: the shared workbook helpers, the audit trail and the page cache, then log-in and the
notifications (kept and delivered; what the survey tells whom is reviews.notices), then the plan,
its initiatives, and the yearly survey (reviews); the benchmarks measure all of them; config wires them
together and may import anything.
"""

import ast
from pathlib import Path

from django.conf import settings

LAYERS = {
    "workbooks": 0,
    "audit": 0,
    "caching": 0,
    "background": 0,
    "accounts": 1,
    "notifications": 1,
    "plan": 2,
    "initiatives": 3,
    "reviews": 4,
    "benchmarks": 5,
    "onboarding": 5,  # the bulk imports: users (reviews roles), departments, initiatives
}


def project_modules():
    root = Path(settings.BASE_DIR)
    for package in LAYERS:
        for path in sorted((root / package).rglob("*.py")):
            yield path.relative_to(root).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def imported_modules(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def is_views_module(name):
    parts = name.split(".")
    return parts[0] in LAYERS and "views" in parts[1:]


def test_the_layers_are_the_ones_the_readme_names():
    assert sorted(LAYERS) == sorted(p.name for p in Path(settings.BASE_DIR).iterdir() if p.name in LAYERS)
    assert {m.split(".")[0] for m in settings.INSTALLED_APPS if m.split(".")[0] in LAYERS} == set(LAYERS) - {
        "workbooks"
    }


def test_no_app_imports_an_app_above_it():
    upward = []
    for path, tree in project_modules():
        own = LAYERS[path.split("/")[0]]
        for name in imported_modules(tree):
            top = name.split(".")[0]
            if top in LAYERS and LAYERS[top] > own:
                upward.append(f"{path} imports {name}")
    assert upward == []


def test_only_urlconfs_import_a_module_of_views():
    found = []
    for path, tree in project_modules():
        if path.endswith(("/urls.py", "_urls.py")):  # a URLconf
            continue
        found += [f"{path} imports {name}" for name in set(imported_modules(tree)) if is_views_module(name)]
    assert found == []


def test_the_check_reads_imports_as_written():
    tree = ast.parse("from reviews.views import cycles\nimport initiatives.models\nfrom plan import eras")
    assert set(imported_modules(tree)) >= {
        "reviews.views",
        "reviews.views.cycles",
        "initiatives.models",
        "plan.eras",
    }
    assert is_views_module("reviews.views.cycles") and not is_views_module("reviews.reviews_of_views")

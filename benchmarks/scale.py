"""The data `manage.py bench` measures: the seed, copied to N times its size, with two surveys.

1× is the fifth plan as load_seed loads it (26 initiatives); N× copies those initiatives N−1 more times under
new numbers (27, 28, …) with their roadmaps, goals and carry-over links, so each copy reads like the plan
itself. Both scales then get the same treatment:
- departments: 6 at 1×, 60 at 10× and more, one of them (情報管理課) holding every fifth initiative, so that
  one survey workbook is large (520 rows at 100×);
- two surveys (review cycles) of the plan: the first walked through every step and published, its entries
  saved three times each (so each has four versions in its history); the second open for entry, with 90 %,
  60 % and 30 % of its entries saved once, twice and three times;
- users of each role (not development accounts: those cannot log in with DEBUG off).

Bulk writes (with their change history, as simple_history writes it) where the application's own steps do not
care how rows arrive; the survey's steps themselves (start_cycle, take_step) are the application's. The
published report's PDF is not made while publishing (a placeholder is stored): at 100× it takes minutes, and
the PDF is measured on its own (benchmarks/files.py).
"""

import contextlib
import datetime
import time
from dataclasses import dataclass, field
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from initiatives.models import Department, Initiative, RoadmapCell
from plan.models import Plan
from reviews import report_files, scales
from reviews.cycles import start_cycle, take_step
from reviews.models import EntryState, Publication, ReviewCycle, Role, StatusEntry

REASON = "性能測定用のデータ"
PLACEHOLDER_PDF = b"%PDF-1.4\n% manage.py bench: placeholder, the PDF is measured on its own\n%%EOF\n"
DEPARTMENT_NAMES = ["情報管理課", "総務課", "企画課", "市民課", "福祉課", "都市計画課"]
BATCH = 500


@dataclass
class Built:
    scale: int
    plan: Plan
    published_cycle: ReviewCycle
    open_cycle: ReviewCycle
    users: dict
    departments: list
    big_department: Department
    number: int = 1  # the initiative whose entry and page are measured
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)


def build(scale, log):
    started = time.perf_counter()
    plan = Plan.objects.get(ordinal=5)
    with transaction.atomic():
        users = make_users()
        departments = make_departments(plan, scale)
        log(f"  {scale}×: copying the plan's initiatives")
        copy_initiatives(plan, scale, departments)
    first, second = plan.fiscal_years[2], plan.fiscal_years[3]
    log(f"  {scale}×: the {first} survey, published")
    published = published_cycle(plan, first, users["admin"])
    log(f"  {scale}×: the {second} survey, open")
    opened = open_cycle(plan, second, users["admin"], users["staff"])
    # Bulk writes send no signals: whatever the application caches from the data is made afresh.
    cache.clear()
    built = Built(
        scale=scale,
        plan=plan,
        published_cycle=published,
        open_cycle=opened,
        users=users,
        departments=departments,
        big_department=departments[0],
        seconds=time.perf_counter() - started,
    )
    built.counts = {
        "initiatives": Initiative.objects.filter(plan=plan).count(),
        "roadmap_cells": RoadmapCell.objects.filter(initiative__plan=plan).count(),
        "departments": len(departments),
        "big_department_initiatives": departments[0].initiatives.filter(plan=plan).count(),
        "entries": StatusEntry.objects.filter(cycle__plan=plan).count(),
        "entry_versions": StatusEntry.history.filter(cycle__plan=plan).count(),
        "publications": Publication.objects.count(),
    }
    return built


def make_users():
    User = get_user_model()
    users = {}
    for key, role in (("admin", Role.ADMIN), ("staff", Role.STAFF), ("committee", Role.COMMITTEE)):
        user = User.objects.create(
            username=f"bench-{key}", is_staff=key == "admin", is_superuser=key == "admin"
        )
        user.set_unusable_password()
        user.save()
        user.groups.add(role.group())
        users[key] = user
    return users


def department_index(position, count):
    """Every fifth initiative is the first department's; the rest go round the others."""
    return 0 if position % 5 == 0 else 1 + position % (count - 1)


def make_departments(plan, scale):
    # A city has some tens of departments, not hundreds: 6 at 1×, 60 from 10× on.
    names = [
        name if round_ == 0 else f"{name}（{round_ + 1}）"
        for round_ in range(min(scale, 10))
        for name in DEPARTMENT_NAMES
    ]
    Department.objects.bulk_create([Department(name=n) for n in names])
    departments = list(Department.objects.filter(name__in=names).order_by("pk"))
    # The seed's initiatives have no department (the plan document names none).
    initiatives = list(Initiative.objects.for_plan(plan))
    for position, initiative in enumerate(initiatives):
        initiative.department = departments[department_index(position, len(departments))]
    bulk_update_with_history(initiatives, Initiative, ["department"], default_change_reason=REASON)
    return departments


def copy_initiatives(plan, scale, departments):
    seed = list(Initiative.objects.for_plan_table(plan))
    if scale == 1:
        return
    size = len(seed)
    copies = []
    for k in range(1, scale):
        for offset, source in enumerate(seed):
            position = k * size + offset
            copies.append(
                Initiative(
                    plan=plan,
                    number=k * size + source.number,
                    name=f"{source.name}（{k + 1}）",
                    is_new=source.is_new,
                    description=source.description,
                    column_values=source.column_values,
                    target_stage=source.target_stage,
                    department=departments[department_index(position, len(departments))],
                )
            )
    bulk_create_with_history(copies, Initiative, batch_size=BATCH, default_change_reason=REASON)
    copies = list(Initiative.objects.filter(plan=plan, number__gt=size).order_by("number"))
    by_number = {s.number: s for s in seed}
    cells, goals, carried = [], [], []
    Goals = Initiative.goals.through
    Carried = Initiative.carried_from.through
    for copy in copies:
        source = by_number[(copy.number - 1) % size + 1]
        cells += [
            RoadmapCell(initiative=copy, fiscal_year=c.fiscal_year, stage=c.stage, continued=c.continued)
            for c in source.roadmap.all()
        ]
        goals += [Goals(initiative_id=copy.pk, goal_id=g.pk) for g in source.goals.all()]
        carried += [
            Carried(from_initiative_id=copy.pk, to_initiative_id=c.pk) for c in source.carried_from.all()
        ]
    bulk_create_with_history(cells, RoadmapCell, batch_size=BATCH, default_change_reason=REASON)
    Goals.objects.bulk_create(goals, batch_size=BATCH)
    Carried.objects.bulk_create(carried, batch_size=BATCH)


@contextlib.contextmanager
def placeholder_pdf():
    """Publication without making the PDF (see the module's docstring)."""
    with contextlib.ExitStack() as stack:
        for name in ("report_pdf", "render_pdf"):
            if hasattr(report_files, name):
                stack.enter_context(mock.patch.object(report_files, name, lambda *a, **k: PLACEHOLDER_PDF))
        yield


def planned_stages(plan, fiscal_year):
    return dict(
        RoadmapCell.objects.filter(initiative__plan=plan, fiscal_year=fiscal_year).values_list(
            "initiative_id", "stage"
        )
    )


def fill(entries, plan, planned, version, user, when):
    """Save each entry once more (version + 1), as a clerk would: valid words, a few sentences."""
    progress = plan.scale("progress")
    achievements = scales.words(plan, "achievement")
    directions = scales.words(plan, "direction")
    reached_of = {s.word: s.reached for s in plan.roadmap_stages}
    reached_words = plan.reached_words
    for entry in entries:
        n = entry.initiative_id
        planned_stage = planned.get(n, "")
        reached = reached_words[0] if n % 7 == 0 else reached_of.get(planned_stage, reached_words[1])
        values = {"stage_reached": reached}
        entry.stage_reached = reached
        entry.progress = scales.propose(progress, values, planned_stage) if progress else ""
        entry.actions = (
            f"第{version}版：計画に沿って関係課と調整し、対象業務の手順の見直しと電子化を進めた。"
            "利用者への周知を行い、窓口と庁内の双方で運用を開始した。次年度に向けて課題を整理している。"
        )
        entry.issues = "職員の習熟と、紙の手続きとの併用期間の負担。" if version > 1 else ""
        if version > 1:
            entry.achievement = achievements[n % len(achievements)] if achievements else ""
            entry.direction = directions[n % len(directions)] if directions else ""
        entry.version = version
        entry.updated_by = user
        entry.updated_at = when
        # The final version of a survey is a mix as a city has it: most confirmed, some submitted, a few
        # still with their department.
        entry.state = EntryState.IN_PROGRESS
        if version > 1 and entry.is_complete:
            entry.state = [
                EntryState.CONFIRMED,
                EntryState.CONFIRMED,
                EntryState.SUBMITTED,
                EntryState.RETURNED,
            ][n % 4]
    fields = ["stage_reached", "progress", "achievement", "actions", "issues", "direction"]
    fields += ["state", "version", "updated_by", "updated_at"]
    bulk_update_with_history(
        entries,
        StatusEntry,
        fields,
        batch_size=BATCH,
        default_user=user,
        default_change_reason=REASON,
        default_date=when,
    )


def published_cycle(plan, fiscal_year, admin):
    cycle = take_step(start_cycle(plan, fiscal_year, admin), "open", admin)
    planned = planned_stages(plan, fiscal_year)
    entries = list(StatusEntry.objects.filter(cycle=cycle).order_by("pk"))
    now = timezone.now()
    with transaction.atomic():
        for version in (1, 2, 3):
            fill(entries, plan, planned, version, admin, now - datetime.timedelta(days=400 - version))
    cycle = take_step(cycle, "compile", admin)
    cycle = take_step(
        cycle, "committee", admin, date=datetime.date(fiscal_year + 1, 6, 1), comment="審議しました。"
    )
    cycle = take_step(
        cycle, "headquarters", admin, date=datetime.date(fiscal_year + 1, 7, 1), comment="了承しました。"
    )
    with placeholder_pdf():
        cycle = take_step(cycle, "publish", admin)
    return cycle


def open_cycle(plan, fiscal_year, admin, staff):
    cycle = take_step(start_cycle(plan, fiscal_year, admin), "open", admin)
    planned = planned_stages(plan, fiscal_year)
    entries = list(StatusEntry.objects.filter(cycle=cycle).order_by("pk"))
    now = timezone.now()
    with transaction.atomic():
        for version, share in ((1, 0.9), (2, 0.6), (3, 0.3)):
            chosen = entries[: round(len(entries) * share)]
            fill(chosen, plan, planned, version, staff, now - datetime.timedelta(days=30 - version))
    return cycle

"""Backup and restore: `backup` writes every table to one file, and `restore` gives back every row in an empty
database, change histories, publications and the audit trail included. Run on SQLite and on PostgreSQL."""

import datetime
import io
import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import serializers
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.backups import stored_models, tables_with_rows
from audit.models import AuditEvent, AuditKind
from audit.trail import record
from initiatives.models import Department, Evaluation, Initiative
from reviews.cycles import take_step
from reviews.entries import save_entry
from reviews.models import Publication, StatusEntry
from tests.personas import make_department, make_user, open_cycle

# Rows that the database names by what they are, not by their id: migrate numbers them as it goes, and
# a many-to-many table's own ids are not data.
BY_NATURAL_KEY = {ContentType, Permission}


def table_rows(model):
    """Every row of a table as comparable values, references to users, groups, permissions and content types
    by their natural keys."""
    rows = []
    for item in serializers.serialize("python", model._base_manager.all(), use_natural_foreign_keys=True):
        fields = {
            name: sorted(value) if model._meta.get_field(name).many_to_many else value
            for name, value in item["fields"].items()
        }
        if model not in BY_NATURAL_KEY and not model._meta.auto_created:
            fields["pk"] = item["pk"]
        rows.append(fields)
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, default=str, ensure_ascii=False))


def database():
    """{table: rows} for every table a backup holds (sessions are left out on purpose)."""
    return {m._meta.label: table_rows(m) for m in stored_models() if m is not Session}


@pytest.fixture
def data(transactional_db, plan5, client, pdf_rendered_once):
    """A year's work: users in groups and a department, a published cycle with entries and their history,
    evaluations, audit events, a change in the admin."""
    admin = make_user("admin", username="kanri")
    admin.is_staff = True
    admin.user_permissions.add(Permission.objects.get(codename="view_session"))
    admin.save()
    editor = make_user("department", username="somu-tanto")
    make_department("総務課", plan5, numbers=[16, 19], members=[editor])
    cycle = open_cycle(plan5, 2026, admin)
    for number, user in ((16, editor), (19, editor), (1, admin)):
        entry = StatusEntry.objects.get(cycle=cycle, initiative__number=number)
        entry, _changes = save_entry(
            entry,
            {"achievement": "達成", "direction": "継続", "actions": f"項番{number}:\n進めた。"},
            user,
            0,
        )
        save_entry(entry, {"issues": "予算の確保"}, user, entry.version, reason="追記")
    cycle = take_step(cycle, "compile", admin)
    cycle = take_step(cycle, "committee", admin, date=datetime.date(2026, 6, 1), comment="異議なし")
    cycle = take_step(cycle, "headquarters", admin, date=datetime.date(2026, 7, 1))
    with pdf_rendered_once():  # the tests compare the rows a backup holds, not the PDF
        take_step(cycle, "publish", admin)
    client.force_login(admin)
    department = Department.objects.get(name="総務課")
    client.post(
        reverse("admin:initiatives_department_change", args=[department.pk]),
        {"name": "総務部総務課", "members": [editor.pk]},
        REMOTE_ADDR="192.0.2.10",
    )
    client.post(reverse("login"), {"username": "kanri", "password": "wrong"}, REMOTE_ADDR="192.0.2.10")
    return admin


def test_a_restore_into_an_emptied_database_gives_back_every_row(data, tmp_path):
    path = tmp_path / "backup.json.gz"
    out = io.StringIO()
    call_command("backup", "-o", str(path), stdout=out)
    assert "backup.json.gz に" in out.getvalue()
    assert AuditEvent.objects.filter(kind=AuditKind.BACKUP, detail__startswith="backup.json.gz（").exists()
    before = database()
    # Not a test that cannot fail: each kind of row the issue names is there to be lost.
    for label in [
        "auth.User",
        "auth.User_groups",
        "auth.User_user_permissions",
        "initiatives.Department_members",
        "reviews.HistoricalStatusEntry",
        "initiatives.HistoricalInitiative",
        "initiatives.HistoricalEvaluation",
        "reviews.Publication",
        "reviews.PublishedFile",
        "initiatives.HistoricalRoadmapCell",
        "reviews.CycleEvent",
        "audit.AuditEvent",
        "admin.LogEntry",
        "axes.AccessAttempt",
        "axes.AccessLog",
    ]:
        assert before[label], label

    call_command("flush", interactive=False)
    assert tables_with_rows() == []
    assert not AuditEvent.objects.exists()
    call_command("restore", str(path), stdout=io.StringIO())

    after = database()
    assert after.keys() == before.keys()
    for label in before.keys() - {"audit.AuditEvent"}:
        assert after[label] == before[label], label
    # The audit trail as it was when the file was written, and then the restore itself: by whom, from what.
    assert [row["kind"] for row in before["audit.AuditEvent"]].count(AuditKind.BACKUP) == 1
    restored = AuditEvent.objects.get(kind=AuditKind.RESTORE)
    assert restored.detail.startswith("backup.json.gz（") and restored.username
    restore_row = next(row for row in after["audit.AuditEvent"] if row["kind"] == AuditKind.RESTORE)
    kept = [row for row in after["audit.AuditEvent"] if row is not restore_row]
    assert kept == [row for row in before["audit.AuditEvent"] if row["kind"] != AuditKind.BACKUP]


def test_the_restored_database_goes_on_numbering_its_rows_after_the_restored_ones(data, tmp_path):
    path = tmp_path / "backup.json.gz"
    call_command("backup", "-o", str(path), stdout=io.StringIO())
    last_event = AuditEvent.objects.order_by("-pk").first().pk
    call_command("flush", interactive=False)
    call_command("restore", str(path), stdout=io.StringIO())

    # PostgreSQL's sequences must have moved past the loaded ids, or these inserts collide.
    event = record(AuditKind.LOGIN, username="kanri")
    initiative = Initiative.objects.get(plan__ordinal=5, number=1)
    initiative.name = "復元後の変更"
    initiative.save()
    Evaluation.objects.create(initiative=initiative, fiscal_year=2025, achievement="達成", direction="継続")

    assert event.pk > last_event
    assert initiative.history.first().name == "復元後の変更"
    assert Publication.objects.count() == 1


def test_a_restore_refuses_a_database_that_holds_data_and_writes_nothing(data, tmp_path):
    path = tmp_path / "backup.json.gz"
    call_command("backup", "-o", str(path), stdout=io.StringIO())
    before = database()

    with pytest.raises(CommandError, match="復元先のデータベースが空ではありません"):
        call_command("restore", str(path), stdout=io.StringIO())

    assert database() == before
    assert not AuditEvent.objects.filter(kind=AuditKind.RESTORE).exists()


def test_a_backup_never_overwrites_a_file(transactional_db, tmp_path):
    path = tmp_path / "backup.json.gz"
    path.write_bytes(b"an older backup")

    with pytest.raises(CommandError, match="すでにあります"):
        call_command("backup", "-o", str(path), stdout=io.StringIO())

    assert path.read_bytes() == b"an older backup"


def test_the_role_groups_come_back_with_their_members_and_permissions(data, tmp_path):
    path = tmp_path / "backup.json.gz"
    call_command("backup", "-o", str(path), stdout=io.StringIO())
    groups = {
        g.name: (set(g.user_set.values_list("username", flat=True)), g.permissions.count())
        for g in Group.objects.all()
    }
    call_command("flush", interactive=False)

    call_command("restore", str(path), stdout=io.StringIO())

    restored = {
        g.name: (set(g.user_set.values_list("username", flat=True)), g.permissions.count())
        for g in Group.objects.all()
    }
    assert restored == groups
    assert "kanri" in restored["システム管理者"][0]

"""Backing up every table to one file and restoring it into an empty database, on SQLite and PostgreSQL.

The file is a Django fixture (JSON, gzip-compressed), so `loaddata` reads it: every model of every installed
app, change histories, publications, the audit trail and the admin's log included. Left out:
- content types and permissions, which `migrate` creates; rows refer to them by natural key;
- sessions: log-ins, not data (everyone logs in again after a restore).
Unlike `dumpdata`, times keep their microseconds, and the tables are read in one snapshot.
"""

import datetime
import getpass
import gzip
import itertools
from contextlib import contextmanager

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from audit.models import AuditKind
from audit.trail import record

LEFT_OUT = {ContentType, Permission, Session}
# What `migrate` itself puts in a new database: content types, permissions and the role groups
# (reviews/apps.py). A database holding nothing else counts as empty.
MADE_BY_MIGRATE = {ContentType, Permission, Group, Group.permissions.through}
SUFFIXES = (".json.gz", ".json")


class BackupError(Exception):
    pass


class PreciseJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts times to milliseconds; a backup keeps them whole."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def stored_models():
    """Every model with a table of its own, many-to-many tables included."""
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]


def backed_up_models():
    """In an order loaddata can follow: a model with a natural key before the models that refer to it."""
    app_list = [(config, None) for config in apps.get_app_configs() if config.models_module is not None]
    return [m for m in serializers.sort_dependencies(app_list, allow_cycles=True) if m not in LEFT_OUT]


def check_name(path):
    if not str(path).endswith(SUFFIXES):
        raise BackupError(
            f"バックアップのファイル名は .json.gz（または .json）で終わるようにしてください: {path}"
        )


def _create(path, compressed):
    if compressed:
        return gzip.open(path, "xt", encoding="utf-8")
    return open(path, "x", encoding="utf-8")


@contextmanager
def _snapshot():
    """One consistent view of every table, even while the application keeps writing."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        # SQLite: the transaction's read lock holds the database as it was at the first read.
        yield


def backup(path):
    """Write every table to path; return {model label: row count}. An existing file is never overwritten."""
    check_name(path)
    if path.exists():
        raise BackupError(f"{path} はすでにあります。上書きしないため、別のファイル名を指定してください。")
    partial = path.with_name(path.name + ".partial")
    counts = {}
    try:
        with _snapshot(), _create(partial, compressed=path.name.endswith(".gz")) as stream:
            models = backed_up_models()
            for model in models:
                counts[model._meta.label] = model._base_manager.count()
            rows = itertools.chain.from_iterable(
                model._base_manager.order_by(model._meta.pk.name).iterator() for model in models
            )
            serializers.serialize(
                "json", rows, stream=stream, cls=PreciseJSONEncoder, use_natural_foreign_keys=True
            )
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    # After the snapshot: the file holds the database as it was before this backup was made.
    record(AuditKind.BACKUP, username=operator(), detail=f"{path.name}（{sum(counts.values())} 行）")
    return counts


def operator():
    """Who ran the command: the commands run on the server, outside any log-in of the application."""
    try:
        return getpass.getuser()
    except OSError:
        return ""


def unapplied_migrations():
    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def tables_with_rows():
    """Tables of the database holding data of their own, beyond what migrate puts there."""
    return [
        m._meta.db_table for m in stored_models() if m not in MADE_BY_MIGRATE and m._base_manager.exists()
    ]


def restore(path):
    """Load a backup into a freshly migrated, empty database, all or nothing; return the rows loaded.

    Refuses a database with data in it: a restore never merges into what is there.
    """
    check_name(path)
    if not path.is_file():
        raise BackupError(f"ファイル {path} が見つかりません。")
    if unapplied_migrations():
        raise BackupError(
            "データベースに適用していないマイグレーションがあります。先に migrate を実行してください。"
        )
    if filled := tables_with_rows():
        raise BackupError(
            "復元先のデータベースが空ではありません（"
            + "、".join(filled)
            + "）。復元は空のデータベースにだけ行います。"
            "新しいデータベースを作って migrate するか、manage.py flush で空にしてから実行してください。"
        )
    with transaction.atomic():
        # The role groups migrate made give way to the backup's own, with their members and permissions.
        Group.objects.all().delete()
        call_command("loaddata", str(path.resolve()), database=DEFAULT_DB_ALIAS, verbosity=0)
        counts = {m._meta.label: m._base_manager.count() for m in backed_up_models()}
        record(AuditKind.RESTORE, username=operator(), detail=f"{path.name}（{sum(counts.values())} 行）")
    return counts

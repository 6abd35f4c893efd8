"""Scratch databases for `manage.py bench`: the user's own database is never opened.

SQLite: a file in a temporary directory. PostgreSQL: a database bench_<pid>_<scale>x_<random> on the server
DATABASE_URL names, created before the child process runs and dropped after it, whatever happened.
"""

import contextlib
import os
import secrets
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import dj_database_url
from django.conf import settings

# Each child process runs the production configuration: DEBUG off, static files from their manifest, plain
# HTTP (the test client speaks nothing else), and the cache in the scratch database.
CHILD_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-" + "x" * 50,
    "ALLOWED_HOSTS": "testserver",
    "HTTPS": "0",
    "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
    "CACHE_URL": "",
    "LOG_LEVEL": "WARNING",
    # The PDF of a large report is measured, not refused.
    "REPORT_PDF_TIMEOUT": "900",
    "REPORT_PDF_MAX_MEMORY_MB": "4096",
    "REPORT_PDF_MAX_MB": "500",
    # A 2,600-row plan table is larger than an upload the city expects; the import itself is measured.
    "SPREADSHEET_MAX_BYTES": str(64 * 1024 * 1024),
    "SPREADSHEET_MAX_UNCOMPRESSED_BYTES": str(1024 * 1024 * 1024),
    "PYTHONUNBUFFERED": "1",
}


def vendor():
    """The database vendor DATABASE_URL points at, read from the settings without connecting."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("postgresql"):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise ValueError(f"manage.py bench runs on SQLite or PostgreSQL, not {engine}")


def child_env(database_url, workdir):
    env = {**os.environ, **CHILD_ENV}
    env["DATABASE_URL"] = database_url
    env["STATIC_ROOT"] = str(Path(workdir) / "static")
    env["IMPORT_STAGING_DIR"] = str(Path(workdir) / "imports")
    return env


@contextlib.contextmanager
def workdir():
    path = tempfile.mkdtemp(prefix="bench-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def scratch_database(kind, scale, directory):
    """A DATABASE_URL for an empty database of its own, removed on leaving."""
    if kind == "sqlite":
        path = Path(directory) / f"bench-{scale}x.sqlite3"
        try:
            yield f"sqlite:///{path}", str(path)
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = f"bench_{os.getpid()}_{scale}x_{secrets.token_hex(3)}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    try:
        yield _url_with_database(name), name
    finally:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _url_with_database(name):
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(name), parts.query, parts.fragment))


def _server_params():
    """psycopg's connection parameters for the maintenance database `postgres` of DATABASE_URL's server."""
    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    params = {
        "host": config.get("HOST"),
        "port": config.get("PORT"),
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
        **(config.get("OPTIONS") or {}),
    }
    return {**{k: v for k, v in params.items() if v not in (None, "")}, "dbname": "postgres"}


def _admin_execute(sql):
    import psycopg

    with psycopg.connect(**_server_params(), autocommit=True) as conn:
        conn.execute(sql)


def leftover_databases():
    """Scratch databases this process made and did not drop (there should be none)."""
    import psycopg

    with psycopg.connect(**_server_params(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"bench\\_{os.getpid()}\\_%"]
        ).fetchall()
    return [r[0] for r in rows]

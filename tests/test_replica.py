"""A read replica (DATABASE_REPLICA_URL): the public pages and the dashboard read it, the pages people edit
on read the primary. Checked against a real second PostgreSQL database standing in for the replica, whose
copy of an initiative differs, so that which database a page read shows on the page."""

import os
import subprocess
import sys
import textwrap

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.personas import make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="a replica is a PostgreSQL server's",
    ),
]

CHECK = textwrap.dedent(
    """
    import django
    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    client = Client()
    print("PUBLIC", "レプリカでの名前" in client.get("/plans/5/").content.decode())
    print("JSON", "レプリカでの名前" in client.get("/open-data/plans/5.json").content.decode())
    client.force_login(get_user_model().objects.get(username="replica-staff"))
    page = client.get("/reviews/plans/5/initiatives/1/").content.decode()
    print("EDITING", "レプリカでの名前" in page, "行政手続きのオンライン化" in page)
    """
)


def url_of(name):
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def run(env, *command):
    done = subprocess.run(
        command, env=env, cwd=settings.BASE_DIR, capture_output=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return done.stdout.decode()


def test_public_pages_read_the_replica_and_the_pages_people_edit_on_read_the_primary(seeded):
    make_user("staff", username="replica-staff")
    primary = connection.settings_dict["NAME"]
    replica = f"{primary}_replica"
    admin_url = url_of("postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{replica}"')
        admin.execute(f'CREATE DATABASE "{replica}"')
    try:
        base = {**os.environ, "DEBUG": "1", "TASKS_IMMEDIATE": "1", "ALLOWED_HOSTS": "testserver"}
        base.pop("DATABASE_REPLICA_URL", None)
        at_replica = {**base, "DATABASE_URL": url_of(replica)}
        manage = [sys.executable, "manage.py"]
        run(at_replica, *manage, "migrate", "--no-input", "-v0")
        run(at_replica, *manage, "load_seed", "-v0")
        rename = "from initiatives.models import Initiative; Initiative.objects.filter(plan__ordinal=5, number=1).update(name='レプリカでの名前')"
        run(at_replica, *manage, "shell", "-c", rename)

        both = {**base, "DATABASE_URL": url_of(primary), "DATABASE_REPLICA_URL": url_of(replica)}
        out = run(both, sys.executable, "-c", CHECK)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{replica}" WITH (FORCE)')
    assert "PUBLIC True" in out
    assert "JSON True" in out
    assert "EDITING False True" in out

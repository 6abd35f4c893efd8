"""Existing databases migrate in place: what was recorded before a migration is there after it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_report_published_before_files_were_stored_gets_its_files_from_its_snapshot():
    old = migrate([("reviews", "0003_text_length_limits")])
    plan = old.get_model("plan", "Plan").objects.create(ordinal=9, title="試験の計画")
    cycle = old.get_model("reviews", "ReviewCycle").objects.create(
        plan=plan, fiscal_year=2024, state="公開済"
    )
    report = {
        "title": "試験の計画 進捗状況報告 令和6年度 (2024)",
        "plan_title": "試験の計画",
        "fiscal_year_label": "令和6年度 (2024)",
        "rows": [],
        "summary": {
            "achievement": [],
            "progress": [],
            "direction": [],
            "state": [],
            "late": [],
            "by_goal": [],
            "by_flag": [],
        },
        "committee": {"date": None, "comment": ""},
        "headquarters": {"date": None, "comment": ""},
    }
    open_data = {
        "plan": {"ordinal": 9, "title": "試験の計画", "first_fiscal_year": 2024, "last_fiscal_year": 2024},
        "goals": [],
        "initiatives": [],
    }
    old.get_model("reviews", "Publication").objects.create(cycle=cycle, report=report, open_data=open_data)

    new = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    files = new.get_model("reviews", "PublishedFile").objects.all()
    assert sorted(f.format for f in files) == ["csv", "html", "json", "pdf", "xlsx"]
    assert bytes(files.get(format="pdf").content).startswith(b"%PDF")
    assert "試験の計画 進捗状況報告 令和6年度 (2024)" in bytes(files.get(format="html").content).decode()


@pytest.mark.django_db(transaction=True)
def test_groups_of_a_database_from_before_role_permissions_keep_their_roles():
    old = migrate([("reviews", "0004_published_files")])
    Group = old.get_model("auth", "Group")
    User = old.get_model("auth", "User")
    staff_group = Group.objects.get_or_create(name="情報管理課")[0]
    user = User.objects.create(username="clerk")
    user.groups.add(staff_group)

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from django.contrib.auth import get_user_model

    from reviews.roles import Role, roles_of

    assert roles_of(get_user_model().objects.get(username="clerk")) == {Role.STAFF}

"""Users from a spreadsheet: roles in the city's words, departments, no passwords, a mail to set one."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from initiatives.models import Department
from reviews.roles import roles_of
from tests.onboarding import csv_bytes, errors_of, export, import_file, row_words, upload, xlsx_bytes
from tests.personas import make_user

HEADER = ["ユーザー名", "氏名", "メールアドレス", "役割", "担当課", "有効"]
MODEL = "auth_user"
User = get_user_model()


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def departments(db):
    return [Department.objects.create(name=name) for name in ("総務課", "市民課")]


def rows():
    return [
        HEADER,
        ["tanaka", "田中 花子", "tanaka@example.jp", "担当課", "総務課、市民課", "はい"],
        ["suzuki", "鈴木 一郎", "suzuki@example.jp", "情報管理課 職員", "", "はい"],
        ["kanri", "管理 太郎", "kanri@example.jp", "システム管理者", "", "はい"],
    ]


def test_users_are_created_with_their_roles_and_departments_and_no_password(
    admin_client_, departments, settings
):
    settings.PASSWORD_RESET_ENABLED = False
    preview, done = import_file(admin_client_, MODEL, xlsx_bytes(rows()), "利用者.xlsx")
    assert "パスワードなしで作られます" in preview.content.decode()
    tanaka = User.objects.get(username="tanaka")
    assert tanaka.first_name == "田中 花子" and not tanaka.has_usable_password()
    assert {r.label for r in roles_of(tanaka)} == {"担当課 入力者"}
    assert sorted(tanaka.departments.values_list("name", flat=True)) == ["市民課", "総務課"]
    assert {r.label for r in roles_of(User.objects.get(username="suzuki"))} == {"情報管理課 職員"}
    kanri = User.objects.get(username="kanri")
    assert kanri.is_staff and not kanri.is_superuser
    assert mail.outbox == []


def test_where_mail_is_configured_each_new_user_gets_a_link_to_set_a_password(
    admin_client_, departments, settings
):
    settings.PASSWORD_RESET_ENABLED = True
    _preview, done = import_file(admin_client_, MODEL, xlsx_bytes(rows()), "利用者.xlsx")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "kanri@example.jp",
        "suzuki@example.jp",
        "tanaka@example.jp",
    ]
    body = next(m.body for m in mail.outbox if m.to == ["tanaka@example.jp"])
    link = next(line for line in body.splitlines() if "/reset/" in line).strip()
    path = link.split("testserver", 1)[1]
    admin_client_.logout()
    form_page = admin_client_.get(path, follow=True)
    assert form_page.status_code == 200 and "new_password1" in form_page.content.decode()


def test_reimporting_changes_nothing_and_sends_no_mail(admin_client_, departments, settings):
    settings.PASSWORD_RESET_ENABLED = True
    import_file(admin_client_, MODEL, xlsx_bytes(rows()), "利用者.xlsx")
    mail.outbox.clear()
    preview, _done = import_file(admin_client_, MODEL, xlsx_bytes(rows()), "利用者.xlsx")
    assert row_words(preview)[-3:] == ["変更なし"] * 3
    assert mail.outbox == []


def test_a_role_is_replaced_and_other_groups_are_kept(admin_client_, departments):
    user = make_user("committee", username="tanaka")
    from django.contrib.auth.models import Group

    other = Group.objects.create(name="広報")
    user.groups.add(other)
    data = xlsx_bytes([HEADER, ["tanaka", "田中", "t@example.jp", "担当課", "総務課", "はい"]])
    import_file(admin_client_, MODEL, data, "利用者.xlsx")
    user.refresh_from_db()
    assert {r.label for r in roles_of(user)} == {"担当課 入力者"}
    assert user.groups.filter(name="広報").exists()


def test_unknown_role_department_and_active_word_are_each_named_and_nothing_is_written(
    admin_client_, departments
):
    data = csv_bytes([HEADER, ["tanaka", "田中", "t@example.jp", "課長", "土木課", "たぶん"]], "cp932")
    response = upload(admin_client_, "admin:auth_user_import", data, "利用者.csv")
    errors = errors_of(response)
    assert {(row, column) for row, column, _m in errors} == {(2, "役割"), (2, "担当課"), (2, "有効")}
    assert any("役割「課長」はありません" in m for _r, _c, m in errors)
    assert any("担当課「土木課」が見つかりません" in m for _r, _c, m in errors)
    assert not User.objects.filter(username="tanaka").exists()
    html = response.content.decode()
    assert "Traceback" not in html and "Line number" not in html


def test_a_file_without_the_user_name_column_is_refused_in_japanese(admin_client_, departments):
    data = xlsx_bytes([["氏名"], ["田中"]])
    response = upload(admin_client_, "admin:auth_user_import", data, "利用者.xlsx")
    assert errors_of(response) == [
        (None, "", "1行目に列「ユーザー名」がありません。書き出したファイルの見出しのまま使ってください。")
    ]


@pytest.mark.parametrize("file_format", ["xlsx", "csv", "json"])
def test_an_export_imports_back_unchanged(admin_client_, departments, file_format):
    import_file(admin_client_, MODEL, xlsx_bytes(rows()), "利用者.xlsx")
    preview, _done = import_file(
        admin_client_, MODEL, export(admin_client_, MODEL, file_format), f"u.{file_format}"
    )
    assert set(row_words(preview)) == {"変更なし"}
    assert "password" not in export(admin_client_, MODEL, "csv").decode()

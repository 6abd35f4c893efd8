"""Departments and their members from a spreadsheet: upload, preview, confirm."""

import pytest

from audit.models import AuditEvent
from initiatives.models import Department
from tests.onboarding import csv_bytes, errors_of, export, import_file, row_words, upload, xlsx_bytes
from tests.personas import make_user

HEADER = ["課名", "所属する利用者（ユーザー名）"]
MODEL = "initiatives_department"


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def clerks(db):
    return [make_user("department", username=name) for name in ("tanaka", "suzuki", "sato")]


def test_an_xlsx_of_departments_creates_them_with_their_members(admin_client_, clerks):
    data = xlsx_bytes([HEADER, ["総務課", "tanaka、suzuki"], ["市民課", "sato\ntanaka"]])
    preview, done = import_file(admin_client_, MODEL, data, "課.xlsx")
    assert row_words(preview) == ["新規", "新規"]
    assert done.status_code == 302
    assert sorted(Department.objects.get(name="総務課").members.values_list("username", flat=True)) == [
        "suzuki",
        "tanaka",
    ]
    assert sorted(Department.objects.get(name="市民課").members.values_list("username", flat=True)) == [
        "sato",
        "tanaka",
    ]
    event = AuditEvent.objects.filter(detail__contains="一括取込（担当課）").get()
    assert "課.xlsx" in event.detail and "新規 2" in event.detail and event.username == "admin"


def test_importing_the_same_file_again_changes_nothing(admin_client_, clerks):
    data = xlsx_bytes([HEADER, ["総務課", "tanaka、suzuki"]])
    import_file(admin_client_, MODEL, data, "課.xlsx")
    preview, _done = import_file(admin_client_, MODEL, data, "課.xlsx")
    assert row_words(preview) == ["変更なし"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_a_csv_reads_in_any_encoding_excel_writes(admin_client_, clerks, encoding):
    data = csv_bytes([HEADER, ["総務課", "tanaka"]], encoding)
    import_file(admin_client_, MODEL, data, "課.csv")
    assert Department.objects.get(name="総務課").members.get().username == "tanaka"


def test_an_unknown_member_is_named_by_row_and_column_and_nothing_is_written(admin_client_, clerks):
    data = xlsx_bytes([HEADER, ["総務課", "tanaka"], [None, None], ["市民課", "yamada"]])
    response = upload(admin_client_, "admin:initiatives_department_import", data, "課.xlsx")
    assert response.context.get("confirm_form") is None
    assert errors_of(response) == [(4, "所属する利用者（ユーザー名）", "利用者「yamada」が見つかりません。")]
    assert "4行目" in response.content.decode()
    assert not Department.objects.filter(name__in=["総務課", "市民課"]).exists()


@pytest.mark.parametrize("file_format", ["xlsx", "csv", "json"])
def test_an_export_imports_back_unchanged(admin_client_, clerks, file_format):
    dept = Department.objects.create(name="=SUM(A1)課")
    dept.members.set(clerks[:2])
    data = export(admin_client_, MODEL, file_format)
    preview, _done = import_file(admin_client_, MODEL, data, f"export.{file_format}")
    assert set(row_words(preview)) == {"変更なし"}


def test_formula_looking_text_stays_text_in_the_xlsx_export(admin_client_, clerks):
    import io

    from openpyxl import load_workbook

    Department.objects.create(name="=SUM(A1)課")
    sheet = load_workbook(io.BytesIO(export(admin_client_, MODEL, "xlsx"))).active
    cell = next(c for c in sheet["A"] if c.value == "=SUM(A1)課")
    assert cell.data_type == "s" and cell.quotePrefix


def test_the_csv_export_has_a_bom_for_japanese_excel(admin_client_, clerks):
    Department.objects.create(name="総務課")
    assert export(admin_client_, MODEL, "csv").startswith("\ufeff課名".encode())


def test_formula_looking_text_is_quoted_in_the_csv_export_and_read_back_as_it_was(admin_client_, clerks):
    Department.objects.create(name="=SUM(A1)課")
    data = export(admin_client_, MODEL, "csv")
    assert "'=SUM(A1)課".encode() in data
    preview, _done = import_file(admin_client_, MODEL, data, "export.csv")
    assert row_words(preview) == ["変更なし"]


def test_each_imported_record_is_in_the_admin_history_with_the_file_name(admin_client_, clerks):
    from django.contrib.admin.models import LogEntry

    import_file(admin_client_, MODEL, xlsx_bytes([HEADER, ["総務課", "tanaka"]]), "課.xlsx")
    entry = LogEntry.objects.get(object_repr="総務課")
    assert entry.user.username == "admin" and entry.get_change_message() == "一括取込で追加（課.xlsx）"
    assert AuditEvent.objects.filter(object_repr="総務課", detail="一括取込で追加（課.xlsx）").exists()

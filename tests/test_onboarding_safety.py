"""The bulk imports refuse hostile files and people who may not import, and show no traceback."""

import io
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from initiatives.models import Department
from tests.onboarding import errors_of, upload, xlsx_bytes
from tests.personas import make_user

HEADER = ["課名", "所属する利用者（ユーザー名）"]
URL = "admin:initiatives_department_import"


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def rezip(data, extra=None, replace=None):
    """The workbook with an entry added or one entry's bytes changed."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry)
            if replace and entry.filename == replace[0]:
                content = replace[1](content)
            target.writestr(entry.filename, content)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return buffer.getvalue()


def refused(client, data, file_name="課.xlsx", file_format=None):
    response = upload(client, URL, data, file_name, file_format)
    assert response.context.get("confirm_form") is None
    assert not Department.objects.exists()
    html = response.content.decode()
    assert "Traceback" not in html and "encountered while trying" not in html
    return errors_of(response)


def test_an_oversize_xlsx_and_csv_are_refused(admin_client_, settings):
    settings.SPREADSHEET_MAX_BYTES = 2000
    big = xlsx_bytes([HEADER, *[[f"課{i}", "x" * 50] for i in range(200)]])
    assert "ファイルが大きすぎます" in refused(admin_client_, big)[0]
    assert "ファイルが大きすぎます" in refused(admin_client_, b"a,b\r\n" * 1000, "課.csv")[0]


def test_a_zip_bomb_is_refused(admin_client_):
    data = rezip(
        xlsx_bytes([HEADER, ["総務課", ""]]), extra={"xl/media/bomb.bin": b"\0" * (60 * 1024 * 1024)}
    )
    assert "圧縮爆弾" in refused(admin_client_, data)[0]


def test_a_workbook_with_macros_is_refused(admin_client_):
    data = rezip(xlsx_bytes([HEADER, ["総務課", ""]]), extra={"xl/vbaProject.bin": b"macro"})
    assert "マクロ" in refused(admin_client_, data)[0]


def test_a_workbook_declaring_entities_is_refused(admin_client_):
    def with_entity(xml):
        declaration = b'<!DOCTYPE worksheet [<!ENTITY e "boom">]>'
        return xml.replace(b"?>", b"?>" + declaration, 1) if b"?>" in xml else declaration + xml

    data = rezip(xlsx_bytes([HEADER, ["総務課", ""]]), replace=("xl/worksheets/sheet1.xml", with_entity))
    assert "ENTITY" in refused(admin_client_, data)[0]


def test_a_csv_in_neither_utf8_nor_shift_jis_is_refused_in_japanese(admin_client_):
    data = "課名\r\n総務課\r\n".encode("utf-16")
    assert "文字コードを読み取れませんでした" in refused(admin_client_, data, "課.csv")[0]


def test_an_xlsx_posted_as_csv_says_which_format_to_choose(admin_client_):
    data = xlsx_bytes([HEADER, ["総務課", ""]])
    assert "形式に「xlsx」を選んでください" in refused(admin_client_, data, "課.xlsx", "csv")[0]


def test_a_staff_member_without_the_permissions_cannot_import(client, db):
    clerk = make_user("staff", username="clerk")
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    assert client.get(reverse(URL)).status_code == 403
    assert client.get(reverse("onboarding_bulk_import")).status_code == 403


def test_a_non_staff_user_is_sent_to_the_admin_log_in(client, db):
    client.force_login(make_user("department", username="dept"))
    assert client.get(reverse(URL)).status_code == 302


def test_an_administrator_by_role_can_import_and_another_users_staged_file_is_not_theirs(client, db):
    admin = make_user("admin", username="kanri")
    admin.is_staff = True
    admin.save()
    assert admin.has_perm("onboarding.change_carryover")
    client.force_login(admin)
    preview = upload(client, URL, xlsx_bytes([HEADER, ["総務課", ""]]), "課.xlsx")
    form = preview.context["confirm_form"]
    other = make_user("admin", username="kanri2")
    other.is_staff = True
    other.save()
    client.force_login(other)
    response = client.post(reverse("admin:initiatives_department_process_import"), form.initial, follow=True)
    assert "確認待ちのファイルが見つかりません" in response.content.decode()
    assert not Department.objects.exists()
    client.force_login(admin)
    client.post(reverse("admin:initiatives_department_process_import"), form.initial)
    assert Department.objects.filter(name="総務課").exists()


def test_the_bulk_import_page_lists_every_import_with_its_columns_and_template(
    admin_client_, django_assert_max_num_queries
):
    # Session, user, the role groups for the users' help (one per role), the plan table's permissions.
    with django_assert_max_num_queries(12):
        html = admin_client_.get(reverse("onboarding_bulk_import")).content.decode()
    for title in (
        "計画表（xlsx）",
        "ユーザー",
        "担当課",
        "個別計画の担当課",
        "計画間の継続",
        "過去の年度の結果",
    ):
        assert title in html
    assert "前計画（次数）、前計画の項番、次の計画（次数）、次の計画の項番" in html
    assert "%(" not in html  # every help text filled in (the users' names the role groups)
    assert "システム管理者・情報管理課・担当課・委員" in html
    assert reverse("admin:auth_user_export") in html
    assert reverse("admin:initiatives_initiative_import") in html
    assert reverse("onboarding_bulk_import") in admin_client_.get(reverse("admin:index")).content.decode()


def test_a_confirmed_import_whose_data_changed_since_the_preview_writes_nothing(admin_client_, db):
    make_user("department", username="tanaka")
    preview = upload(admin_client_, URL, xlsx_bytes([HEADER, ["総務課", "tanaka"]]), "課.xlsx")
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="tanaka").delete()
    response = admin_client_.post(
        reverse("admin:initiatives_department_process_import"),
        preview.context["confirm_form"].initial,
        follow=True,
    )
    html = response.content.decode()
    assert "2行目「所属する利用者（ユーザー名）」" in html and "何も取り込んでいません" in html
    assert not Department.objects.exists()
    assert Permission  # imported for the role check above


def test_a_number_the_library_cannot_read_is_named_in_japanese_not_as_its_exception(db, plan5):
    """A resource of another import (the past years' results) with a decimal column, on the shared base."""
    import tablib
    from import_export.fields import Field
    from import_export.widgets import DecimalWidget

    from initiatives.models import Indicator, Initiative
    from onboarding.resources import CityResource

    class BaselineResource(CityResource):
        name = Field(attribute="name", column_name="指標名")
        baseline = Field(attribute="baseline", column_name="基準値", widget=DecimalWidget())

        class Meta:
            model = Indicator
            fields = ["name", "baseline"]
            import_id_fields = ["name"]

    Indicator.objects.create(initiative=Initiative.objects.filter(plan=plan5).first(), name="利用件数")
    dataset = tablib.Dataset(["利用件数", "たくさん"], headers=["指標名", "基準値"])
    resource = BaselineResource()
    result = resource.import_data(dataset, dry_run=True)
    assert resource.city_errors == [
        {
            "row": 2,
            "column": "基準値",
            "message": "「たくさん」を読み取れません。数値や日付は書き出したファイルと同じ形で書いてください。",
        }
    ]
    assert result.has_validation_errors()

"""The administrator's plan import in the Django admin: upload, preview, confirm."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from initiatives.models import Initiative
from initiatives.open_data import plan_to_dict
from initiatives.spreadsheet import write_plan_workbook
from workbooks import XLSX_CONTENT_TYPE

IMPORT_URL = reverse("admin:initiatives_initiative_import")
CONFIRM_URL = reverse("admin:initiatives_initiative_import_confirm")


def exported_workbook(plan, change=None):
    """The plan's own export, optionally with one cell changed: change = (row of 項番 N, header, value)."""
    data = write_plan_workbook(plan, Initiative.objects.for_plan_table(plan))
    if change is None:
        return data
    number, header, value = change
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    header_col = next(c.column for c in sheet[3] if c.value == header)
    row = next(r for r in sheet.iter_rows(min_row=5) if r[0].value == number)
    sheet.cell(row=row[0].row, column=header_col).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, plan, data, name="plan.xlsx"):
    file = SimpleUploadedFile(name, data, content_type=XLSX_CONTENT_TYPE)
    return client.post(IMPORT_URL, {"plan": plan.pk, "file": file})


def test_the_preview_shows_each_change_and_writes_nothing_until_confirmed(admin_client, plan5):
    data = exported_workbook(plan5, (7, "個別計画名", "市公式ホームページ等の拡充"))
    response = upload(admin_client, plan5, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "新規作成 0件、更新 1件、変更なし 25件" in html
    assert "<del>市公式ホームページ等の検討</del> → <ins>市公式ホームページ等の拡充</ins>" in html
    assert Initiative.objects.get(plan=plan5, number=7).name == "市公式ホームページ等の検討"

    confirm = response.context["confirm_form"].initial
    response = admin_client.post(CONFIRM_URL, confirm, follow=True)
    assert Initiative.objects.get(plan=plan5, number=7).name == "市公式ホームページ等の拡充"
    # The import ran as a background job; its page in the admin gives the result and the way on.
    html = response.content.decode()
    assert response.redirect_chain[0][0].startswith("/admin/initiatives/initiative/import/jobs/")
    assert "完了" in html and "更新 1件" in html
    assert f"/admin/initiatives/initiative/?plan__id__exact={plan5.pk}" in html
    history = Initiative.objects.get(plan=plan5, number=7).history.first()
    assert history.history_user.username == "admin" and history.history_change_reason.startswith("計画表")


def test_a_confirmed_file_cannot_be_applied_twice_by_resubmitting(admin_client, plan5):
    response = upload(admin_client, plan5, exported_workbook(plan5))
    confirm = response.context["confirm_form"].initial
    admin_client.post(CONFIRM_URL, confirm)
    response = admin_client.post(CONFIRM_URL, confirm, follow=True)
    assert "確認待ちのファイルが見つかりません" in response.content.decode()


def test_a_bad_cell_is_named_by_row_and_column_and_nothing_is_written(admin_client, plan5):
    before = plan_to_dict(plan5)
    data = exported_workbook(plan5, (3, "個別計画名", None))
    response = upload(admin_client, plan5, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "何も保存していません" in html
    assert "7行目 B列（個別計画名）: 個別計画名が空です。" in html
    assert plan_to_dict(plan5) == before


def test_a_file_that_is_not_a_workbook_is_refused_in_japanese(admin_client, plan5):
    response = upload(admin_client, plan5, "項番,個別計画名\n1,x\n".encode(), name="plan.xlsx")
    assert response.status_code == 400
    assert "Excel形式（.xlsx）のファイルではありません" in response.content.decode()


def test_a_forged_confirmation_token_is_refused(admin_client, plan5):
    response = admin_client.post(
        CONFIRM_URL, {"plan": plan5.pk, "token": "../../etc/passwd", "file_name": "x.xlsx"}, follow=True
    )
    assert "正しくありません" in response.content.decode()


def test_the_import_is_for_administrators_only(client, plan5, django_user_model):
    assert client.get(IMPORT_URL).status_code == 302  # to the admin login
    clerk = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
    client.force_login(clerk)
    assert client.get(IMPORT_URL).status_code == 403
    response = client.post(IMPORT_URL, {"plan": plan5.pk, "file": SimpleUploadedFile("p.xlsx", b"PK")})
    assert response.status_code == 403


def test_the_form_offers_the_plan_being_worked_on_first(admin_client, plan5):
    form = admin_client.get(IMPORT_URL).context["form"]
    assert form.fields["plan"].initial == plan5.pk


def test_a_workbook_titled_for_another_plan_is_refused(admin_client, plan5, plan4):
    response = upload(admin_client, plan4, exported_workbook(plan5))
    assert response.status_code == 400
    assert "1行目の表題は「第五次東大和市情報化推進計画」です。" in response.content.decode()

"""Which department runs each initiative, and the carry-over links between plans, from a spreadsheet."""

import pytest

from initiatives.models import Department, Initiative
from tests.onboarding import errors_of, export, import_file, row_words, upload, xlsx_bytes

DEPARTMENTS = "onboarding_initiativedepartment"
LINKS = "onboarding_carryover"


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def soumu(db):
    return Department.objects.create(name="総務課")


def test_the_department_of_initiatives_is_set_and_nothing_else_changes(admin_client_, plan5, soumu):
    item = Initiative.objects.get(plan=plan5, number=3)
    data = xlsx_bytes(
        [["計画（次数）", "項番", "個別計画名（確認用）", "担当課"], [5, 3, "違う名前", "総務課"]]
    )
    preview, _done = import_file(admin_client_, DEPARTMENTS, data, "担当.xlsx")
    assert row_words(preview) == ["更新"]
    changed = Initiative.objects.get(pk=item.pk)
    assert changed.department == soumu and changed.name == item.name
    last = changed.history.first()
    assert last.history_user.username == "admin" and last.history_change_reason == "一括取込で担当課を変更"
    assert Initiative.objects.count() == Initiative.objects.count()


def test_an_unknown_number_or_department_is_a_row_error_and_nothing_is_written(admin_client_, plan5, soumu):
    header = ["計画（次数）", "項番", "個別計画名（確認用）", "担当課"]
    data = xlsx_bytes([header, [5, 3, "", "総務課"], [5, 99, "", "総務課"], [5, 4, "", "土木課"]])
    count = Initiative.objects.count()
    response = upload(admin_client_, f"admin:{DEPARTMENTS}_import", data, "担当.xlsx")
    assert errors_of(response) == [
        (3, "", "個別計画：第5次計画に項番99の個別計画はありません。"),
        (4, "担当課", "担当課「土木課」がありません。先に担当課を登録してください。"),
    ]
    assert Initiative.objects.get(plan=plan5, number=3).department is None
    assert Initiative.objects.count() == count


@pytest.mark.parametrize("file_format", ["xlsx", "csv", "json"])
def test_the_department_export_imports_back_unchanged(admin_client_, plan5, soumu, file_format):
    Initiative.objects.filter(plan=plan5, number__in=[1, 2]).update(department=soumu)
    data = export(admin_client_, DEPARTMENTS, file_format)
    preview, _done = import_file(admin_client_, DEPARTMENTS, data, f"d.{file_format}")
    assert set(row_words(preview)) == {"変更なし"}


def unlinked_pair(plan4, plan5):
    previous = (
        Initiative.objects.filter(plan=plan4).exclude(carried_into__isnull=False).order_by("number").first()
    )
    following = Initiative.objects.filter(plan=plan5).order_by("number").last()
    return previous, following


HEADER = ["前計画（次数）", "前計画の項番", "次の計画（次数）", "次の計画の項番"]


def test_a_carry_over_link_is_added_once(admin_client_, plan4, plan5):
    previous, following = unlinked_pair(plan4, plan5)
    links = Initiative.carried_from.through.objects.count()
    data = xlsx_bytes([HEADER, [4, previous.number, 5, following.number]])
    preview, _done = import_file(admin_client_, LINKS, data, "継続.xlsx")
    assert row_words(preview) == ["更新"]
    assert previous in following.carried_from.all()
    assert Initiative.carried_from.through.objects.count() == links + 1
    reason = following.history.first().history_change_reason
    assert reason.startswith("一括取込で継続元を追加")
    preview, _done = import_file(admin_client_, LINKS, data, "継続.xlsx")
    assert row_words(preview) == ["変更なし"]
    assert Initiative.carried_from.through.objects.count() == links + 1


def test_a_link_to_an_item_that_is_not_of_the_previous_plan_is_refused(admin_client_, plan4, plan5):
    data = xlsx_bytes([HEADER, [5, 1, 5, 2]])
    response = upload(admin_client_, f"admin:{LINKS}_import", data, "継続.xlsx")
    assert errors_of(response) == [
        (2, "", "前計画の項目は、次の計画（第5次）の前の計画の項目にしてください。")
    ]


@pytest.mark.parametrize("file_format", ["xlsx", "csv", "json"])
def test_the_links_export_imports_back_unchanged(admin_client_, plan4, plan5, file_format):
    data = export(admin_client_, LINKS, file_format)
    preview, _done = import_file(admin_client_, LINKS, data, f"l.{file_format}")
    words = row_words(preview)
    assert words and set(words) == {"変更なし"}

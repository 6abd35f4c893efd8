"""An entry between its department and 情報管理課: submitted, returned with a comment, fixed, submitted again and
confirmed; each step recorded with who and when; the survey's schedule and its steps shown before they are taken.
"""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from reviews import workflow
from reviews.entries import save_entry
from reviews.models import CycleState, EntryEvent, EntryState, ReviewCycle
from tests.personas import cycle_in_state, make_department, make_user, open_cycle
from tests.test_entry_editing import BEHIND, ON_PLAN, entry_of, entry_url, form_data, worklist_row

COMPLETE = {
    "stage_reached": "実施中",
    "achievement": "一部達成",
    "actions": "運用を開始した。",
    "direction": "継続",
}


@pytest.fixture
def cycle(plan5, admin):
    return open_cycle(plan5, 2022, admin)


@pytest.fixture
def somu(plan5):
    return make_department("総務課", plan5, numbers=[1, 16])


@pytest.fixture
def editor(somu):
    return make_user("department", departments=[somu], username="somu-editor")


def step(client, cycle, number, kind, comment="", version=None):
    entry = entry_of(cycle, number)
    data = {
        "step": kind,
        "based_on_version": entry.version if version is None else version,
        "comment": comment,
    }
    return client.post(reverse("reviews:entry_step", args=[cycle.pk, number]), data, follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def fill(client, cycle, number, **values):
    response = client.post(entry_url(cycle, number), form_data(entry_of(cycle, number), **values))
    assert response.status_code == 302, response.context["form"].errors
    return entry_of(cycle, number)


def test_submit_return_fix_resubmit_confirm(client, cycle, editor, staff, somu):
    client.force_login(editor)
    fill(client, cycle, 16, **COMPLETE)
    page = client.get(entry_url(cycle, 16)).content.decode()
    assert "提出する" in page and "確認済にする" not in page  # a department cannot accept its own entry

    response = step(client, cycle, 16, "submit")
    assert messages_of(response) == ["項番 16 を提出しました。情報管理課が確認します。"]
    assert entry_of(cycle, 16).state == EntryState.SUBMITTED

    client.force_login(staff)
    refused = step(client, cycle, 16, "return")
    assert messages_of(refused) == ["差し戻す理由を入力してください。"]
    assert entry_of(cycle, 16).state == EntryState.SUBMITTED
    step(client, cycle, 16, "return", comment="取組内容に導入した時期を書いてください。")
    assert entry_of(cycle, 16).state == EntryState.RETURNED

    client.force_login(editor)
    page = client.get(entry_url(cycle, 16)).content.decode()
    assert "取組内容に導入した時期を書いてください。" in page
    fixed = fill(client, cycle, 16, **{**COMPLETE, "actions": "令和4年10月に運用を開始した。"})
    assert fixed.state == EntryState.RETURNED  # still with the department until it submits again
    step(client, cycle, 16, "submit")

    client.force_login(staff)
    step(client, cycle, 16, "confirm")
    entry = entry_of(cycle, 16)
    assert entry.state == EntryState.CONFIRMED
    events = [(e.kind, e.from_state, e.to_state, e.user.username, e.comment) for e in entry.events.all()]
    assert events == [
        ("submit", "入力中", "提出済", "somu-editor", ""),
        ("return", "提出済", "差戻し", staff.username, "取組内容に導入した時期を書いてください。"),
        ("submit", "差戻し", "提出済", "somu-editor", ""),
        ("confirm", "提出済", "確認済", staff.username, ""),
    ]
    # The confirmation is of the version fixed by the department.
    assert entry.events.last().version == fixed.version
    assert all(e.at <= timezone.now() for e in entry.events.all())


def test_an_incomplete_entry_cannot_be_submitted_and_is_told_what_is_missing(client, cycle, editor):
    client.force_login(editor)
    fill(client, cycle, 16, stage_reached="実施中", actions="途中")
    assert "submit" not in [s["kind"] for s in client.get(entry_url(cycle, 16)).context["steps"]]
    response = step(client, cycle, 16, "submit")
    assert messages_of(response) == ["次の項目が未入力のため、提出・確認できません: 達成状況、今後の方向性"]
    assert entry_of(cycle, 16).state == EntryState.IN_PROGRESS
    assert not EntryEvent.objects.exists()


def test_changing_a_submitted_or_confirmed_entry_makes_it_in_progress_again(client, cycle, staff):
    client.force_login(staff)
    fill(client, cycle, 1, **COMPLETE)
    step(client, cycle, 1, "confirm")
    assert entry_of(cycle, 1).state == EntryState.CONFIRMED
    changed = fill(client, cycle, 1, **COMPLETE, issues="予算")
    assert changed.state == EntryState.IN_PROGRESS


def test_a_department_editor_may_not_confirm_or_return(client, cycle, editor, staff):
    client.force_login(staff)
    fill(client, cycle, 16, **COMPLETE)
    client.force_login(editor)
    step(client, cycle, 16, "submit")
    for kind in ("confirm", "return"):
        response = client.post(
            reverse("reviews:entry_step", args=[cycle.pk, 16]),
            {"step": kind, "based_on_version": entry_of(cycle, 16).version, "comment": "x"},
        )
        assert response.status_code == 403
    assert entry_of(cycle, 16).state == EntryState.SUBMITTED
    # Nor take a step on another department's entry.
    other = client.post(
        reverse("reviews:entry_step", args=[cycle.pk, 2]),
        {"step": "comment", "based_on_version": 0, "comment": "x"},
    )
    assert other.status_code == 403


def test_a_step_on_a_version_saved_since_is_refused(client, cycle, staff, editor):
    client.force_login(editor)
    seen = fill(client, cycle, 16, **COMPLETE)
    step(client, cycle, 16, "submit")
    save_entry(entry_of(cycle, 16), {"issues": "追記"}, editor, based_on_version=seen.version)
    client.force_login(staff)
    response = step(client, cycle, 16, "confirm", version=seen.version)
    assert "ほかの人によって保存されました" in messages_of(response)[0]
    assert entry_of(cycle, 16).state == EntryState.IN_PROGRESS
    assert not EntryEvent.objects.filter(kind="confirm").exists()


def test_no_step_once_the_survey_is_compiled(client, plan5, admin, staff):
    cycle = cycle_in_state(plan5, 2023, admin, CycleState.COMPILED)
    client.force_login(staff)
    response = step(client, cycle, 1, "comment", comment="確認")
    assert messages_of(response) == ["この調査は「取りまとめ済」のため、操作できませんでした。"]
    assert not EntryEvent.objects.exists()


def test_comments_are_kept_with_the_entry_and_the_worklist_filters_by_state(client, cycle, staff, editor):
    client.force_login(editor)
    fill(client, cycle, 16, **COMPLETE)
    step(client, cycle, 16, "comment", comment="導入時期は10月です。")
    step(client, cycle, 16, "submit")
    client.force_login(staff)
    step(client, cycle, 16, "return", comment="KPIの実績値をお願いします。")
    response = client.get(entry_url(cycle, 16))
    assert [e.comment for e in response.context["entry_events"] if e.comment] == [
        "導入時期は10月です。",
        "KPIの実績値をお願いします。",
    ]
    # The reason it was returned stands at the top of the page.
    assert response.context["returned"].comment == "KPIの実績値をお願いします。"
    response = client.get(reverse("reviews:worklist", args=[cycle.pk]), {"state": "差戻し"})
    assert [r.record.initiative.number for r in response.context["table"].rows] == [16]
    assert worklist_row(response, 16)["state"] == "差戻し"


def test_last_years_entry_is_beside_the_form_and_can_start_it(client, plan5, admin, staff):
    before = open_cycle(plan5, 2022, admin)
    save_entry(entry_of(before, 3), {**COMPLETE, "issues": "職員の習熟"}, staff, based_on_version=0)
    cycle = open_cycle(plan5, 2023, admin)
    client.force_login(staff)
    response = client.get(entry_url(cycle, 3))
    assert response.context["previous"] == entry_of(before, 3)
    assert "前年度の入力（達成状況調査 令和4年度 (2022)）" in response.content.decode()
    assert response.context["form"]["actions"].value() == ""

    started = client.get(entry_url(cycle, 3, start="previous"))
    form = started.context["form"]
    assert [form[n].value() for n in ("stage_reached", "actions", "issues", "direction")] == [
        "実施中",
        "運用を開始した。",
        "職員の習熟",
        "継続",
    ]
    assert entry_of(cycle, 3).version == 0  # nothing saved until the clerk saves


def test_a_contradicted_progress_is_flagged_on_the_worklist_and_the_entry(client, cycle, staff):
    client.force_login(staff)
    # Item 1 is planned 実施 in 2022; 検討中 is behind it, yet 計画どおり was given.
    fill(client, cycle, 1, stage_reached="検討中", progress=ON_PLAN, progress_reason="契約手続中のため")
    row = worklist_row(client.get(reverse("reviews:worklist", args=[cycle.pk])), 1)
    assert row["progress"] == f"{ON_PLAN} 自己評価と年次計画の差（年次計画では{BEHIND}）"
    page = client.get(entry_url(cycle, 1)).content.decode()
    assert f"進捗は「{ON_PLAN}」ですが、年次計画との比較では「{BEHIND}」です。" in page
    assert "契約手続中のため" in page


def test_after_the_due_date_unsubmitted_entries_are_overdue(client, cycle, staff, editor):
    client.force_login(staff)
    fill(client, cycle, 1, **COMPLETE)
    step(client, cycle, 1, "confirm")
    ReviewCycle.objects.filter(pk=cycle.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    response = client.get(reverse("reviews:worklist", args=[cycle.pk]))
    assert response.context["counts"]["overdue"] == response.context["counts"]["total"] - 1
    assert worklist_row(response, 2)["state"] == "未入力 期限超過"
    assert worklist_row(response, 1)["state"] == "確認済"
    page = response.content.decode()
    assert "提出期限" in page and "期限を過ぎています" in page
    client.force_login(editor)
    assert "期限超過" in client.get(entry_url(cycle, 16)).content.decode()


def test_staff_set_the_schedule_and_it_is_recorded(client, cycle, staff, editor):
    url = reverse("reviews:schedule", args=[cycle.pk])
    dates = {
        "due_date": "2022-12-20",
        "committee_planned_date": "2023-01-25",
        "headquarters_planned_date": "2023-02-10",
    }
    client.force_login(editor)
    assert client.post(url, dates).status_code == 403
    client.force_login(staff)
    wrong = client.post(url, {**dates, "committee_planned_date": "2022-12-01"}, follow=True)
    assert "委員会の開催予定日は提出期限より後にしてください。" in messages_of(wrong)
    assert ReviewCycle.objects.get(pk=cycle.pk).due_date is None
    client.post(url, dates)
    saved = ReviewCycle.objects.get(pk=cycle.pk)
    assert (saved.due_date, saved.committee_planned_date) == (
        datetime.date(2022, 12, 20),
        datetime.date(2023, 1, 25),
    )
    assert AuditEvent.objects.filter(detail__startswith="日程の変更").count() == 1
    page = client.get(reverse("reviews:worklist", args=[cycle.pk])).content.decode()
    assert "2022年12月20日" in page and "2023年1月25日" in page


def test_compiling_shows_what_is_not_confirmed_first(client, cycle, staff):
    client.force_login(staff)
    fill(client, cycle, 1, **COMPLETE)
    step(client, cycle, 1, "confirm")
    worklist = client.get(reverse("reviews:worklist", args=[cycle.pk])).content.decode()
    confirm_url = reverse("reviews:confirm_step", args=[cycle.pk, "compile"])
    assert f'href="{confirm_url}"' in worklist
    response = client.get(confirm_url)
    unconfirmed = [e.initiative.number for e in response.context["unconfirmed"]]
    total = cycle.entries.count()
    assert len(unconfirmed) == total - 1 and 1 not in unconfirmed
    page = response.content.decode()
    assert f"確認済でない入力が{total - 1}件あります。" in page
    assert ReviewCycle.objects.get(pk=cycle.pk).state == CycleState.SURVEYING  # nothing taken by looking


def test_publishing_says_what_becomes_public(client, plan5, admin):
    cycle = cycle_in_state(plan5, 2023, admin, CycleState.HEADQUARTERS_DONE)
    client.force_login(admin)
    page = client.get(reverse("reviews:confirm_step", args=[cycle.pk, "publish"])).content.decode()
    assert "公開した報告は取り消せません。" in page
    assert "オープンデータのCSV・JSON" in page
    assert "調査の状態が「本部会議 審議済」から「公開済」になります。" in page


def test_a_step_not_available_or_not_allowed_is_not_shown(client, cycle, staff):
    client.force_login(staff)
    response = client.get(reverse("reviews:confirm_step", args=[cycle.pk, "publish"]))
    assert response.status_code == 403  # publishing is the administrator's
    response = client.get(reverse("reviews:confirm_step", args=[cycle.pk, "nonsense"]))
    assert response.status_code == 404


def test_the_entry_page_needs_the_same_queries_with_steps_and_events(
    client, cycle, staff, editor, django_assert_max_num_queries
):
    client.force_login(editor)
    fill(client, cycle, 16, **COMPLETE)
    step(client, cycle, 16, "comment", comment="一")
    step(client, cycle, 16, "submit")
    client.force_login(staff)
    with django_assert_max_num_queries(40) as first:
        client.get(entry_url(cycle, 16))
    for n in range(5):
        step(client, cycle, 16, "comment", comment=f"コメント{n}")
    with django_assert_max_num_queries(40) as more:
        client.get(entry_url(cycle, 16))
    assert len(more.captured_queries) == len(first.captured_queries)


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="SQLite runs one writing transaction at a time: a step and a save cannot race there",
)
@pytest.mark.django_db(transaction=True)
def test_a_confirmation_racing_a_save_never_confirms_what_was_not_seen(plan5):
    from tests.test_concurrency import at_once

    admin = make_user("admin")
    staff = make_user("staff")
    cycle = open_cycle(plan5, 2024, admin)
    entry, _changes = save_entry(entry_of(cycle, 1), {**COMPLETE, "progress": BEHIND}, staff, 0)
    workflow.take(entry, "submit", staff, entry.version)
    seen = entry.version

    def confirm():
        try:
            return workflow.take(entry_of(cycle, 1), "confirm", staff, seen)
        except workflow.StepRefused:
            return "refused"

    def save():
        return save_entry(entry_of(cycle, 1), {"issues": "追記"}, staff, seen)

    for _round in range(5):
        confirmed, (saved, _c) = at_once(confirm, save)
        final = entry_of(cycle, 1)
        # Either the confirmation came first and the save took it back to 入力中, or the save came first
        # and the confirmation was refused: never 確認済 on a version nobody confirmed.
        assert final.state == EntryState.IN_PROGRESS and final.version == seen + 1
        if isinstance(confirmed, EntryEvent):
            assert confirmed.version == seen
        # Back to a submitted state for the next round.
        save_entry(final, {"issues": ""}, staff, final.version)
        final = entry_of(cycle, 1)
        workflow.take(final, "submit", staff, final.version)
        seen = final.version


def test_save_and_submit_in_one_action(client, cycle, editor):
    client.force_login(editor)
    data = {**form_data(entry_of(cycle, 16), **COMPLETE), "and_submit": "1"}
    response = client.post(entry_url(cycle, 16), data, follow=True)
    assert "項番 16 を提出しました。情報管理課が確認します。" in messages_of(response)
    assert entry_of(cycle, 16).state == EntryState.SUBMITTED
    # Incomplete: saved, not submitted, and told why.
    data = {**form_data(entry_of(cycle, 16), **{**COMPLETE, "direction": ""}), "and_submit": "1"}
    response = client.post(entry_url(cycle, 16), data, follow=True)
    entry = entry_of(cycle, 16)
    assert (entry.state, entry.direction) == (EntryState.IN_PROGRESS, "")
    assert (
        "保存しましたが、提出していません。次の項目が未入力のため、提出・確認できません: 今後の方向性"
        in messages_of(response)
    )


def test_the_worklist_finds_the_overdue_and_the_contradicted(client, cycle, staff):
    client.force_login(staff)
    fill(client, cycle, 1, stage_reached="検討中", progress=ON_PLAN, progress_reason="契約手続中のため")
    fill(client, cycle, 2, **COMPLETE)
    step(client, cycle, 2, "confirm")
    url = reverse("reviews:worklist", args=[cycle.pk])

    def shown(**query):
        return [r.record.initiative.number for r in client.get(url, query).context["table"].rows]

    assert shown(attention="contradiction") == [1]
    assert shown(attention="overdue") == []  # no due date yet
    ReviewCycle.objects.filter(pk=cycle.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    overdue = shown(attention="overdue")
    assert 2 not in overdue and 1 in overdue and len(overdue) == cycle.entries.count() - 1


def test_the_schedule_shows_on_the_dashboard_and_the_report(client, cycle, staff):
    ReviewCycle.objects.filter(pk=cycle.pk).update(
        due_date=datetime.date(2022, 12, 20), committee_planned_date=datetime.date(2023, 1, 25)
    )
    client.force_login(staff)
    for name in ("reviews:dashboard", "reviews:report"):
        page = client.get(reverse(name, args=[cycle.pk])).content.decode()
        assert "提出期限" in page and "2022年12月20日" in page and "2023年1月25日" in page, name

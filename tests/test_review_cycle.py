"""The review cycle (達成状況調査): its states and steps, the record of each step, locked entries, and the
words the city uses for progress and for how far an entry has been filled in.

準備中 → 調査中 → 取りまとめ済 → 委員会審議済 → 本部会議審議済, reopening back to 調査中 with a reason.
(公開済 comes with publication, later.)
"""

import datetime

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from initiatives.models import Initiative, RoadmapCell
from reviews import scales
from reviews.cycles import start_cycle, take_step
from reviews.models import (
    CycleEvent,
    CycleState,
    EntryState,
    ReviewCycle,
    StatusEntry,
    TransitionError,
)
from tests.personas import cycle_in_state, make_user, open_cycle

S = CycleState
STATES = [S.PREPARING, S.SURVEYING, S.COMPILED, S.COMMITTEE_DONE, S.HEADQUARTERS_DONE, S.PUBLISHED]
ACTIONS = ["open", "compile", "committee", "headquarters", "reopen", "publish"]

# The city's steps, written out: (action, from state) -> state it leads to. Everything else is refused.
ALLOWED = {
    ("open", S.PREPARING): S.SURVEYING,
    ("compile", S.SURVEYING): S.COMPILED,
    ("committee", S.COMPILED): S.COMMITTEE_DONE,
    ("headquarters", S.COMMITTEE_DONE): S.HEADQUARTERS_DONE,
    ("reopen", S.COMPILED): S.SURVEYING,
    ("reopen", S.COMMITTEE_DONE): S.SURVEYING,
    ("reopen", S.HEADQUARTERS_DONE): S.SURVEYING,
    ("publish", S.HEADQUARTERS_DONE): S.PUBLISHED,
}
STATE_IDS = {
    S.PREPARING: "preparing",
    S.SURVEYING: "surveying",
    S.COMPILED: "compiled",
    S.COMMITTEE_DONE: "committee-done",
    S.HEADQUARTERS_DONE: "headquarters-done",
    S.PUBLISHED: "published",
}
MATRIX = [
    pytest.param(action, state, ALLOWED.get((action, state)), id=f"{action}-from-{STATE_IDS[state]}")
    for action in ACTIONS
    for state in STATES
]
EXTRA = {"date": datetime.date(2024, 5, 20), "comment": "意見なし", "reason": "誤りを直すため"}


@pytest.fixture
def cycle(plan5, admin):
    return start_cycle(plan5, 2022, admin)


def put_in_state(cycle, state):
    ReviewCycle.objects.filter(pk=cycle.pk).update(state=state)
    cycle.refresh_from_db()
    return cycle


@pytest.mark.parametrize(("action", "state", "leads_to"), MATRIX)
def test_every_step_from_every_state_through_take_step(cycle, admin, action, state, leads_to):
    put_in_state(cycle, state)
    events_before = cycle.events.count()
    if leads_to is None:
        with pytest.raises(TransitionError):
            take_step(cycle, action, admin, **EXTRA)
        cycle.refresh_from_db()
        assert cycle.state == state
        assert cycle.events.count() == events_before
        assert action not in cycle.available_steps()
    else:
        assert action in cycle.available_steps()
        moved = take_step(cycle, action, admin, **EXTRA)
        assert moved.state == leads_to
        cycle.refresh_from_db()
        assert cycle.state == leads_to
        event = cycle.events.last()
        assert (event.from_state, event.to_state, event.user) == (state, leads_to, admin)


@pytest.mark.parametrize(("action", "state", "leads_to"), MATRIX)
def test_every_step_from_every_state_through_the_view(client, cycle, admin, action, state, leads_to):
    put_in_state(cycle, state)
    events_before = cycle.events.count()
    client.force_login(admin)
    data = {"step": action, "date": "2024-05-20", "comment": "意見なし", "reason": "誤りを直すため"}
    response = client.post(reverse("reviews:cycle_step", args=[cycle.pk]), data, follow=True)
    if action == "publish" and leads_to is not None:  # published by the task worker: its job's page
        assert response.redirect_chain[0][0].startswith("/jobs/")
        assert "を公開しました。" in response.content.decode()
        cycle.refresh_from_db()
        assert cycle.state == leads_to and cycle.events.count() == events_before + 1
        return
    assert response.redirect_chain == [(reverse("reviews:worklist", args=[cycle.pk]), 302)]
    cycle.refresh_from_db()
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    if leads_to is None:
        assert cycle.state == state
        assert cycle.events.count() == events_before
        assert shown == [("error", f"「{state.label}」の調査にはこの操作はできません。")]
    else:
        assert cycle.state == leads_to
        assert cycle.events.count() == events_before + 1
        assert shown[0][0] == "success" and str(leads_to.label) in shown[0][1]
        assert response.context["cycle"].state == leads_to


def test_the_matrix_covers_every_transition_the_code_knows():
    known = {(a, s) for a, (sources, _to, _who) in ReviewCycle.TRANSITIONS.items() for s in sources}
    assert known == set(ALLOWED)
    assert {(a, s): ReviewCycle.TRANSITIONS[a][1] for a, s in known} == ALLOWED


def test_the_whole_path_is_recorded_with_who_when_dates_comments_and_reason(plan5, admin):
    staff = make_user("staff", username="joho")
    start = timezone.now()
    cycle = start_cycle(plan5, 2022, admin)
    cycle = take_step(cycle, "open", admin)
    cycle = take_step(cycle, "compile", staff)
    cycle = take_step(
        cycle, "committee", admin, date=datetime.date(2023, 6, 1), comment="項番8の遅れについて説明を求める。"
    )
    cycle = take_step(cycle, "headquarters", admin, date=datetime.date(2023, 7, 3), comment="了承")
    cycle = take_step(cycle, "reopen", admin, reason="項番8の実施状況に誤りがあったため")
    end = timezone.now()

    cycle = ReviewCycle.objects.get(pk=cycle.pk)
    assert cycle.state == S.SURVEYING
    assert (cycle.committee_date, cycle.committee_comment) == (
        datetime.date(2023, 6, 1),
        "項番8の遅れについて説明を求める。",
    )
    assert (cycle.headquarters_date, cycle.headquarters_comment) == (datetime.date(2023, 7, 3), "了承")
    events = list(CycleEvent.objects.filter(cycle=cycle).order_by("at", "id"))
    assert [(e.from_state, e.to_state, e.user.username) for e in events] == [
        ("", S.PREPARING, "kanri"),
        (S.PREPARING, S.SURVEYING, "kanri"),
        (S.SURVEYING, S.COMPILED, "joho"),
        (S.COMPILED, S.COMMITTEE_DONE, "kanri"),
        (S.COMMITTEE_DONE, S.HEADQUARTERS_DONE, "kanri"),
        (S.HEADQUARTERS_DONE, S.SURVEYING, "kanri"),
    ]
    assert all(start <= e.at <= end for e in events)
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert events[-1].reason == "項番8の実施状況に誤りがあったため"


def test_the_worklist_shows_the_record_of_the_cycle(client, plan5, admin):
    cycle = cycle_in_state(plan5, 2022, admin, S.COMMITTEE_DONE)
    cycle = take_step(cycle, "reopen", admin, reason="数値の訂正")
    client.force_login(admin)
    html = client.get(reverse("reviews:worklist", args=[cycle.pk])).content.decode()
    assert "取りまとめ済 → 情報システム委員会 審議済" in html
    assert "（理由: 数値の訂正）" in html
    assert "2023年6月1日" in html  # the committee's date, kept after reopening


def test_deliberation_dates_and_comments_through_the_view(client, plan5, admin):
    cycle = cycle_in_state(plan5, 2022, admin, S.COMPILED)
    client.force_login(admin)
    url = reverse("reviews:cycle_step", args=[cycle.pk])
    client.post(url, {"step": "committee", "date": "2023-06-01", "comment": "おおむね計画どおり"})
    client.post(url, {"step": "headquarters", "date": "2023-07-03", "comment": "了承する"})
    cycle.refresh_from_db()
    assert cycle.state == S.HEADQUARTERS_DONE
    assert (cycle.committee_date, cycle.committee_comment) == (
        datetime.date(2023, 6, 1),
        "おおむね計画どおり",
    )
    assert (cycle.headquarters_date, cycle.headquarters_comment) == (datetime.date(2023, 7, 3), "了承する")


@pytest.mark.parametrize("action", ["committee", "headquarters"])
def test_a_deliberation_step_without_its_date_is_refused(client, plan5, admin, action):
    state = S.COMPILED if action == "committee" else S.COMMITTEE_DONE
    cycle = cycle_in_state(plan5, 2022, admin, state)
    events = cycle.events.count()
    with pytest.raises(TransitionError, match="審議日"):
        take_step(cycle, action, admin, comment="日付なし")
    client.force_login(admin)
    response = client.post(
        reverse("reviews:cycle_step", args=[cycle.pk]),
        {"step": action, "comment": "日付なし"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["審議日を入力してください。"]
    # A date that is not a date is no better.
    client.post(reverse("reviews:cycle_step", args=[cycle.pk]), {"step": action, "date": "来週"})
    cycle.refresh_from_db()
    assert cycle.state == state and cycle.events.count() == events


@pytest.mark.parametrize("reason", ["", "   \n　"], ids=["empty", "blank"])
def test_reopening_without_a_reason_is_refused(client, plan5, admin, reason):
    cycle = cycle_in_state(plan5, 2022, admin, S.COMPILED)
    events = cycle.events.count()
    with pytest.raises(TransitionError, match="理由"):
        take_step(cycle, "reopen", admin, reason=reason)
    client.force_login(admin)
    response = client.post(
        reverse("reviews:cycle_step", args=[cycle.pk]), {"step": "reopen", "reason": reason}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["再開する理由を入力してください。"]
    cycle.refresh_from_db()
    assert cycle.state == S.COMPILED and cycle.events.count() == events


def test_a_step_taken_from_a_stale_copy_of_the_cycle_is_refused(plan5, admin):
    cycle = start_cycle(plan5, 2022, admin)
    stale = ReviewCycle.objects.get(pk=cycle.pk)
    take_step(cycle, "open", admin)
    with pytest.raises(TransitionError, match="ほかの人"):
        take_step(stale, "open", admin)
    assert cycle.events.count() == 2


def entry_form_data(entry, **values):
    data = dict.fromkeys(StatusEntry.EDITABLE_FIELDS, "")
    data.update(based_on_version=entry.version, stage_reached="検討中", actions="検討会を開いた。")
    data.update(values)
    return data


@pytest.mark.parametrize(
    "state", [S.PREPARING, S.COMPILED, S.COMMITTEE_DONE, S.HEADQUARTERS_DONE], ids=STATE_IDS.get
)
def test_entries_are_locked_unless_the_survey_runs(client, plan5, admin, state):
    staff = make_user("staff")
    cycle = cycle_in_state(plan5, 2022, admin, state)
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=1)
    url = reverse("reviews:entry", args=[cycle.pk, 1])
    for user in (staff, admin):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and response.context["form"] is None
        response = client.post(url, entry_form_data(entry), follow=True)
        assert (
            f"この調査は「{cycle.get_state_display()}」のため、保存できませんでした。何も保存していません。"
            in (response.content.decode())
        )
    entry.refresh_from_db()
    assert (entry.version, entry.actions, entry.history.count()) == (0, "", 1)
    html = client.get(reverse("reviews:worklist", args=[cycle.pk])).content.decode()
    expected = "まだ開始されていません" if state == S.PREPARING else "入力内容は固定されています"
    assert expected in html


def test_an_entry_locked_by_compiling_is_editable_again_after_reopening(client, plan5, admin):
    staff = make_user("staff")
    cycle = open_cycle(plan5, 2022, admin)
    url = reverse("reviews:entry", args=[cycle.pk, 1])
    client.force_login(staff)
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=1)
    assert client.post(url, entry_form_data(entry, actions="初回の入力")).status_code == 302
    entry.refresh_from_db()
    cycle = take_step(cycle, "compile", staff)

    response = client.post(url, entry_form_data(entry, actions="締切後の入力"), follow=True)
    assert "「取りまとめ済」のため、保存できませんでした" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.actions, entry.version) == ("初回の入力", 1)

    take_step(cycle, "reopen", admin, reason="記載漏れ")
    response = client.get(url)
    assert response.context["form"] is not None
    assert client.post(url, entry_form_data(entry, actions="再開後の入力")).status_code == 302
    entry.refresh_from_db()
    assert (entry.actions, entry.version) == ("再開後の入力", 2)


def test_start_cycle_gives_every_initiative_of_the_plan_one_empty_entry(plan5, plan4, admin):
    cycle = start_cycle(plan5, 2023, admin)
    expected = list(Initiative.objects.filter(plan=plan5).order_by("number").values_list("pk", flat=True))
    assert expected, "the seed has initiatives"
    entries = StatusEntry.objects.filter(cycle=cycle)
    assert list(entries.order_by("initiative__number").values_list("initiative", flat=True)) == expected
    assert {(e.state, e.version) for e in entries} == {(EntryState.EMPTY, 0)}
    # No entry for another plan's initiatives; each entry's history begins with its creation.
    assert not entries.filter(initiative__plan=plan4).exists()
    assert StatusEntry.history.filter(cycle=cycle).count() == len(expected)
    assert {h.history_user for h in StatusEntry.history.filter(cycle=cycle)} == {admin}
    assert (cycle.state, cycle.fiscal_year, cycle.plan) == (S.PREPARING, 2023, plan5)
    event = cycle.events.get()
    assert (event.from_state, event.to_state, event.user) == ("", S.PREPARING, admin)


def test_start_cycle_follows_the_plan_not_a_constant(plan5, admin):
    Initiative.objects.create(plan=plan5, number=27, name="追加の個別計画")
    cycle = start_cycle(plan5, 2024, admin)
    assert cycle.entries.count() == Initiative.objects.filter(plan=plan5).count()
    assert cycle.entries.filter(initiative__number=27).exists()


@pytest.mark.parametrize("year", [2021, 2027, 1990])
def test_start_cycle_refuses_a_year_outside_the_plan(plan5, admin, year):
    with pytest.raises(TransitionError):
        start_cycle(plan5, year, admin)
    assert not ReviewCycle.objects.exists() and not StatusEntry.objects.exists()


def test_start_cycle_refuses_a_plan_without_a_period(seeded, admin):
    from plan.models import Plan

    first = Plan.objects.get(ordinal=1)
    assert first.fiscal_years == []
    with pytest.raises(TransitionError):
        start_cycle(first, 2004, admin)


def test_start_cycle_refuses_a_second_cycle_for_the_same_year(plan5, admin):
    first = start_cycle(plan5, 2022, admin)
    with pytest.raises((IntegrityError, TransitionError)):
        start_cycle(plan5, 2022, admin)
    assert list(ReviewCycle.objects.all()) == [first]
    assert StatusEntry.objects.count() == first.entries.count()
    assert CycleEvent.objects.count() == 1


def test_the_create_view_refuses_a_year_outside_the_plan_and_a_duplicate_year(client, plan5, plan4, admin):
    client.force_login(admin)
    url = reverse("reviews:cycle_create")
    response = client.post(url, {"plan": plan5.pk, "fiscal_year": 2022})
    cycle = ReviewCycle.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reviews:worklist", args=[cycle.pk]
    )
    assert cycle.entries.count() == plan5.initiatives.count()

    response = client.post(url, {"plan": plan5.pk, "fiscal_year": 2022})
    assert response.status_code == 400
    assert "すでにあります" in response.content.decode()

    # 2021 is a year the form offers (the fourth plan's), but not one of the fifth plan's.
    response = client.post(url, {"plan": plan5.pk, "fiscal_year": 2021})
    assert response.status_code == 400
    assert "計画期間にありません" in response.content.decode()
    response = client.post(url, {"plan": plan5.pk, "fiscal_year": 2040})
    assert response.status_code == 400
    assert ReviewCycle.objects.count() == 1 and StatusEntry.objects.count() == plan5.initiatives.count()

    # The fourth plan's own year is fine.
    assert client.post(url, {"plan": plan4.pk, "fiscal_year": 2021}).status_code == 302
    assert ReviewCycle.objects.get(plan=plan4).entries.count() == plan4.initiatives.count()


# Planned stage (the roadmap's 検討 / 実施, or nothing) × stage reached -> the proposed progress word.
AHEAD, ON_PLAN, BEHIND, NONE = "計画より進んでいる", "計画どおり", "計画より遅れている", "評価できない"
PROPOSALS = {
    ("検討", "未着手"): BEHIND,
    ("検討", "検討中"): ON_PLAN,
    ("検討", "実施中"): AHEAD,
    ("検討", "完了"): AHEAD,
    ("検討", "中止"): NONE,
    ("実施", "未着手"): BEHIND,
    ("実施", "検討中"): BEHIND,
    ("実施", "実施中"): ON_PLAN,
    ("実施", "完了"): ON_PLAN,
    ("実施", "中止"): NONE,
    ("", "未着手"): NONE,
    ("", "検討中"): NONE,
    ("", "実施中"): NONE,
    ("", "完了"): NONE,
    ("", "中止"): NONE,
    (None, "完了"): NONE,
}


@pytest.mark.parametrize(
    ("planned", "reached", "word"),
    [pytest.param(p, r, w, id=f"{p or '-'}-{r}") for (p, r), w in PROPOSALS.items()],
)
def test_progress_proposed_from_planned_and_reached(plan5, planned, reached, word):
    assert scales.propose(plan5.scale("progress"), {"stage_reached": reached}, planned) == word


@pytest.mark.parametrize("planned", ["検討", "実施", "", None])
def test_no_progress_is_proposed_before_a_stage_is_reached(plan5, planned):
    assert scales.propose(plan5.scale("progress"), {"stage_reached": ""}, planned) == ""


def test_the_proposals_cover_every_stage_reached(plan5):
    assert plan5.reached_words == ["未着手", "検討中", "実施中", "完了", "中止"]
    for planned in ("検討", "実施", ""):
        assert {r for p, r in PROPOSALS if p == planned} == set(plan5.reached_words)


@pytest.mark.parametrize(
    ("values", "state"),
    [
        ({}, EntryState.EMPTY),
        ({"issues": "予算の確保"}, EntryState.IN_PROGRESS),
        ({"stage_reached": "検討中"}, EntryState.IN_PROGRESS),
        ({"kpi_actuals": {"1": "0.00"}}, EntryState.IN_PROGRESS),  # zero is a value, not an empty field
        ({"kpi_actuals": {"1": "12.00"}}, EntryState.IN_PROGRESS),
        (
            {
                "stage_reached": "実施中",
                "progress": ON_PLAN,
                "achievement": "一部達成",
                "actions": "導入した",
            },
            EntryState.IN_PROGRESS,  # no direction yet
        ),
        (
            {
                "stage_reached": "実施中",
                "progress": ON_PLAN,
                "achievement": "一部達成",
                "actions": "導入した",
                "direction": "継続",
            },
            EntryState.IN_PROGRESS,  # complete: ready to submit
        ),
        (
            {
                "stage_reached": "完了",
                "progress": ON_PLAN,
                "achievement": "達成",
                "actions": "導入した",
                "direction": "取組終了",
                "issues": "",
                "kpi_actuals": {},
            },
            EntryState.IN_PROGRESS,  # complete, as issues and the KPI are optional
        ),
    ],
    ids=[
        "nothing",
        "issues only",
        "stage only",
        "kpi zero",
        "kpi actual",
        "no direction",
        "all",
        "optional empty",
    ],
)
def test_an_entry_is_empty_or_in_progress_by_what_is_filled_in(cycle, values, state):
    entry = StatusEntry.objects.filter(cycle=cycle).first()
    for name, value in values.items():
        setattr(entry, name, value)
    entry.save()
    entry.refresh_from_db()
    assert entry.state == state


def test_clearing_an_entry_makes_it_empty_again(cycle):
    entry = StatusEntry.objects.filter(cycle=cycle).first()
    entry.actions = "書いた"
    entry.save()
    assert entry.state == EntryState.IN_PROGRESS
    entry.actions = ""
    entry.save()
    entry.refresh_from_db()
    assert entry.state == EntryState.EMPTY


def test_the_planned_stage_of_the_cycles_year_comes_from_the_roadmap(plan5, admin):
    cycle = start_cycle(plan5, 2025, admin)
    rows = {e.initiative.number: e.planned_stage for e in StatusEntry.objects.for_worklist(cycle)}
    expected = dict(
        RoadmapCell.objects.filter(initiative__plan=plan5, fiscal_year=2025).values_list(
            "initiative__number", "stage"
        )
    )
    assert rows == {n: expected.get(n) for n in rows}
    assert (
        rows[2] == "実施" and rows[8] == "検討"
    )  # the document: 2 starts 実施 in 令和7年度; 8 is 検討 throughout


def test_a_save_racing_the_compile_is_not_written_into_the_compiled_cycle(client, plan5, admin, monkeypatch):
    from reviews.views import cycles as views

    staff = make_user("staff")
    cycle = open_cycle(plan5, 2022, admin)
    real_save_entry = views.save_entry

    def compiled_in_between(*args, **kwargs):
        # The other request — 取りまとめ — commits after this one checked the cycle and before it writes.
        take_step(ReviewCycle.objects.get(pk=cycle.pk), "compile", admin)
        return real_save_entry(*args, **kwargs)

    monkeypatch.setattr(views, "save_entry", compiled_in_between)
    client.force_login(staff)
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=1)
    client.post(
        reverse("reviews:entry", args=[cycle.pk, 1]), entry_form_data(entry, actions="締切間際の入力")
    )
    cycle.refresh_from_db()
    entry.refresh_from_db()
    assert cycle.state == S.COMPILED
    assert (entry.actions, entry.version) == ("", 0)

"""Recording a status entry (実施状況 / 達成状況) and finding it on the worklist.

No change is lost silently: every version is kept and shown with its differences, a save made from an older
copy of the entry is refused with the other person's changes shown and the user's own input kept, and the
worklist needs the same number of queries however many initiatives the plan has.
"""

import html as htmllib
import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from initiatives.models import Indicator, IndicatorTarget, Initiative, RoadmapCell
from plan.models import Goal
from reviews import workflow
from reviews.cycles import start_cycle
from reviews.entries import save_entry
from reviews.models import EntryState, StatusEntry
from tests.personas import make_department, make_user, open_cycle

AHEAD, ON_PLAN, BEHIND, NONE = "計画より進んでいる", "計画どおり", "計画より遅れている", "評価できない"


def form_data(entry_or_version, **values):
    version = getattr(entry_or_version, "version", entry_or_version)
    data = dict.fromkeys((f for f in StatusEntry.EDITABLE_FIELDS if f != "kpi_actuals"), "")
    data["based_on_version"] = version
    data.update(values)
    return data


def worklist_row(response, number):
    """The worklist's row of an initiative as the reader sees it: {column: the cell's text}."""
    page = response.content.decode()
    row = re.search(rf'<tr id="entry-{number}">(.*?)</tr>', page, re.S).group(1)
    cells = [re.sub(r"<br>", " ", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    texts = [htmllib.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
    return dict(zip(response.context["table"].columns.names(), texts, strict=True))


def entry_url(cycle, number, **query):
    url = reverse("reviews:entry", args=[cycle.pk, number])
    return f"{url}?{urlencode(query)}" if query else url


@pytest.fixture
def cycle(plan5, admin):
    """令和4年度 (2022) of the fifth plan, open for entries. Item 1 is planned 実施 that year, item 2 検討."""
    return open_cycle(plan5, 2022, admin)


def entry_of(cycle, number):
    return StatusEntry.objects.get(cycle=cycle, initiative__number=number)


# Recording an entry


def test_an_entry_recorded_through_the_form_is_saved_with_who_and_when(client, cycle, staff):
    client.force_login(staff)
    before = timezone.now()
    entry = entry_of(cycle, 2)
    share = Indicator.objects.create(initiative=entry.initiative, name="オンライン予約の割合", unit="%")
    IndicatorTarget.objects.create(indicator=share, fiscal_year=cycle.fiscal_year, target=50)
    response = client.post(
        entry_url(cycle, 2),
        form_data(
            entry,
            stage_reached="検討中",
            achievement="一部達成",
            actions="施設予約システムの先行事例を調査した。",
            issues="予算の確保",
            direction="継続",
            **{f"kpi_{share.pk}": "12.5"},
        ),
        follow=True,
    )
    assert response.redirect_chain == [(reverse("reviews:worklist", args=[cycle.pk]), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "項番 2「施設予約システムの導入」を保存しました。"
    ]
    entry.refresh_from_db()
    assert (entry.stage_reached, entry.progress, entry.achievement, entry.direction) == (
        "検討中",
        ON_PLAN,
        "一部達成",
        "継続",
    )
    assert entry.kpi_actuals == {str(share.pk): "12.50"}
    assert (entry.version, entry.state, entry.updated_by) == (1, EntryState.IN_PROGRESS, staff)
    assert entry.is_complete
    assert before <= entry.updated_at <= timezone.now()
    # The worklist row shows it in words.
    row = worklist_row(response, entry.initiative.number)
    assert [row[c] for c in ("stage_reached", "progress", "achievement")] == ["検討中", ON_PLAN, "一部達成"]
    assert row["state"] == "入力中" and row["updated"].endswith("joho")


@pytest.mark.parametrize(
    ("number", "reached", "proposed"),
    [
        (2, "実施中", AHEAD),
        (2, "未着手", BEHIND),
        (1, "実施中", ON_PLAN),
        (1, "検討中", BEHIND),
        (1, "中止", NONE),
    ],
)
def test_progress_left_empty_gets_the_proposed_word(client, cycle, staff, number, reached, proposed):
    planned = RoadmapCell.objects.get(
        initiative__plan=cycle.plan, initiative__number=number, fiscal_year=2022
    )
    assert planned.stage == {1: "実施", 2: "検討"}[number]
    client.force_login(staff)
    client.post(entry_url(cycle, number), form_data(entry_of(cycle, number), stage_reached=reached))
    assert entry_of(cycle, number).progress == proposed


def test_an_explicit_progress_overrides_the_proposal(client, cycle, staff):
    client.force_login(staff)
    entry = entry_of(cycle, 1)  # planned 実施, reached 検討中: the proposal would be 計画より遅れている
    # 計画どおり against a roadmap that says behind: the form asks why, and saves nothing until told.
    response = client.post(entry_url(cycle, 1), form_data(entry, stage_reached="検討中", progress=ON_PLAN))
    assert response.status_code == 200
    assert response.context["form"].errors["progress_reason"] == [
        f"進捗は「{ON_PLAN}」ですが、実施状況「検討中」は年次計画では「{BEHIND}」にあたります"
        "（自己評価と年次計画の差）。理由を入力してください。"
    ]
    entry.refresh_from_db()
    assert entry.version == 0
    reason = "仕様の検討は終え、契約手続に入っているため"
    client.post(
        entry_url(cycle, 1),
        form_data(entry, stage_reached="検討中", progress=ON_PLAN, progress_reason=reason),
    )
    entry.refresh_from_db()
    assert (entry.progress, entry.progress_reason) == (ON_PLAN, reason)
    # The override survives the next save that leaves progress as it is.
    client.post(
        entry_url(cycle, 1),
        form_data(
            entry,
            stage_reached="検討中",
            progress=ON_PLAN,
            progress_reason=reason,
            actions="仕様書を作成した。",
        ),
    )
    entry.refresh_from_db()
    assert (entry.progress, entry.actions, entry.version) == (ON_PLAN, "仕様書を作成した。", 2)


def test_no_progress_is_proposed_without_a_stage_reached(client, cycle, staff):
    client.force_login(staff)
    client.post(entry_url(cycle, 1), form_data(entry_of(cycle, 1), issues="担当者の異動"))
    entry = entry_of(cycle, 1)
    assert (entry.progress, entry.issues, entry.state) == ("", "担当者の異動", EntryState.IN_PROGRESS)


def test_a_plan_without_a_roadmap_proposes_not_assessable(client, plan4, admin, staff):
    cycle = open_cycle(plan4, 2021, admin)
    number = plan4.initiatives.order_by("number").first().number
    client.force_login(staff)
    response = client.get(entry_url(cycle, number))
    assert "年次計画なし" in response.content.decode()
    client.post(entry_url(cycle, number), form_data(entry_of(cycle, number), stage_reached="完了"))
    assert entry_of(cycle, number).progress == NONE


def test_the_form_shows_the_planned_stage_from_the_roadmap_and_the_proposal(client, plan5, admin, staff):
    cycle = open_cycle(plan5, 2023, admin)  # item 2 in 令和5年度: ⇒, continuing 検討
    client.force_login(staff)
    response = client.get(entry_url(cycle, 2))
    planned = re.search(r'<dd class="planned-stage">(.*?)</dd>', response.content.decode()).group(1)
    assert planned == "検討（前年度から継続）"
    assert response.context["form"]["progress"].field.proposal == ""  # nothing reached yet, nothing proposed
    client.post(
        entry_url(cycle, 2),
        form_data(
            entry_of(cycle, 2), stage_reached="未着手", progress=ON_PLAN, progress_reason="前倒しで準備済み"
        ),
    )
    response = client.get(entry_url(cycle, 2))
    assert f"提案: {BEHIND}" in response.content.decode()
    assert response.context["form"]["progress"].value() == ON_PLAN


def test_saving_nothing_new_writes_no_version(client, cycle, staff):
    client.force_login(staff)
    client.post(entry_url(cycle, 1), form_data(entry_of(cycle, 1), actions="同じ内容"), follow=True)
    entry = entry_of(cycle, 1)
    response = client.post(entry_url(cycle, 1), form_data(entry, actions="同じ内容"), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["変更がなかったので保存していません。"]
    entry.refresh_from_db()
    assert (entry.version, entry.history.count()) == (1, 2)


# History


def test_the_history_shows_every_version_with_its_differences_in_words(client, cycle, staff, admin):
    editor_client = Client()
    editor_client.force_login(admin)
    client.force_login(staff)
    entry = entry_of(cycle, 2)
    client.post(entry_url(cycle, 2), form_data(entry, stage_reached="検討中", actions="先行事例を調査した。"))
    entry.refresh_from_db()
    editor_client.post(
        entry_url(cycle, 2),
        form_data(entry, stage_reached="実施中", achievement="一部達成", actions="システムを契約した。"),
    )

    response = client.get(entry_url(cycle, 2))
    rows = response.context["history"]
    assert len(rows) == 3 == entry.history.count()  # created, then two saves; newest first
    assert [r["record"].history_user.username for r in rows] == ["kanri", "joho", "kanri"]
    assert [r["record"].version for r in rows] == [2, 1, 0]
    newest = {c.label: (c.old, c.new) for c in rows[0]["changes"]}
    assert newest == {
        "実施状況": ("検討中", "実施中"),
        "進捗": (ON_PLAN, AHEAD),
        "達成状況": ("", "一部達成"),
        "取組内容": ("先行事例を調査した。", "システムを契約した。"),
    }
    first = {c.label: (c.old, c.new) for c in rows[1]["changes"]}
    assert first == {
        "実施状況": ("", "検討中"),
        "進捗": ("", ON_PLAN),
        "取組内容": ("", "先行事例を調査した。"),
    }
    assert rows[2]["changes"] == []

    page = response.content.decode()
    history = page[page.index('id="history-heading"') :]
    assert '<th scope="row">実施状況</th><td><del>検討中</del></td><td><ins>実施中</ins></td>' in history
    assert '<th scope="row">達成状況</th><td><del></del></td><td><ins>一部達成</ins></td>' in history
    assert "（入力欄の作成）" in history and "（調査の作成）" in history
    assert history.index("kanri") < history.index("joho")  # newest first


def test_the_history_is_kept_through_compiling_and_reopening(client, cycle, staff, admin):
    from reviews.cycles import take_step

    client.force_login(staff)
    client.post(entry_url(cycle, 1), form_data(entry_of(cycle, 1), actions="一回目"))
    cycle = take_step(cycle, "compile", staff)
    cycle = take_step(cycle, "reopen", admin, reason="訂正")
    client.post(entry_url(cycle, 1), form_data(entry_of(cycle, 1), actions="二回目"))
    entry = entry_of(cycle, 1)
    assert list(entry.history.order_by("history_id").values_list("actions", flat=True)) == [
        "",
        "一回目",
        "二回目",
    ]
    response = client.get(entry_url(cycle, 1))
    assert [r["record"].actions for r in response.context["history"]] == ["二回目", "一回目", ""]


# Two people, one entry


def test_the_second_save_of_two_is_refused_with_the_first_persons_changes_and_keeps_its_own_input(
    client, cycle, staff, plan5
):
    department = make_department("総務課", plan5, numbers=[2])
    editor = make_user("department", departments=[department], username="somu")
    first, second = client, Client()
    first.force_login(editor)
    second.force_login(staff)
    url = entry_url(cycle, 2)

    # Both open the form at version 0.
    seen = [c.get(url).context["form"]["based_on_version"].value() for c in (first, second)]
    assert seen == [0, 0]
    theirs = form_data(0, stage_reached="検討中", achievement="未達成", actions="課内で検討した。")
    mine = form_data(
        0, stage_reached="実施中", progress=AHEAD, actions="情報管理課が書いた内容", issues="費用"
    )

    assert first.post(url, theirs).status_code == 302
    response = second.post(url, mine)

    assert response.status_code == 409
    page = response.content.decode()
    conflict = page[page.index('class="conflict"') : page.index("</table>", page.index('class="conflict"'))]
    assert "somu" in conflict
    changes = {c.label: (c.old, c.new) for c in response.context["conflict"].their_changes}
    assert changes == {
        "実施状況": ("", "検討中"),
        "進捗": ("", ON_PLAN),
        "達成状況": ("", "未達成"),
        "取組内容": ("", "課内で検討した。"),
    }
    for label, (_old, new) in changes.items():
        assert f'<th scope="row">{label}</th><td></td><td>{new}</td>' in conflict
    # The second person's input is still in the form, now based on the version that won.
    form = response.context["form"]
    assert {n: form[n].value() for n in ("stage_reached", "progress", "actions", "issues")} == {
        "stage_reached": "実施中",
        "progress": AHEAD,
        "actions": "情報管理課が書いた内容",
        "issues": "費用",
    }
    assert str(form["based_on_version"].value()) == "1"
    assert "情報管理課が書いた内容</textarea>" in page
    assert 'name="based_on_version" value="1"' in page
    # Nothing of it was written.
    entry = entry_of(cycle, 2)
    assert (entry.version, entry.actions, entry.stage_reached, entry.updated_by) == (
        1,
        "課内で検討した。",
        "検討中",
        editor,
    )
    assert entry.history.count() == 2

    # Sending the kept form again is a knowing save over the other person's version, and succeeds.
    again = {n: form[n].value() if form[n].value() is not None else "" for n in form.fields}
    response = second.post(url, again)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.version, entry.actions, entry.stage_reached, entry.updated_by) == (
        2,
        "情報管理課が書いた内容",
        "実施中",
        staff,
    )


def test_save_entry_lets_exactly_one_of_two_saves_from_the_same_version_win(cycle, staff, admin):
    from reviews.entries import StaleEntry

    entry = entry_of(cycle, 3)
    saved, changes = save_entry(entry, {"actions": "一人目"}, staff, based_on_version=0)
    assert saved.version == 1 and [c.label for c in changes] == ["取組内容"]
    with pytest.raises(StaleEntry) as refused:
        save_entry(entry, {"actions": "二人目"}, admin, based_on_version=0)
    assert [(c.label, c.old, c.new) for c in refused.value.their_changes] == [("取組内容", "", "一人目")]
    entry.refresh_from_db()
    assert (entry.actions, entry.version, entry.history.count()) == ("一人目", 1, 2)


@pytest.mark.parametrize(
    ("forged", "expected"),
    [
        ("-1", "invalid"),
        ("abc", "invalid"),
        ("", "invalid"),
        (None, "invalid"),
        ("1.5", "invalid"),
        ("0", "stale"),  # an older version than the current one
        ("7", "stale"),  # a version that does not exist yet
        (str(2**31), "stale"),  # beyond a 32-bit integer column
        (str(10**20), "stale"),  # beyond any integer the databases hold
    ],
    ids=[
        "negative",
        "text",
        "empty",
        "missing",
        "fraction",
        "older",
        "future",
        "beyond-int32",
        "beyond-int64",
    ],
)
def test_forged_based_on_versions_write_nothing(client, cycle, staff, forged, expected):
    client.force_login(staff)
    entry = entry_of(cycle, 1)
    client.post(entry_url(cycle, 1), form_data(entry, actions="本当の内容"))
    entry.refresh_from_db()
    assert entry.version == 1
    data = form_data(entry, actions="偽造した版で書き換える")
    if forged is None:
        del data["based_on_version"]
    else:
        data["based_on_version"] = forged
    response = client.post(entry_url(cycle, 1), data)
    if expected == "invalid":
        assert response.status_code == 200
        assert response.context["form"].errors.keys() == {"based_on_version"}
    else:
        assert response.status_code == 409
        assert response.context["conflict"].current.version == 1
    entry.refresh_from_db()
    assert (entry.actions, entry.version, entry.history.count()) == ("本当の内容", 1, 2)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stage_reached", "進行中"),
        ("stage_reached", "検討"),  # the roadmap's word, not a stage reached
        ("progress", "順調"),
        ("progress", "B"),
        ("achievement", "概ね達成"),
        ("direction", "廃止"),
        ("direction", "Continue"),
        ("kpi", "たくさん"),
        ("kpi", "1" * 20),
    ],
)
def test_words_outside_the_citys_lists_are_refused(client, cycle, staff, field, value):
    client.force_login(staff)
    entry = entry_of(cycle, 1)
    if field == "kpi":
        field = f"kpi_{Indicator.objects.create(initiative=entry.initiative, name='申請件数').pk}"
    response = client.post(entry_url(cycle, 1), form_data(entry, actions="入力", **{field: value}))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert response.context["form"]["actions"].value() == "入力"
    entry.refresh_from_db()
    assert (entry.version, entry.actions, entry.history.count()) == (0, "", 1)


# The worklist


@pytest.fixture
def worklist(plan5, admin, staff):
    """A 2022 cycle with two departments and entries at every stage of being filled in."""
    cycle = open_cycle(plan5, 2022, admin)
    somu = make_department("総務課", plan5, numbers=[1, 2, 16])
    kikaku = make_department("企画課", plan5, numbers=[3, 10])
    rows = {
        1: {"stage_reached": "実施中", "achievement": "達成", "actions": "済", "direction": "継続"},
        2: {"stage_reached": "未着手", "achievement": "未達成", "actions": "未", "direction": "見直し"},
        3: {"stage_reached": "実施中", "achievement": "一部達成"},
        10: {"stage_reached": "検討中", "achievement": "一部達成", "actions": "会議", "direction": "拡充"},
        16: {"issues": "予算"},
        20: {"stage_reached": "完了", "achievement": "達成", "actions": "導入", "direction": "取組終了"},
    }
    planned = dict(
        RoadmapCell.objects.filter(initiative__plan=plan5, fiscal_year=2022).values_list(
            "initiative__number", "stage"
        )
    )
    from reviews import scales

    for number, values in rows.items():
        entry = entry_of(cycle, number)
        if "stage_reached" in values:
            values["progress"] = scales.propose(plan5.scale("progress"), values, planned.get(number))
        saved, _changes = save_entry(entry, values, staff if number % 2 else admin, based_on_version=0)
        if number in (1, 2, 20):
            workflow.take(saved, "submit", staff, saved.version)
    # 10 was recorded by 情報管理課 itself and accepted without a submission.
    workflow.take(entry_of(cycle, 10), "confirm", staff, 1)
    return {
        "cycle": cycle,
        "somu": somu,
        "kikaku": kikaku,
        "url": reverse("reviews:worklist", args=[cycle.pk]),
    }


def shown_numbers(response):
    return [row.record.initiative.number for row in response.context["table"].rows]


def entries_numbers(queryset):
    return sorted(queryset.values_list("initiative__number", flat=True))


@pytest.mark.parametrize(
    ("sort", "key", "reverse_"),
    [
        ("number", lambda e: e.initiative.number, False),
        ("-number", lambda e: e.initiative.number, True),
        ("name", lambda e: e.initiative.name, False),
        ("-department", lambda e: e.initiative.department.name if e.initiative.department else "", True),
        ("planned_stage", lambda e: e.planned_stage or "", False),
        ("state", lambda e: e.state, False),
        ("-progress", lambda e: e.progress, True),
        ("achievement", lambda e: e.achievement, False),
        ("updated", lambda e: e.updated_at is not None and e.updated_at, False),
    ],
)
def test_the_worklist_sorts_by_every_column(client, worklist, staff, sort, key, reverse_):
    client.force_login(staff)
    response = client.get(worklist["url"], {"sort": sort})
    assert response.status_code == 200
    records = [row.record for row in response.context["table"].rows]
    assert len(records) == worklist["cycle"].entries.count()
    keys = [key(r) for r in records]
    if sort.lstrip("-") in ("department", "updated", "planned_stage"):
        # NULLs (no department, never saved, nothing planned) come first or last depending on the database.
        keys = [k for k in keys if k]
        assert keys, sort
    assert keys == sorted(keys, reverse=reverse_), sort
    if sort == "-number":
        assert shown_numbers(response) == sorted(shown_numbers(response), reverse=True)


def test_each_filter_narrows_the_worklist_to_what_it_names(client, worklist, staff, plan5):
    client.force_login(staff)
    cycle, url = worklist["cycle"], worklist["url"]
    entries = StatusEntry.objects.filter(cycle=cycle)
    goal3 = Goal.objects.get(plan=plan5, code__in=["III", "Ⅲ"])
    cases = {
        "goal": (goal3.pk, entries.filter(initiative__goals=goal3)),
        "department": (worklist["somu"].pk, entries.filter(initiative__department=worklist["somu"])),
        "public_private_data": ("1", entries.filter(initiative__column_values__public_private_data=True)),
        "municipal_dx": (
            "0",
            entries.filter(
                pk__in=[e.pk for e in entries if not e.initiative.column_values.get("municipal_dx")]
            ),
        ),
        "achievement": ("一部達成", entries.filter(achievement="一部達成")),
        "progress": (BEHIND, entries.filter(progress=BEHIND)),
        "state": ("入力中", entries.filter(state=EntryState.IN_PROGRESS)),
    }
    total = entries.count()
    for name, (value, expected) in cases.items():
        numbers = entries_numbers(expected)
        assert 0 < len(numbers) < total, f"the fixture does not exercise {name}"
        response = client.get(url, {name: value})
        assert shown_numbers(response) == numbers, name
        assert f"絞り込み結果 {len(numbers)}件" in response.content.decode()
    # Filters combine.
    response = client.get(url, {"department": worklist["somu"].pk, "state": "提出済"})
    assert shown_numbers(response) == [1, 2]
    response = client.get(url, {"municipal_dx": "1", "public_private_data": "1"})
    assert shown_numbers(response) == entries_numbers(
        entries.filter(
            initiative__column_values__municipal_dx=True, initiative__column_values__public_private_data=True
        )
    )


def test_the_goal_filter_offers_only_the_cycles_plan_goals(client, worklist, staff, plan5, plan4):
    client.force_login(staff)
    response = client.get(worklist["url"])
    offered = set(response.context["filter"].form.fields["goal"].queryset)
    assert offered == set(Goal.objects.filter(plan=plan5))
    other = Goal.objects.filter(plan=plan4).first()
    if other is not None:
        response = client.get(worklist["url"], {"goal": other.pk})
        assert "goal" in response.context["filter"].errors


def test_the_worklist_counts_what_is_still_missing(client, worklist, staff):
    client.force_login(staff)
    cycle = worklist["cycle"]
    total = cycle.entries.count()
    done = cycle.entries.filter(state__in=[EntryState.SUBMITTED, EntryState.CONFIRMED]).count()
    empty = cycle.entries.filter(state=EntryState.EMPTY).count()
    assert (done, total - done - empty) == (4, 2)  # 1, 2, 20 submitted, 10 confirmed; 3 and 16 in progress
    response = client.get(worklist["url"])
    assert response.context["counts"] == {
        "total": total,
        "missing": total - done,
        "empty": empty,
        "submitted": 3,
        "confirmed": 1,
        "returned": 0,
        "overdue": 0,  # no due date set
    }
    html = response.content.decode()
    assert (
        f"全 {total}件のうち、提出されていないもの <strong>{total - done}件</strong>（未入力 {empty}件）"
        in html
    )
    # Filling one in and submitting it takes it off the count; a filter does not change what is missing.
    entry = entry_of(cycle, 3)
    saved, _changes = save_entry(
        entry, {"actions": "完了した", "direction": "継続"}, staff, based_on_version=entry.version
    )
    workflow.take(saved, "submit", staff, saved.version)
    response = client.get(worklist["url"], {"state": "提出済"})
    assert response.context["counts"]["missing"] == total - done - 1
    assert shown_numbers(response) == [1, 2, 3, 20]


def test_the_department_editors_count_is_of_their_own_entries(client, worklist):
    editor = make_user("department", departments=[worklist["kikaku"]])
    client.force_login(editor)
    response = client.get(worklist["url"])
    counts = response.context["counts"]
    assert (counts["total"], counts["missing"], counts["empty"]) == (2, 1, 0)  # 10 confirmed, 3 in progress
    assert (counts["submitted"], counts["confirmed"]) == (0, 1)


def test_one_click_from_the_worklist_to_the_entry_and_back(client, worklist, staff):
    client.force_login(staff)
    cycle = worklist["cycle"]
    response = client.get(worklist["url"], {"sort": "-number"})
    worklist_url = response.wsgi_request.get_full_path()
    link = links_to_entry(response.content.decode(), cycle, 16)
    response = client.get(link)
    assert response.status_code == 200
    assert response.context["next"] == worklist_url
    assert f'name="next" value="{worklist_url}"' in response.content.decode()
    data = form_data(entry_of(cycle, 16), issues="予算", actions="検討を始めた")
    data["next"] = response.context["next"]
    response = client.post(link, data)
    assert response.status_code == 302 and response["Location"] == worklist_url


def links_to_entry(page, cycle, number):
    prefix = reverse("reviews:entry", args=[cycle.pk, number])
    hrefs = [htmllib.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]
    [link] = [h for h in hrefs if h.startswith(prefix)]
    return link


def test_the_round_trip_keeps_every_filter_and_the_sort_order(client, worklist, staff):
    client.force_login(staff)
    cycle = worklist["cycle"]
    query = {"department": worklist["somu"].pk, "state": "入力中", "sort": "-number"}
    response = client.get(worklist["url"], query)
    worklist_url = response.wsgi_request.get_full_path()
    assert shown_numbers(response) == [16]
    link = links_to_entry(response.content.decode(), cycle, 16)
    response = client.get(link)
    assert response.context["next"] == worklist_url
    data = form_data(entry_of(cycle, 16), issues="予算", actions="検討を始めた")
    data["next"] = response.context["next"]
    response = client.post(link, data)
    assert response["Location"] == worklist_url


def test_an_encoded_next_leads_back_to_the_filtered_worklist(client, worklist, staff):
    client.force_login(staff)
    cycle = worklist["cycle"]
    back = worklist["url"] + "?" + urlencode({"department": worklist["somu"].pk, "sort": "-number"})
    url = entry_url(cycle, 16, next=back)
    assert client.get(url).context["next"] == back
    response = client.post(url, {**form_data(entry_of(cycle, 16), issues="予算の確保"), "next": back})
    assert response["Location"] == back
    # Cancelling leads back too.
    assert f'<a href="{htmllib.escape(back)}">一覧に戻る</a>' in client.get(url).content.decode()


@pytest.mark.parametrize(
    "elsewhere", ["https://example.com/", "//example.com/reviews/", "javascript:alert(1)"]
)
def test_a_next_leading_off_the_site_goes_back_to_the_worklist_instead(client, worklist, staff, elsewhere):
    client.force_login(staff)
    cycle = worklist["cycle"]
    url = entry_url(cycle, 16, next=elsewhere)
    assert client.get(url).context["next"] == worklist["url"]
    response = client.post(url, {**form_data(entry_of(cycle, 16), issues="予算の確保"), "next": elsewhere})
    assert response["Location"] == worklist["url"]


@pytest.mark.parametrize("role", ["staff", "department"])
def test_the_worklist_needs_the_same_queries_however_many_initiatives(
    client, worklist, plan5, admin, role, django_assert_num_queries
):
    user = make_user(role, departments=[worklist["somu"]])
    client.force_login(user)
    cycle, url = worklist["cycle"], worklist["url"] + "?sort=-updated"
    # session, user, the user's groups (roles), [a department editor's departments,] the cycle with its plan,
    # the counts (total / missing / empty in one aggregate), the entries with initiative, department,
    # updated_by and the planned stage as a subquery, the goal choices, the department choices,
    # the cycle's events with their users, the departments whose survey workbooks the user may use (with
    # their initiative counts), the plan's own columns and their choices (the filters per column).
    # And the city's names (its committees' names label the cycle's dates); the plan's rating scales and
    # their words (the filters' words and the columns' names); the count of the rows for the table's pages;
    # the plan's roadmap stages (each row's progress against the roadmap, for 自己評価と年次計画の差); the
    # user's unread notifications (page header).
    expected = 18 if role == "staff" else 19
    with django_assert_num_queries(expected):
        response = client.get(url)
    rows_before = len(response.context["table"].rows)

    goals = list(Goal.objects.filter(plan=plan5))
    editors = [make_user("staff") for _ in range(3)]
    for number in range(100, 140):
        initiative = Initiative.objects.create(
            plan=plan5, number=number, name=f"追加の個別計画 {number}", department=worklist["somu"]
        )
        initiative.goals.set(goals[: 1 + number % len(goals)])
        RoadmapCell.objects.create(
            initiative=initiative, fiscal_year=2022, stage="検討" if number % 2 else "実施"
        )
        entry = StatusEntry.objects.create(cycle=cycle, initiative=initiative)
        save_entry(
            entry,
            {"stage_reached": "検討中", "progress": ON_PLAN, "achievement": "一部達成", "actions": "追加"},
            editors[number % 3],
            based_on_version=0,
        )
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["table"].rows) == rows_before + 40
    html = response.content.decode()
    assert "追加の個別計画 139" in html and editors[139 % 3].username in html


def test_a_cycle_of_another_plan_lists_only_that_plans_initiatives(client, plan5, plan4, admin, staff):
    start_cycle(plan5, 2022, admin)
    cycle4 = open_cycle(plan4, 2021, admin)
    client.force_login(staff)
    response = client.get(reverse("reviews:worklist", args=[cycle4.pk]))
    assert shown_numbers(response) == sorted(plan4.initiatives.values_list("number", flat=True))


def test_nonsense_in_the_worklist_query_does_not_break_it_or_widen_what_is_shown(client, worklist):
    editor = make_user("department", departments=[worklist["kikaku"]])
    client.force_login(editor)
    for query in [
        {"sort": "bogus"},
        {"sort": "actions"},
        {"goal": "abc"},
        {"state": "済"},
        {"department": "999999"},
        {"progress": "x", "achievement": "y"},
        {"municipal_dx": "2"},
    ]:
        response = client.get(worklist["url"], query)
        assert response.status_code == 200, query
        assert shown_numbers(response) == [3, 10], query


def test_the_worklist_is_paged_keeping_its_filters_and_order(client, worklist, plan5, admin, settings):
    settings.WORKLIST_PER_PAGE = 10
    client.force_login(admin)
    url = worklist["url"]
    first = client.get(url, {"sort": "-number"})
    table = first.context["table"]
    assert [r.record.initiative.number for r in table.page.object_list] == list(range(26, 16, -1))
    html = first.content.decode()
    assert "26件中 1 / 3 ページ" in html
    assert 'href="?sort=-number&amp;page=2" rel="next"' in html
    third = client.get(url, {"sort": "-number", "page": 3})
    assert [r.record.initiative.number for r in third.context["table"].page.object_list] == list(
        range(6, 0, -1)
    )
    assert '<span aria-current="page">3</span>' in third.content.decode()
    # A filter narrows what is paged, and its page links keep it.
    narrowed = client.get(url, {"state": "未入力"})
    empty = StatusEntry.objects.filter(cycle=worklist["cycle"], state="未入力").count()
    assert narrowed.context["table"].paginator.count == empty == 20  # the fixture records 6 of 26
    assert "state=%E6%9C%AA%E5%85%A5%E5%8A%9B&amp;page=2" in narrowed.content.decode()

"""An entry's history word by word, and any two of its versions compared.

A long text (取組内容, 課題, 自己評価と年次計画の差の理由) shows what was added and what was removed, word by
word, marked for a reader who does not see colour; a word or a number shows as old → new. Any two saved
versions can be compared, by whoever may read the entry.
"""

import html as htmllib
import logging
import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from reviews.entries import Segment, save_entry, tokens, word_diff
from reviews.models import StatusEntry
from tests.personas import make_department, make_user, open_cycle

BEFORE = "庁内の会議資料をペーパーレス化し、職員向けの研修を実施した。"
# 「全面的に」 inserted, 「職員向けの」 removed.
AFTER = "庁内の会議資料を全面的にペーパーレス化し、研修を実施した。"


@pytest.fixture
def cycle(plan5, admin):
    return open_cycle(plan5, 2022, admin)


def entry_of(cycle, number):
    return StatusEntry.objects.get(cycle=cycle, initiative__number=number)


def save(cycle, number, user, **values):
    entry = entry_of(cycle, number)
    return save_entry(entry, values, user, entry.version)[0]


def compare_url(cycle, number, **query):
    url = reverse("reviews:entry_compare", args=[cycle.pk, number])
    return f"{url}?{urlencode(query)}" if query else url


def marked(html, tag):
    """The text a sighted reader sees inside each <ins> or <del>, without the screen reader's labels."""
    pieces = re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.S)
    visible = [re.sub(r'<span class="visually-hidden">.*?</span>', "", p) for p in pieces]
    return [htmllib.unescape(re.sub(r"<[^>]+>", "", p)) for p in visible]


def history_section(response):
    page = response.content.decode()
    return page[page.index('id="history-heading"') :]


# --- Word by word ---------------------------------------------------------------------------------------


def test_japanese_text_is_split_into_runs_of_one_script_and_single_punctuation():
    assert tokens("マイナンバーカードの普及率は52.3%、前年度より10ポイント増えた。\n次年度も継続") == [
        "マイナンバーカード",
        "の",
        "普及率",
        "は",
        "52.3",
        "%",
        "、",
        "前年度",
        "より",
        "10",
        "ポイント",
        "増",
        "えた",
        "。",
        "\n",
        "次年度",
        "も",
        "継続",
    ]


def test_a_phrase_inserted_and_a_phrase_removed_read_as_exactly_those_phrases():
    assert word_diff(BEFORE, AFTER) == [
        Segment("equal", "庁内の会議資料を"),
        Segment("insert", "全面的に"),
        Segment("equal", "ペーパーレス化し、"),
        Segment("delete", "職員向けの"),
        Segment("equal", "研修を実施した。"),
    ]


def test_a_replaced_word_reads_as_its_removal_then_its_addition():
    assert word_diff("市公式ホームページ等の検討", "市公式ホームページ等の拡充") == [
        Segment("equal", "市公式ホームページ等の"),
        Segment("delete", "検討"),
        Segment("insert", "拡充"),
    ]


def test_one_character_kept_between_two_changes_joins_them():
    assert word_diff("予約システムの調査", "申請システムの導入") == [
        Segment("delete", "予約"),
        Segment("insert", "申請"),
        Segment("equal", "システムの"),
        Segment("delete", "調査"),
        Segment("insert", "導入"),
    ]
    # 「の」 alone between two replaced words is read as part of both.
    assert word_diff("検討の結果", "実施の準備") == [
        Segment("delete", "検討の結果"),
        Segment("insert", "実施の準備"),
    ]


def test_the_entry_page_shows_a_long_text_change_word_by_word(client, cycle, staff):
    save(cycle, 1, staff, actions=BEFORE)
    save(cycle, 1, staff, actions=AFTER, issues="予算の確保", stage_reached="実施中")
    client.force_login(staff)

    history = history_section(client.get(reverse("reviews:entry", args=[cycle.pk, 1])))
    newest = history[history.index('<ol class="history-list">') : history.index("</li>")]

    assert marked(newest, "ins") == ["実施中", "全面的に", "予算の確保"]
    assert marked(newest, "del") == ["", "職員向けの"]
    # Not colour alone: a screen reader hears where each addition and removal starts and ends.
    assert (
        '<ins><span class="visually-hidden">追加:</span>全面的に<span class="visually-hidden">（追加ここまで）</span></ins>'
        in newest
    )
    assert (
        '<del><span class="visually-hidden">削除:</span>職員向けの<span class="visually-hidden">（削除ここまで）</span></del>'
        in newest
    )
    # A word stays old → new.
    assert '<th scope="row">実施状況</th><td><del></del></td><td><ins>実施中</ins></td>' in newest
    assert "<del>取り消し線</del>は削除された語句" in history  # the legend


def test_a_line_break_added_or_kept_shows_in_the_diff(client, cycle, staff):
    save(cycle, 1, staff, issues="一行目\n二行目")
    save(cycle, 1, staff, issues="一行目\n追加した行\n二行目")
    client.force_login(staff)

    history = history_section(client.get(reverse("reviews:entry", args=[cycle.pk, 1])))
    newest = history[history.index('<ol class="history-list">') : history.index("</li>")]

    assert marked(newest, "ins") == ["追加した行↵"]
    assert (
        '一行目<br><ins><span class="visually-hidden">追加:</span>追加した行'
        '<span aria-hidden="true" class="line-break">↵</span><span class="visually-hidden">改行</span><br>'
    ) in newest


def test_the_progress_reason_is_a_long_text_too(cycle, staff):
    from reviews.entries import entry_history

    save(cycle, 1, staff, progress_reason="予算の執行が遅れたため。")
    saved = save(cycle, 1, staff, progress_reason="機器の納品が遅れたため。")

    (change,) = entry_history(saved)[0]["changes"]
    assert change.label == "自己評価と年次計画の差の理由"
    assert [(s.op, s.text) for s in change.diff if s.op != "equal"] == [
        # 「の」 alone between the two replaced words is read as part of both.
        ("delete", "予算の執行"),
        ("insert", "機器の納品"),
    ]


# --- Comparing two versions -----------------------------------------------------------------------------


@pytest.fixture
def three_versions(cycle, staff, admin):
    """Item 1 saved three times: by joho (version 1, 2), then by kanri (version 3)."""
    save(cycle, 1, staff, actions=BEFORE, stage_reached="検討中")
    save(cycle, 1, staff, issues="予算の確保")
    save(cycle, 1, admin, actions=AFTER, stage_reached="実施中")
    return cycle


def test_the_history_offers_to_compare_the_last_two_versions(client, three_versions, staff):
    client.force_login(staff)

    history = history_section(client.get(reverse("reviews:entry", args=[three_versions.pk, 1])))

    assert f'<form method="get" action="{compare_url(three_versions, 1)}" class="version-compare">' in history
    assert '<input type="radio" name="new" value="3" checked>' in history
    assert '<input type="radio" name="old" value="2" checked>' in history
    assert '<input type="radio" name="old" value="0">' in history


def test_two_versions_far_apart_are_compared_field_by_field_with_who_saved_each(
    client, three_versions, staff
):
    client.force_login(staff)

    response = client.get(compare_url(three_versions, 1, old=0, new=3))

    assert response.status_code == 200
    changes = {c.label: c for c in response.context["changes"]}
    assert list(changes) == ["実施状況", "取組内容", "課題"]
    assert (changes["実施状況"].old, changes["実施状況"].new) == ("", "実施中")
    page = response.content.decode()
    table = page[page.index('class="data-table changes"') :]
    assert marked(table, "ins") == ["実施中", AFTER, "予算の確保"]
    facts = page[page.index("version-facts") : page.index("</table>")]
    assert re.search(r"比較元</th><td>第0版</td><td>[\d-]+ [\d:]+</td><td>kanri</td>", facts)
    assert re.search(r"比較先</th><td>第3版</td><td>[\d-]+ [\d:]+</td><td>kanri</td>", facts)


def test_a_long_text_compared_across_versions_is_shown_word_by_word(client, three_versions, staff):
    client.force_login(staff)

    page = client.get(compare_url(three_versions, 1, old=1, new=3)).content.decode()

    table = page[page.index('class="data-table changes"') :]
    assert marked(table, "ins") == ["実施中", "全面的に", "予算の確保"]
    assert marked(table, "del") == ["検討中", "職員向けの"]


def test_the_versions_may_be_chosen_in_either_order(client, three_versions, staff):
    client.force_login(staff)

    response = client.get(compare_url(three_versions, 1, old=3, new=1))

    assert (response.context["older"].version, response.context["newer"].version) == (1, 3)


def test_a_version_compared_with_itself_has_no_differences(client, three_versions, staff):
    client.force_login(staff)

    response = client.get(compare_url(three_versions, 1, old=2, new=2))

    assert response.status_code == 200
    assert "二つの版に違いはありません。" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"old": 1, "new": 9}, "この入力欄には第9版がありません。"),
        ({"old": 7, "new": 9}, "この入力欄には第7、9版がありません。"),
        ({"old": "abc", "new": 1}, "比べる二つの版が指定されていません。"),
        ({"old": -1, "new": 1}, "比べる二つの版が指定されていません。"),
        ({"old": 1}, "比べる二つの版が指定されていません。"),
        ({"old": 10**30, "new": 1}, "比べる二つの版が指定されていません。"),
        ({}, "比べる二つの版が指定されていません。"),
    ],
)
def test_a_version_the_entry_never_had_is_not_found_with_a_clear_message(
    client, three_versions, staff, query, message
):
    client.force_login(staff)

    response = client.get(compare_url(three_versions, 1, **query))

    assert response.status_code == 404
    assert message in response.content.decode()


def test_another_entrys_version_is_not_compared(client, three_versions, staff):
    save(three_versions, 2, staff, actions="別の個別計画")
    save(three_versions, 2, staff, actions="別の個別計画の二回目")
    client.force_login(staff)

    # Item 3 has only its version 0; item 2's versions 1 and 2 are not item 3's.
    response = client.get(compare_url(three_versions, 3, old=1, new=2))

    assert response.status_code == 404
    assert "別の個別計画" not in response.content.decode()


def test_a_department_editor_compares_their_own_departments_entries_only(
    client, plan5, three_versions, caplog
):
    somu = make_department("総務課", plan5, numbers=[2])
    editor = make_user("department", departments=[somu])
    client.force_login(editor)
    caplog.set_level(logging.WARNING, logger="reviews.access")

    assert client.get(compare_url(three_versions, 1, old=0, new=3)).status_code == 403
    assert [r for r in caplog.records if r.name == "reviews.access"]
    save(three_versions, 2, editor, actions="総務課の取組")
    assert client.get(compare_url(three_versions, 2, old=0, new=1)).status_code == 200


@pytest.mark.parametrize("role", ["committee", "admin"])
def test_every_reader_compares_versions(client, three_versions, role):
    client.force_login(make_user(role))
    assert client.get(compare_url(three_versions, 1, old=0, new=3)).status_code == 200


def test_a_login_without_a_role_or_anonymous_is_refused(client, three_versions):
    url = compare_url(three_versions, 1, old=0, new=3)
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(make_user("none"))
    assert client.get(url).status_code == 403


def test_comparing_needs_the_same_queries_however_long_the_history(
    client, three_versions, staff, django_assert_num_queries
):
    client.force_login(staff)
    url = compare_url(three_versions, 1, old=0, new=3)
    # session, user, the user's groups (roles); the cycle with its plan; the entry with its initiative, cycle
    # and plan; whether the user may see it; the two versions with who saved them; the city's names and the
    # user's unread notifications (the page's header).
    with django_assert_num_queries(9):
        client.get(url)
    for n in range(20):
        save(three_versions, 1, staff, issues=f"課題 {n}")
    with django_assert_num_queries(9):
        response = client.get(url)
    assert response.status_code == 200

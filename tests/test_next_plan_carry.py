"""Choosing which initiatives the next plan's draft carries on.

Starting the next plan first lists every initiative with its final 今後の方向性: what carries on (継続, 拡充)
is chosen at first, 見直し may be chosen, 取組終了 is not offered. The draft takes exactly what was chosen,
and says what was left out; a choice of what is not offered creates nothing.
"""

import logging

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from audit.models import AuditEvent, AuditKind
from initiatives.models import Initiative
from plan.models import Plan
from reviews.next_plan import RefusedChoice, carry_options, start_next_plan
from tests.personas import make_user, open_cycle
from tests.test_final_evaluation import deliberate_and_publish, fill, result_of

URL = reverse("reviews:start_next_plan", args=[5])


@pytest.fixture
def last_year(plan5, admin, pdf_rendered_once):
    """The fifth plan's last survey published: item N rated as result_of(N) says (1 拡充, 2 見直し, 3 取組終了,
    4 継続, …), except item 5, left without an evaluation."""
    cycle = open_cycle(plan5, plan5.last_fiscal_year, admin)
    for number in plan5.initiatives.exclude(number=5).values_list("number", flat=True):
        fill(cycle, number, admin, **result_of(number))
    with pdf_rendered_once():
        return deliberate_and_publish(cycle, admin)


def numbers_with(plan, *directions):
    return [
        n
        for n in plan.initiatives.order_by("number").values_list("number", flat=True)
        if n != 5 and result_of(n)["direction"] in directions
    ]


def ids(plan, numbers):
    by_number = dict(plan.initiatives.values_list("number", "pk"))
    return [by_number[n] for n in numbers]


def origins(draft):
    """The fifth plan's 項番 of each draft initiative, in the draft's order."""
    return [i.carried_from.get().number for i in draft.initiatives.order_by("number")]


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def left_out_text(numbers):
    return "、".join(f"項番 {n}（{result_of(n)['direction'] if n != 5 else '評価なし'}）" for n in numbers)


# --- The list to choose from ------------------------------------------------------------------------------


def test_every_item_is_listed_with_its_direction_and_what_carries_on_is_chosen_at_first(
    client, plan5, admin, last_year
):
    client.force_login(admin)

    response = client.get(URL)

    assert response.status_code == 200
    options = response.context["options"]
    assert [o.initiative.number for o in options] == list(
        plan5.initiatives.order_by("number").values_list("number", flat=True)
    )
    by_number = {o.initiative.number: o for o in options}
    assert [(by_number[n].direction, by_number[n].offered, by_number[n].chosen) for n in (1, 2, 3, 4, 5)] == [
        ("拡充", True, True),
        ("見直し", True, False),
        ("取組終了", False, False),
        ("継続", True, True),
        ("", True, False),  # no evaluation: the administrator may carry it, but it is not chosen
    ]
    page = response.content.decode()
    assert f'name="carry" value="{by_number[1].initiative.pk}" id="carry-1" checked>' in page
    assert f'name="carry" value="{by_number[2].initiative.pk}" id="carry-2">' in page
    row3 = page[page.index('id="carry-row-3"') : page.index('id="carry-row-4"')]
    assert 'name="carry"' not in row3
    assert "対象外" in row3 and "「取組終了」は取組を終える語のため、引き継げません。" in row3
    assert "「継続、拡充」の個別計画は、はじめから選んであります。" in page


def test_the_final_table_leads_to_the_choice(client, plan5, admin, last_year):
    client.force_login(admin)
    page = client.get(reverse("reviews:final_table", args=[5])).content.decode()
    assert f'href="{URL}"' in page


# --- Starting with the choice -----------------------------------------------------------------------------


def test_the_choice_made_at_first_carries_on_continue_and_expand_and_names_what_was_left_out(
    client, plan5, admin, last_year
):
    client.force_login(admin)
    chosen = [o.initiative.pk for o in client.get(URL).context["options"] if o.chosen]

    response = client.post(URL, {"carry": chosen})

    draft = Plan.objects.get(predecessor=plan5)
    carried = numbers_with(plan5, "継続", "拡充")
    assert origins(draft) == carried
    assert [i.number for i in draft.initiatives.order_by("number")] == list(range(1, len(carried) + 1))
    left_out = [
        n for n in plan5.initiatives.order_by("number").values_list("number", flat=True) if n not in carried
    ]
    assert messages_of(response) == [
        f"「第六次東大和市情報化推進計画（案）」を作成し、個別計画{len(carried)}件を引き継ぎました。",
        f"引き継がなかった個別計画（{len(left_out)}件）: {left_out_text(left_out)}",
    ]
    assert response["Location"] == reverse("initiatives:plan_table", args=[6])


def test_a_changed_choice_carries_exactly_what_was_chosen(client, plan5, admin, last_year, caplog):
    client.force_login(admin)
    caplog.set_level(logging.INFO, logger="reviews.next_plan")
    # Item 1 (拡充) left out, items 2 (見直し) and 5 (no evaluation) taken, item 4 (継続) kept.
    chosen = [2, 4, 5]

    response = client.post(URL, {"carry": ids(plan5, chosen)})

    draft = Plan.objects.get(predecessor=plan5)
    assert origins(draft) == chosen
    left_out = [
        n for n in plan5.initiatives.order_by("number").values_list("number", flat=True) if n not in chosen
    ]
    assert (
        messages_of(response)[1]
        == f"引き継がなかった個別計画（{len(left_out)}件）: {left_out_text(left_out)}"
    )
    assert left_out_text([1, 3]) == "項番 1（拡充）、項番 3（取組終了）"
    event = AuditEvent.objects.get(kind=AuditKind.NEXT_PLAN)
    assert event.detail == (
        "第五次東大和市情報化推進計画から、個別計画3件を引き継いで作成。引き継がなかった個別計画: "
        + left_out_text(left_out)
    )
    (line,) = [r.getMessage() for r in caplog.records if r.name == "reviews.next_plan"]
    assert line.endswith("initiatives=3 left_out=" + ",".join(str(n) for n in left_out))


def test_nothing_chosen_starts_an_empty_draft_that_names_every_item_left_out(client, plan5, admin, last_year):
    client.force_login(admin)

    response = client.post(URL, {})

    draft = Plan.objects.get(predecessor=plan5)
    assert not draft.initiatives.exists()
    assert messages_of(response)[1].startswith(
        f"引き継がなかった個別計画（{plan5.initiatives.count()}件）: 項番 1（拡充）"
    )


# --- A choice that is not offered ------------------------------------------------------------------------


def assert_nothing_created(count):
    assert not Plan.objects.filter(ordinal=6).exists()
    assert Initiative.objects.count() == count
    assert not AuditEvent.objects.filter(kind=AuditKind.NEXT_PLAN).exists()


def test_a_forged_choice_of_an_ended_item_is_refused_and_nothing_is_created(client, plan5, admin, last_year):
    client.force_login(admin)
    count = Initiative.objects.count()

    response = client.post(URL, {"carry": ids(plan5, [1, 3, 4, 7])})

    assert_nothing_created(count)
    assert response["Location"] == URL  # back to the choice
    assert messages_of(response) == [
        "次の個別計画は今後の方向性により引き継げません: 項番 3（取組終了）、項番 7（取組終了）。"
        "次の計画（案）は作成していません。"
    ]


def test_a_forged_choice_of_another_plans_item_is_refused_and_nothing_is_created(
    client, plan5, plan4, admin, last_year
):
    client.force_login(admin)
    count = Initiative.objects.count()

    response = client.post(URL, {"carry": [*ids(plan5, [1]), *ids(plan4, [1])]})

    assert_nothing_created(count)
    assert messages_of(response) == [
        "この計画の個別計画ではないものが選ばれています。次の計画（案）は作成していません。"
    ]


@pytest.mark.parametrize("value", ["abc", "", "1.5"])
def test_a_choice_that_is_not_an_item_at_all_is_refused(client, plan5, admin, last_year, value):
    client.force_login(admin)
    count = Initiative.objects.count()

    response = client.post(URL, {"carry": [*ids(plan5, [1]), value]})

    assert_nothing_created(count)
    assert messages_of(response) == ["選択された個別計画が正しくありません。"]


def test_the_step_itself_refuses_what_is_not_offered(plan5, admin, last_year):
    with pytest.raises(RefusedChoice):
        start_next_plan(plan5, admin, ids(plan5, [3]))
    assert not Plan.objects.filter(ordinal=6).exists()


# --- The words are the plan's data ------------------------------------------------------------------------


def test_the_word_that_ends_an_item_is_the_scales_last_one_that_does_not_carry_on(plan5, last_year):
    words = {w.word: w for w in plan5.scale("direction").words.all()}
    words["見直し"].position, words["取組終了"].position = (
        words["取組終了"].position,
        words["見直し"].position,
    )
    for word in words.values():
        word.save()

    options = {o.initiative.number: o for o in carry_options(Plan.objects.get(pk=plan5.pk))}

    assert (options[2].offered, options[3].offered) == (False, True)


def test_a_scale_whose_last_word_carries_on_offers_every_item(plan5, last_year):
    plan5.scale("direction").words.filter(word="取組終了").update(carries_on=True)

    options = carry_options(Plan.objects.get(pk=plan5.pk))

    assert all(o.offered for o in options)
    assert {o.initiative.number for o in options if o.chosen} == set(
        numbers_with(plan5, "継続", "拡充", "取組終了")
    )


# --- Who and when -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "committee", "department"])
def test_only_an_administrator_sees_the_choice(client, plan5, last_year, role):
    client.force_login(make_user(role))
    assert client.get(URL).status_code == 403


def test_the_choice_is_not_offered_once_the_next_plan_exists(client, plan5, admin, last_year):
    start_next_plan(plan5, admin)
    client.force_login(admin)

    response = client.get(URL)

    assert response["Location"] == reverse("reviews:final_table", args=[5])
    assert messages_of(response) == [
        "第五次東大和市情報化推進計画にはすでに次の計画「第六次東大和市情報化推進計画（案）」があります。"
        "二つ目は作成できません。"
    ]


def test_the_choice_is_not_offered_before_the_last_years_evaluations_exist(client, plan5, admin):
    client.force_login(admin)

    response = client.get(URL, follow=True)

    assert "令和8年度 (2026)の評価がまだ記録されていないため" in response.content.decode()

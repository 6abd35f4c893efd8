"""Pages from the cache (caching/pages.py), and long lists in pages.

A cached page must never show what was true before a change: every test here changes something the way a
user does (the admin, the entry form, a command) and reads the page again. The race a single process cannot
show, a reader making a page while another process's change is not yet committed, runs on PostgreSQL with
two connections.
"""

import re
import threading
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from caching import pages
from initiatives.models import Initiative, RoadmapCell
from reviews import scales
from reviews.entries import save_entry
from reviews.models import StatusEntry
from tests.jobs import job_file
from tests.personas import make_user, open_cycle
from tests.test_entry_editing import form_data

PLAN_PAGE = "/plans/5/"


def test_an_initiative_renamed_in_the_admin_shows_on_the_cached_plan_page(client, admin_client, plan5):
    before = client.get(PLAN_PAGE).content.decode()
    assert "行政手続きのオンライン化" in before and "行政手続きのオンライン化（改）" not in before
    client.get(PLAN_PAGE)  # now from the cache
    initiative = plan5.initiatives.get(number=1)
    change = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    posted = {**_admin_post(admin_client, change), "name": "行政手続きのオンライン化（改）"}
    response = admin_client.post(change, posted)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "行政手続きのオンライン化（改）" in client.get(PLAN_PAGE).content.decode()


def _admin_post(client, url):
    """The fields of an admin change form as the browser would post them unchanged."""
    response = client.get(url)
    data = {}
    for form in [response.context["adminform"].form, *_inline_forms(response)]:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None:
                continue
            key = form.add_prefix(name)
            if isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            else:
                data[key] = field.prepare_value(value) if hasattr(field, "prepare_value") else value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


def _inline_forms(response):
    for formset in response.context["inline_admin_formsets"]:
        yield from formset.formset.forms


def text_of(response):
    """The page as read: without its tags."""
    return re.sub(r"<[^>]+>", "", response.content.decode())


def test_a_saved_entry_shows_on_the_cached_dashboard_at_once(client, plan5, admin):
    cycle = open_cycle(plan5, 2024, admin)
    client.force_login(make_user("committee"))
    dashboard = reverse("reviews:dashboard", args=[cycle.pk])
    before = text_of(client.get(dashboard))
    assert "実績 検討中" not in before
    client.get(dashboard)  # from the cache
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=3)
    save_entry(entry, {"stage_reached": "検討中"}, admin, entry.version)
    assert "実績 検討中" in text_of(client.get(dashboard))


def test_the_entry_form_ends_the_cached_report(client, plan5, admin):
    cycle = open_cycle(plan5, 2024, admin)
    staff = make_user("staff")
    client.force_login(staff)
    report = reverse("reviews:report", args=[cycle.pk])
    assert "庁内の会議でペーパーレス化を進めた" not in client.get(report).content.decode()
    client.get(report)
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=2)
    url = reverse("reviews:entry", args=[cycle.pk, 2])
    response = client.post(url, form_data(entry, actions="庁内の会議でペーパーレス化を進めた"))
    assert response.status_code == 302
    assert "庁内の会議でペーパーレス化を進めた" in client.get(report).content.decode()


def test_a_reloaded_seed_and_the_open_data_agree(client, plan5):
    before = client.get("/open-data/plans/5.json").json()
    assert client.get("/open-data/plans/5.json").json() == before  # from the cache, the same
    Initiative.objects.filter(plan=plan5, number=4).update(name="書き換えた名前")  # no signal: a stale row
    pages.changed()  # as every write that sends no signal does
    names = [i["name"] for i in client.get("/open-data/plans/5.json").json()["initiatives"]]
    assert names[3] == "書き換えた名前"
    call_command("load_seed", verbosity=0)  # the seed's own name again, through saves
    assert client.get("/open-data/plans/5.json").json() == before


def test_the_english_page_is_cached_apart_from_the_japanese(client, plan5):
    japanese = client.get(PLAN_PAGE).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": PLAN_PAGE})
    english = client.get(PLAN_PAGE).content.decode()
    assert "Annual roadmap" in english or "Roadmap" in english
    assert english != japanese


def test_a_lost_generation_never_brings_back_an_older_page(client, plan5, django_assert_max_num_queries):
    client.get(PLAN_PAGE)
    # The cache server restarted or evicted the generation: the stored page must not be taken as current.
    cache.delete("generation:public")
    RoadmapCell.objects.filter(initiative__plan=plan5, initiative__number=1).update(stage="検討")
    assert "年次計画" in client.get(PLAN_PAGE).content.decode()
    stored = cache.get(f"page:plan_table:ja:{plan5.pk}:1:False:False")
    assert stored[0] == (cache.get("generation:public"),)


def test_a_user_sees_the_final_table_link_a_citizen_does_not(client, plan5):
    link = reverse("reviews:final_table", args=[5])
    assert link not in client.get(PLAN_PAGE).content.decode()
    client.force_login(make_user("committee"))
    assert link in client.get(PLAN_PAGE).content.decode()


# --- Paging ------------------------------------------------------------------------------------------------


@pytest.fixture
def many(plan5):
    for number in range(100, 130):
        Initiative.objects.create(plan=plan5, number=number, name=f"追加の個別計画 {number}")
    return plan5


def test_the_plan_page_is_paged_and_the_whole_table_is_the_download(client, many, settings):
    settings.PLAN_TABLE_PER_PAGE = 20
    first = client.get(PLAN_PAGE).content.decode()
    assert 'id="initiative-1"' in first and 'id="initiative-20"' in first
    assert 'id="initiative-21"' not in first
    assert "56件中 1 / 3 ページ" in first
    assert '<a href="?page=2#table-heading" rel="next">' in first
    third = client.get(PLAN_PAGE, {"page": 3}).content.decode()
    assert 'id="initiative-129"' in third and 'id="initiative-1"' not in third
    assert '<span aria-current="page">3</span>' in third
    # Past the end, or not a number: the last page, the first page.
    assert 'id="initiative-129"' in client.get(PLAN_PAGE, {"page": 99}).content.decode()
    assert 'id="initiative-1"' in client.get(PLAN_PAGE, {"page": "x"}).content.decode()
    assert len(client.get("/open-data/plans/5.json").json()["initiatives"]) == 56


def test_the_dashboard_pages_its_matrix_and_counts_every_initiative(client, many, admin, settings):
    settings.DASHBOARD_PER_PAGE = 20
    cycle = open_cycle(many, 2024, admin)
    client.force_login(make_user("committee"))
    url = reverse("reviews:dashboard", args=[cycle.pk])
    first = client.get(url).content.decode()
    assert 'id="matrix-20"' in first and 'id="matrix-21"' not in first
    assert "対象</dt><dd>56件" in first.replace("\n", "")
    second = client.get(url, {"page": 2}).content.decode()
    assert 'id="matrix-21"' in second and 'id="matrix-20"' not in second


def test_the_dashboard_late_list_links_to_all_of_them(client, plan5, admin, settings):
    settings.DASHBOARD_PER_PAGE = 2
    cycle = open_cycle(plan5, 2024, admin)
    behind = scales.behind_word(plan5)
    for number in (1, 2, 3):
        entry = StatusEntry.objects.get(cycle=cycle, initiative__number=number)
        save_entry(entry, {"stage_reached": "未着手", "progress": behind}, admin, entry.version)
    client.force_login(make_user("committee"))
    body = client.get(reverse("reviews:dashboard", args=[cycle.pk])).content.decode()
    assert len(re.findall(r'id="late-\d+"', body)) == 2
    assert "遅れている3件すべてを入力状況の一覧で見る" in body
    worklist = client.get(reverse("reviews:worklist", args=[cycle.pk]), {"progress": behind})
    assert len(worklist.context["table"].rows) == 3


def test_the_report_page_is_paged_and_its_file_is_whole(client, many, admin, settings):
    settings.REPORT_PER_PAGE = 25
    cycle = open_cycle(many, 2024, admin)
    client.force_login(make_user("staff"))
    url = reverse("reviews:report", args=[cycle.pk])
    first = client.get(url).content.decode()
    assert "追加の個別計画 100" not in first and "56件中 1 / 3 ページ" in first
    assert "追加の個別計画 129" in client.get(url, {"page": 3}).content.decode()
    html = job_file(
        client, client.get(reverse("reviews:report_file", args=[cycle.pk, "html"]))
    ).content.decode()
    assert "追加の個別計画 100" in html and "追加の個別計画 129" in html and "pagination" not in html


# --- Another process's change ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="SQLite lets no one read while a writer holds the database: the race cannot happen there",
)
def test_a_page_made_while_another_process_commits_is_not_kept(client, seeded):
    """A reader makes the page from the data before a change; the change commits after. The next reader
    must not get the page made from the old data."""
    client.get(PLAN_PAGE)
    written, commit = threading.Event(), threading.Event()

    def writer():
        from django.db import connection, transaction

        try:
            with transaction.atomic():
                initiative = Initiative.objects.get(plan__ordinal=5, number=2)
                initiative.name = "別の接続で変えた名前"
                initiative.save()
                written.set()
                commit.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(10)
    assert "別の接続で変えた名前" not in client.get(PLAN_PAGE).content.decode()  # not committed yet
    commit.set()
    thread.join(10)
    assert "別の接続で変えた名前" in client.get(PLAN_PAGE).content.decode()


# --- Valkey/Redis ------------------------------------------------------------------------------------------


def _redis_reachable():
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_reachable(), reason="no Valkey/Redis server on 127.0.0.1:6379")
def test_the_cache_on_valkey_or_redis_ends_pages_the_same_way(client, plan5, settings):
    """CACHE_URL=redis://… gives Django's own Redis backend; a change ends the cached page there too."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            # Keys of this run only; clear() would empty the server's whole database.
            "KEY_PREFIX": f"jouhouka-test-{uuid.uuid4()}",
        }
    }
    client.get(PLAN_PAGE)
    assert cache.get(f"page:plan_table:ja:{plan5.pk}:1:False:False") is not None  # stored on the server
    initiative = plan5.initiatives.get(number=2)
    initiative.name = "キャッシュサーバーでも変わる名前"
    initiative.save()
    assert "キャッシュサーバーでも変わる名前" in client.get(PLAN_PAGE).content.decode()

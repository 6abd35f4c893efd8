"""The Atom feed of publications: one entry per published report with its files, nothing unpublished."""

import xml.etree.ElementTree as ET

from django.urls import reverse

from tests.personas import open_cycle
from tests.test_publication import deliberated, publish  # noqa: F401 (a fixture)

ATOM = "{http://www.w3.org/2005/Atom}"


def feed(client):
    response = client.get(reverse("published:feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def test_the_feed_has_an_entry_per_publication_with_its_report_and_files(client, deliberated, admin):  # noqa: F811
    publish(deliberated, admin)
    open_cycle(deliberated.plan, 2026, admin)  # a survey under way: not in the feed

    (entry,) = feed(client).findall(f"{ATOM}entry")

    publication = deliberated.publication
    assert entry.findtext(f"{ATOM}title") == "第五次東大和市情報化推進計画 進捗状況報告 令和7年度 (2025)"
    assert entry.findtext(f"{ATOM}id") == f"tag:testserver,{publication.published_at.date()}:published/5/2025"
    assert entry.findtext(f"{ATOM}updated").startswith(publication.published_at.strftime("%Y-%m-%dT%H:%M:%S"))
    links = {(link.get("rel"), link.get("href")): link for link in entry.findall(f"{ATOM}link")}
    assert ("alternate", "http://testserver/published/5/2025/") in links
    enclosures = {href: link for (rel, href), link in links.items() if rel == "enclosure"}
    assert set(enclosures) == {
        f"http://testserver/published/5/2025.{fmt}" for fmt in ("html", "pdf", "xlsx", "csv", "json")
    }
    csv = enclosures["http://testserver/published/5/2025.csv"]
    assert csv.get("type") == "text/csv"
    assert int(csv.get("length")) == len(client.get("/published/5/2025.csv").content)


def test_the_feed_is_empty_before_anything_is_published(client, deliberated):  # noqa: F811
    assert feed(client).findall(f"{ATOM}entry") == []


def test_the_feed_reads_no_snapshot_and_a_fixed_number_of_queries(
    client,
    deliberated,  # noqa: F811
    admin,
    django_assert_num_queries,
):
    publish(deliberated, admin)

    # The city's settings, the publications (their titles, not their snapshots) and the sizes of their files.
    with django_assert_num_queries(3):
        client.get(reverse("published:feed"))


def test_the_published_list_links_to_the_feed_and_the_catalogue(client, db):
    html = client.get(reverse("published:list")).content.decode()

    assert 'href="/published/feed.atom"' in html and 'href="/open-data/catalog.jsonld"' in html

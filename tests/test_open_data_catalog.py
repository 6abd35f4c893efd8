"""The data catalogue (DCAT-AP, JSON-LD) a portal harvests: a dataset per adopted plan and per published
year, a distribution per file, and nothing unpublished. Expanded with pyld, never fetching a context."""

import pytest
from django.urls import reverse
from pyld import jsonld

from plan.models import CitySettings, Plan
from tests.personas import open_cycle
from tests.test_publication import deliberated, publish  # noqa: F401 (a fixture)

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"


def no_network(url, options=None):
    raise AssertionError(f"the catalogue made the JSON-LD processor fetch {url}")


@pytest.fixture
def expanded(client):
    def expand():
        response = client.get(reverse("open_data_catalog"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/ld+json")
        document = response.json()
        assert isinstance(document["@context"], dict)  # inline
        return jsonld.expand(document, {"documentLoader": no_network})

    return expand


def of_type(nodes, kind):
    return [n for n in nodes if DCAT + kind in n.get("@type", [])]


def ids(values):
    return [v["@id"] for v in values]


def test_the_catalogue_lists_a_dataset_per_plan_and_per_published_year(expanded, deliberated, admin):  # noqa: F811
    publish(deliberated, admin)
    open_cycle(deliberated.plan, 2026, admin)  # under way: never in the catalogue
    Plan.objects.create(ordinal=6, title="第六次東大和市情報化推進計画（案）")  # a draft: not either

    (catalogue,) = expanded()
    datasets = catalogue[DCAT + "dataset"]
    plans = Plan.objects.filter(initiatives__isnull=False).exclude(adopted="").distinct()
    assert plans.count() == 2  # the fourth and the fifth plans have their tables in the seed
    assert sorted(ids(datasets)) == sorted(
        [f"http://testserver/plans/{p.ordinal}/" for p in plans] + ["http://testserver/published/5/2025/"]
    )
    by_id = {d["@id"]: d for d in datasets}
    plan5 = by_id["http://testserver/plans/5/"]
    assert sorted(ids(plan5[DCAT + "distribution"])) == [
        f"http://testserver/open-data/plans/5.{fmt}" for fmt in ("csv", "json", "xlsx")
    ]
    year = by_id["http://testserver/published/5/2025/"]
    distributions = year[DCAT + "distribution"]
    assert sorted(ids(distributions)) == [
        f"http://testserver/published/5/2025.{fmt}" for fmt in ("csv", "html", "json", "pdf", "xlsx")
    ]
    assert sum(len(d[DCAT + "distribution"]) for d in datasets) == 2 * 3 + 5


def test_each_dataset_and_distribution_says_title_dates_licence_and_publisher(expanded, deliberated, admin):  # noqa: F811
    publish(deliberated, admin)
    city = CitySettings.current()

    (catalogue,) = expanded()
    year = next(d for d in catalogue[DCAT + "dataset"] if d["@id"].endswith("/published/5/2025/"))
    (title,) = year[DCT + "title"]
    assert title == {
        "@value": "第五次東大和市情報化推進計画 進捗状況報告 令和7年度 (2025)",
        "@language": "ja",
    }
    assert year[DCT + "description"][0]["@language"] == "ja"
    assert year[DCT + "publisher"][0][FOAF + "name"] == [{"@value": city.city, "@language": "ja"}]
    published = deliberated.publication.published_at.isoformat()
    assert year[DCT + "issued"][0]["@value"] == published
    csv = next(d for d in year[DCAT + "distribution"] if d["@id"].endswith(".csv"))
    assert ids(csv[DCAT + "downloadURL"]) == ["http://testserver/published/5/2025.csv"]
    assert ids(csv[DCAT + "mediaType"]) == ["https://www.iana.org/assignments/media-types/text/csv"]
    assert ids(csv[DCT + "license"]) == [city.open_data_licence_url]
    assert csv[DCT + "modified"][0]["@value"] == published
    json_file = next(d for d in year[DCAT + "distribution"] if d["@id"].endswith(".json"))
    assert ids(json_file[DCT + "conformsTo"]) == ["http://localhost:8000/open-data/schema/published-v1.json"]


def test_the_catalogue_takes_the_licence_from_the_citys_settings(expanded, seeded):
    CitySettings.objects.update_or_create(
        pk=1,
        defaults={
            "open_data_licence": "CC0",
            "open_data_licence_url": "https://creativecommons.org/publicdomain/zero/1.0/",
        },
    )

    (catalogue,) = expanded()

    for dataset in catalogue[DCAT + "dataset"]:
        for distribution in dataset[DCAT + "distribution"]:
            assert ids(distribution[DCT + "license"]) == [
                "https://creativecommons.org/publicdomain/zero/1.0/"
            ]


def test_the_catalogue_is_in_japanese_whoever_asks(client, seeded, monkeypatch):
    from django.utils import translation

    import reviews.catalog

    # Each text as made, marked with the language active as it was made (the English .po may not have it yet).
    monkeypatch.setattr(reviews.catalog, "_", lambda text: f"[{translation.get_language()}]{text}")
    client.cookies["django_language"] = "en"

    document = client.get(reverse("open_data_catalog"), HTTP_ACCEPT_LANGUAGE="en").json()

    assert document["dct:description"] == {
        "@value": "[ja]情報化推進計画と、公開した達成状況調査の結果のデータ",
        "@language": "ja",
    }


def test_the_catalogue_reads_no_snapshot_and_a_fixed_number_of_queries(
    client,
    deliberated,  # noqa: F811
    admin,
    django_assert_num_queries,
):
    publish(deliberated, admin)

    # The city's settings, the plans, their initiatives' last change, the publications (their titles, not
    # their snapshots) and the sizes of their files.
    with django_assert_num_queries(5):
        client.get(reverse("open_data_catalog"))

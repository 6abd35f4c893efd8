"""The open data's JSON Schemas: served at a stable URL, named by each JSON download, and the real output
valid against them (a broken document is not)."""

import copy

import pytest
from django.urls import reverse
from jsonschema import Draft202012Validator, FormatChecker

from tests.test_publication import deliberated_with_flag, publish  # noqa: F401 (a fixture)


def schema_of(client, name):
    response = client.get(reverse("open_data_schema", args=[name]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/schema+json")
    schema = response.json()
    Draft202012Validator.check_schema(schema)
    return schema


def errors(schema, document):
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    return [e.message for e in validator.iter_errors(document)]


@pytest.mark.parametrize("ordinal", [4, 5])
def test_the_plan_json_names_its_schema_and_is_valid_against_it(client, seeded, settings, ordinal):
    settings.SITE_URL = "https://opendata.example.jp"
    response = client.get(reverse("initiatives:download", args=[ordinal, "json"]))
    data = response.json()
    url = "https://opendata.example.jp/open-data/schema/plan-v1.json"

    assert data["schema"] == url
    assert response["Link"] == f'<{url}>; rel="describedby"'
    schema = schema_of(client, "plan-v1")
    assert schema["$id"] == url
    assert errors(schema, data) == []


def test_a_broken_plan_document_is_not_valid(client, seeded):
    data = client.get(reverse("initiatives:download", args=[5, "json"])).json()
    schema = schema_of(client, "plan-v1")

    for breaking in (
        lambda d: d["initiatives"][0].pop("name"),
        lambda d: d["initiatives"][0].update(number="1"),
        lambda d: d["columns"][0].update(kind="colour"),
        lambda d: d["plan"].update(extra=1),
        lambda d: d["initiatives"][0]["roadmap"][0].update(continued="⇒"),
    ):
        broken = copy.deepcopy(data)
        breaking(broken)
        assert errors(schema, broken), breaking


def test_the_published_json_names_its_schema_and_is_valid_against_it(client, deliberated_with_flag, admin):  # noqa: F811
    publish(deliberated_with_flag, admin)
    response = client.get(reverse("published:file", args=[5, 2025, "json"]))
    data = response.json()
    schema = schema_of(client, "published-v1")

    assert data["schema"] == schema["$id"]
    assert response["Link"] == f'<{schema["$id"]}>; rel="describedby"'
    assert errors(schema, data) == []
    # The plan's schema does not allow the year's added keys: the two shapes differ.
    assert errors(schema_of(client, "plan-v1"), data)

    broken = copy.deepcopy(data)
    evaluation = next(i for i in broken["initiatives"] if i["evaluations"])["evaluations"][0]
    evaluation["contradiction"] = {"given": "計画どおり"}
    assert errors(schema, broken)


def test_an_unknown_schema_is_not_found(client, db):
    assert client.get("/open-data/schema/plan-v9.json").status_code == 404

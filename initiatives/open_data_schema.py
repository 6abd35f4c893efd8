"""The JSON Schema (draft 2020-12) of the plan's open data (initiatives/open_data.py), published at a stable
URL so that a portal or a program can check what it reads. Written by hand: it documents the interface, and a
test holds the real output to it. A new key of the JSON is added here as well; a key is never changed.
"""

import copy

from django.conf import settings
from django.urls import reverse

from plan.models import ColumnKind

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_CONTENT_TYPE = "application/schema+json"


def schema_url(name):
    """The schema's absolute URL: a JSON file carried to the city website still names where its shape is
    described, so it is built from SITE_URL, not from the request."""
    return settings.SITE_URL.rstrip("/") + reverse("open_data_schema", args=[name])


def _object(properties, required=None, extra=False):
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": extra,
    }


INT = {"type": "integer"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
YEAR = {"type": "integer", "minimum": 1900, "maximum": 2999, "description": "年度 (西暦)"}
# Decimals are exact text ("40.00"): JSON numbers are floats to most readers.
DECIMAL = {"type": ["string", "null"], "pattern": r"^-?\d+(\.\d+)?$"}

ROADMAP_CELL = _object({"fiscal_year": YEAR, "stage": STR, "continued": BOOL})
EVALUATION = _object(
    {
        "fiscal_year": YEAR,
        # The words are the plan's own rating scales (data, not fixed), so no enum.
        "achievement": STR,
        "direction": STR,
        "actions": STR,
    }
)
INDICATOR = _object(
    {
        "name": STR,
        "unit": STR,
        "lower_is_better": BOOL,
        "baseline": DECIMAL,
        "baseline_year": {"type": ["integer", "null"]},
        "targets": {
            "type": "array",
            "items": _object({"fiscal_year": YEAR, "target": DECIMAL}),
        },
    }
)
INITIATIVE = _object(
    {
        "number": {"type": "integer", "minimum": 1},
        "name": STR,
        "is_new": BOOL,
        "description": STR,
        "goals": {"type": "array", "items": STR},
        "department": {"type": ["string", "null"]},
        "target_stage": STR,
        "roadmap": {"type": "array", "items": ROADMAP_CELL},
        "evaluations": {"type": "array", "items": EVALUATION},
        "carried_from": {"type": "array", "items": _object({"plan": INT, "number": INT})},
        "indicators": {"type": "array", "items": INDICATOR},
    },
    # The plan's own columns (see "columns") add a key each, named by the column's key: text, a number,
    # a mark (true/false) or a list of choices.
    extra={"type": ["string", "number", "boolean", "array", "null"], "items": STR},
)


def _plan_schema():
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "情報化推進計画 オープンデータ",
        "description": "計画の個別計画、年次計画、評価、指標（KPI）。",
        **_object(
            {
                "schema": {"type": "string", "format": "uri"},
                "plan": _object(
                    {
                        "ordinal": {"type": "integer", "minimum": 1},
                        "title": STR,
                        "first_fiscal_year": {"type": ["integer", "null"]},
                        "last_fiscal_year": {"type": ["integer", "null"]},
                        "continuation_mark": STR,
                    }
                ),
                "goals": {"type": "array", "items": _object({"code": STR, "title": STR})},
                "columns": {
                    "type": "array",
                    "items": _object({"key": STR, "header": STR, "kind": {"enum": list(ColumnKind.values)}}),
                },
                "initiatives": {"type": "array", "items": INITIATIVE},
            },
            # "schema" was added later: a file published before it has none.
            required=["plan", "goals", "columns", "initiatives"],
        ),
    }


def _published_schema():
    """A published year's JSON: the plan's shape with the year's results in each evaluation and each
    indicator's target and actual of that year (reviews/publication.py)."""
    schema = _plan_schema()
    schema["title"] = "情報化推進計画 達成状況調査の結果 オープンデータ"
    schema["description"] = "公開した年度の達成状況（進捗、課題、自己評価と年次計画の差、指標の実績）。"
    initiative = schema["properties"]["initiatives"]["items"] = copy.deepcopy(INITIATIVE)
    evaluation = initiative["properties"]["evaluations"]["items"]
    evaluation["properties"].update(
        {
            "planned_stage": STR,
            "stage_reached": STR,
            "progress": STR,
            "issues": STR,
            # 自己評価と年次計画の差: the progress word given and the roadmap's, or null.
            "contradiction": {
                "oneOf": [{"type": "null"}, _object({"given": STR, "roadmap": STR})],
            },
            "progress_reason": STR,
        }
    )
    evaluation["required"] = list(evaluation["properties"])
    indicator = initiative["properties"]["indicators"]["items"]
    indicator["properties"].update({"fiscal_year": YEAR, "target": DECIMAL, "actual": DECIMAL})
    # An indicator the year's report did not list carries only the plan's keys.
    indicator["dependentRequired"] = {"actual": ["fiscal_year", "target"]}
    # A snapshot frozen before the plan's columns and roadmap words were in the data has neither.
    schema["required"].remove("columns")
    schema["properties"]["plan"]["required"].remove("continuation_mark")
    return schema


SCHEMAS = {"plan-v1": _plan_schema, "published-v1": _published_schema}


def schema(name):
    document = SCHEMAS[name]()
    document["$id"] = schema_url(name)
    return document

"""A plan's definition of its own table: the columns (PlanColumn) and their choice lists.

An administrator drafting a plan starts from a copy, of another plan or of a preset (plan/presets/*.json: the
fifth plan's 東大和市型 and two others built from public plans), and changes what differs.
"""

import json
from pathlib import Path

from django.db import transaction

from plan.models import ColumnChoice, PlanColumn

PRESETS = Path(__file__).resolve().parent / "presets"
COLUMN_FIELDS = ["key", "header", "kind", "is_public", "in_table", "max_length", "width"]


def presets():
    """{key: preset} of the shipped presets, each with its name, description and columns."""
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(PRESETS.glob("*.json"))
    }


def columns_of(plan):
    """The plan's columns in the presets' shape."""
    return [
        {
            **{name: getattr(column, name) for name in COLUMN_FIELDS},
            "choices": [{"word": c.word, "description": c.description} for c in column.choices.all()],
        }
        for column in plan.columns.prefetch_related("choices")
    ]


def add_columns(target, columns):
    """Append the columns the target does not have yet (by key); return (added, already there) headers."""
    added, kept = [], []
    with transaction.atomic():
        existing = set(target.columns.values_list("key", flat=True))
        position = max(target.columns.values_list("position", flat=True), default=0)
        for data in columns:
            if data["key"] in existing:
                kept.append(data["header"])
                continue
            position += 1
            fields = {name: data[name] for name in COLUMN_FIELDS if name in data}
            column = PlanColumn.objects.create(plan=target, position=position, **fields)
            ColumnChoice.objects.bulk_create(
                ColumnChoice(column=column, position=n, word=c["word"], description=c.get("description", ""))
                for n, c in enumerate(data.get("choices", []), start=1)
            )
            added.append(column.header)
    return added, kept


def copy_definition(source, target):
    """The source plan's columns and their choice lists, copied to another plan."""
    return add_columns(target, columns_of(source))

"""A plan's definition of its own table: the columns (PlanColumn) and their choice lists, and the rating scales
of its yearly survey (RatingScale) with their words.

An administrator drafting a plan starts from a copy, of another plan or of a preset (plan/presets/*.json: the
fifth plan's 東大和市型 and two others built from public plans), and changes what differs.
"""

import json
from pathlib import Path

from django.db import transaction

from plan.models import ColumnChoice, PlanColumn, RatingScale, RatingWord, RoadmapStage

PRESETS = Path(__file__).resolve().parent / "presets"
COLUMN_FIELDS = ["key", "header", "kind", "is_public", "in_table", "max_length", "width"]
WORD_FIELDS = ["word", "description", "meaning", "min_rate", "carries_on"]


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


def scales_of(plan):
    """The plan's rating scales in the presets' shape (a threshold as text, as JSON keeps it exactly)."""
    return [
        {
            "role": scale.role,
            "name": scale.name,
            "description": scale.description,
            "words": [
                {
                    **{name: getattr(word, name) for name in WORD_FIELDS},
                    "min_rate": None if word.min_rate is None else str(word.min_rate),
                }
                for word in scale.words_in_order
            ],
        }
        for scale in plan.scales.prefetch_related("words")
    ]


def add_scales(target, scales):
    """The scales the target has no scale of the same role for; return (added, already there) names.

    A scale the target already has is left as it is: its words may already be in the target's surveys.
    """
    added, kept = [], []
    with transaction.atomic():
        existing = set(target.scales.values_list("role", flat=True))
        for data in scales:
            if data["role"] in existing:
                kept.append(data["name"])
                continue
            scale = RatingScale.objects.create(
                plan=target, role=data["role"], name=data["name"], description=data.get("description", "")
            )
            RatingWord.objects.bulk_create(
                RatingWord(scale=scale, position=n, **{k: w[k] for k in WORD_FIELDS if k in w})
                for n, w in enumerate(data["words"], start=1)
            )
            added.append(scale.name)
    # The plan object may have read its scales already.
    target.__dict__.pop("rating_scales", None)
    return added, kept


def roadmap_of(plan):
    """The plan's roadmap words in the presets' shape."""
    return {
        "continuation_mark": plan.continuation_mark,
        "stages": [{"word": s.word, "reached": s.reached} for s in plan.stages.all()],
    }


def add_roadmap(target, roadmap):
    """The roadmap's stages and continuation mark, for a plan that has no stages yet; return whether it took
    them (a plan with stages keeps its own: its roadmap cells are in those words)."""
    if not roadmap or target.stages.exists():
        return False
    with transaction.atomic():
        RoadmapStage.objects.bulk_create(
            RoadmapStage(plan=target, position=n, word=s["word"], reached=s["reached"])
            for n, s in enumerate(roadmap["stages"], start=1)
        )
        target.continuation_mark = roadmap.get("continuation_mark", target.continuation_mark)
        target.save(update_fields=["continuation_mark"])
    target.__dict__.pop("roadmap_stages", None)
    return True


def copy_definition(source, target):
    """The source plan's columns and their choice lists, its rating scales and its roadmap's words, copied to
    another plan."""
    columns = add_columns(target, columns_of(source))
    scales = add_scales(target, scales_of(source))
    add_roadmap(target, roadmap_of(source))
    return columns[0] + scales[0], columns[1] + scales[1]

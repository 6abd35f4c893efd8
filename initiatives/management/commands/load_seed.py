import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from initiatives.importing import apply_rows, record_import
from initiatives.models import Initiative
from initiatives.open_data import rows_from_dict
from plan.models import (
    CitySettings,
    ColumnChoice,
    GlossaryTerm,
    Goal,
    ManagementStep,
    Plan,
    PlanColumn,
    PlanReference,
    RatingScale,
    RatingWord,
    RoadmapStage,
)

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
PLAN_FIELDS = [
    "title",
    "first_fiscal_year",
    "last_fiscal_year",
    "adopted",
    "adopted_year",
    "adopted_month",
    "division",
    "purpose",
    "achievements",
    "progress_management",
    "table_notes",
]


class Command(BaseCommand):
    help = "計画書の内容（fixtures/ の計画・目標・個別計画・用語解説）を読み込みます。何度実行しても結果は同じです。"

    def handle(self, *args, **options):
        reason = _("計画書のデータの読込（load_seed）")
        with transaction.atomic():
            # The city's names are the administrator's once set: the seed only fills an empty installation.
            if not CitySettings.objects.exists():
                CitySettings(**json.loads((FIXTURES / "city.json").read_text(encoding="utf-8"))).save()
            plans = load_plans(json.loads((FIXTURES / "plans.json").read_text(encoding="utf-8")))
            for path in sorted(FIXTURES.glob("plan-*.json")):
                data = json.loads(path.read_text(encoding="utf-8"))
                plan = plans[data["plan"]["ordinal"]]
                # Goals, departments and carry-over links are defaults an administrator may change:
                # only initiatives created now get them.
                result = apply_rows(
                    plan, rows_from_dict(data, plan), editable_links="on_create", reason=reason
                )
                if result.created or result.updated:
                    record_import(plan, f"load_seed コマンドで {path.name}", result)
                self.stdout.write(f"{plan.title}: {result.summary()}")
            for item in json.loads((FIXTURES / "plans.json").read_text(encoding="utf-8")):
                for number, note in item["initiative_notes"].items():
                    initiatives = Initiative.objects.filter(plan=plans[item["ordinal"]], number=int(number))
                    # One by one, not update(): each change leaves its line in the initiative's history.
                    for initiative in initiatives.exclude(source_note=note):
                        initiative.source_note = note
                        initiative._change_reason = reason
                        initiative.save(update_fields=["source_note"])


def load_columns(plan, columns):
    """The plan's own columns as the document prints them; a column an administrator added stays."""
    for position, data in enumerate(columns, start=1):
        data = dict(data)
        choices = data.pop("choices", [])
        column, _created = PlanColumn.objects.update_or_create(
            plan=plan, key=data.pop("key"), defaults={"position": position, **data}
        )
        for order, choice in enumerate(choices, start=1):
            ColumnChoice.objects.update_or_create(
                column=column, word=choice["word"], defaults={"position": order, **choice}
            )


def load_scales(plan, scales):
    """The rating scales of the plan's survey; a word an administrator added to a scale stays."""
    for data in scales:
        scale, _created = RatingScale.objects.update_or_create(
            plan=plan,
            role=data["role"],
            defaults={"name": data["name"], "description": data.get("description", "")},
        )
        for position, word in enumerate(data["words"], start=1):
            word = dict(word)
            RatingWord.objects.update_or_create(
                scale=scale, word=word.pop("word"), defaults={"position": position, **word}
            )


def load_stages(plan, stages):
    """The stages of the plan's roadmap, in the document's order."""
    for position, data in enumerate(stages, start=1):
        RoadmapStage.objects.update_or_create(
            plan=plan, word=data["word"], defaults={"position": position, "reached": data["reached"]}
        )


def load_plans(items):
    plans = {}
    for item in items:
        defaults = {name: item[name] for name in PLAN_FIELDS}
        defaults["predecessor"] = plans.get(item["predecessor"])
        plan, _created = Plan.objects.update_or_create(ordinal=item["ordinal"], defaults=defaults)
        plans[plan.ordinal] = plan
        for order, ref in enumerate(item["references"], start=1):
            PlanReference.objects.update_or_create(plan=plan, order=order, defaults=ref)
        plan.references.filter(order__gt=len(item["references"])).delete()
        for order, step in enumerate(item["management_steps"], start=1):
            ManagementStep.objects.update_or_create(plan=plan, order=order, defaults=step)
        plan.management_steps.filter(order__gt=len(item["management_steps"])).delete()
        for order, term in enumerate(item["glossary"], start=1):
            GlossaryTerm.objects.update_or_create(
                plan=plan, term=term["term"], defaults={"order": order, "definition": term["definition"]}
            )
        # The document's glossary is the whole glossary: a term it does not have is not the city's.
        plan.glossary.exclude(term__in=[t["term"] for t in item["glossary"]]).delete()
        load_columns(plan, item.get("columns", []))
        load_scales(plan, item.get("scales", []))
        load_stages(plan, item.get("stages", []))
    for path in sorted(FIXTURES.glob("plan-*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        plan = plans[data["plan"]["ordinal"]]
        for order, goal in enumerate(data["goals"], start=1):
            Goal.objects.update_or_create(
                plan=plan, code=goal["code"], defaults={"order": order, "title": goal["title"]}
            )
        plan.goals.exclude(code__in=[g["code"] for g in data["goals"]]).delete()
    return plans

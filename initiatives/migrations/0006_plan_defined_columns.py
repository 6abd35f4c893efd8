"""The fifth plan's own columns (第五次基本計画, 官民データ活用, 自治体DX) become data: each plan's definition
(plan.PlanColumn) and each initiative's column_values, its history included. Nothing recorded is lost: the
old fields are copied, in every row and every historical row, before they are removed.
"""

from django.db import migrations, models

# What the code printed until now, for every plan: the CSV of the fourth plan carried these columns empty.
BASIC_PLAN_SECTION = "basic_plan_section"
PUBLIC_PRIVATE_DATA = "public_private_data"
MUNICIPAL_DX = "municipal_dx"


def basic_plan_header(plan, PlanReference):
    """The header the table gave the column: the name of the basic plan the plan embodies."""
    parent = PlanReference.objects.filter(plan=plan, relation="上位計画").order_by("id").first()
    return parent.name.removeprefix("東大和市") if parent else "第五次基本計画"


def values_of(row):
    values = {}
    if row.basic_plan_section:
        values[BASIC_PLAN_SECTION] = row.basic_plan_section
    if row.public_private_data:
        values[PUBLIC_PRIVATE_DATA] = True
    if row.municipal_dx:
        values[MUNICIPAL_DX] = True
    return values


def forwards(apps, schema_editor):
    Plan = apps.get_model("plan", "Plan")
    PlanColumn = apps.get_model("plan", "PlanColumn")
    PlanReference = apps.get_model("plan", "PlanReference")
    Initiative = apps.get_model("initiatives", "Initiative")
    HistoricalInitiative = apps.get_model("initiatives", "HistoricalInitiative")
    RoadmapCell = apps.get_model("initiatives", "RoadmapCell")
    for plan in Plan.objects.filter(initiatives__isnull=False).distinct():
        initiatives = Initiative.objects.filter(plan=plan)
        # The table printed the marks for a plan with a roadmap (the fifth), not for the fourth; the basic
        # plan's column also where any initiative had a section.
        has_roadmap = RoadmapCell.objects.filter(initiative__plan=plan).exists()
        has_section = initiatives.exclude(basic_plan_section="").exists()
        for position, (key, header, kind, width, max_length) in enumerate(
            [
                (BASIC_PLAN_SECTION, basic_plan_header(plan, PlanReference), "reference", 16, 100),
                (PUBLIC_PRIVATE_DATA, "官民データ活用", "mark", 9, 100),
                (MUNICIPAL_DX, "自治体DX", "mark", 9, 100),
            ],
            start=1,
        ):
            PlanColumn.objects.create(
                plan=plan,
                position=position,
                key=key,
                header=header,
                kind=kind,
                width=width,
                max_length=max_length,
                in_table=has_roadmap or (key == BASIC_PLAN_SECTION and has_section),
            )
    for model in (Initiative, HistoricalInitiative):
        for row in model.objects.all().iterator():
            values = values_of(row)
            if values:
                model.objects.filter(pk=row.pk).update(column_values=values)


def backwards(apps, schema_editor):
    for name in ("Initiative", "HistoricalInitiative"):
        model = apps.get_model("initiatives", name)
        for row in model.objects.all().iterator():
            values = row.column_values or {}
            model.objects.filter(pk=row.pk).update(
                basic_plan_section=values.get(BASIC_PLAN_SECTION, ""),
                public_private_data=bool(values.get(PUBLIC_PRIVATE_DATA)),
                municipal_dx=bool(values.get(MUNICIPAL_DX)),
            )
    apps.get_model("plan", "PlanColumn").objects.filter(
        key__in=[BASIC_PLAN_SECTION, PUBLIC_PRIVATE_DATA, MUNICIPAL_DX]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0005_history"),
        ("plan", "0006_plan_columns"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalinitiative",
            name="column_values",
            field=models.JSONField(blank=True, default=dict, verbose_name="計画が定める列の値"),
        ),
        migrations.AddField(
            model_name="initiative",
            name="column_values",
            field=models.JSONField(blank=True, default=dict, verbose_name="計画が定める列の値"),
        ),
        migrations.RunPython(forwards, backwards),
        *(
            migrations.RemoveField(model_name=model, name=name)
            for model in ("historicalinitiative", "initiative")
            for name in (BASIC_PLAN_SECTION, PUBLIC_PRIVATE_DATA, MUNICIPAL_DX)
        ),
    ]

"""The evaluations of years published before they kept the published status take it from the publications'
snapshots, the only record of what was published (the survey's entries may have changed since)."""

from django.db import migrations


def fill_from_snapshots(apps, schema_editor):
    Publication = apps.get_model("reviews", "Publication")
    Evaluation = apps.get_model("initiatives", "Evaluation")
    Indicator = apps.get_model("initiatives", "Indicator")
    for publication in Publication.objects.select_related("cycle").order_by("published_at"):
        cycle = publication.cycle
        rows = {row["number"]: row for row in publication.report.get("rows", [])}
        evaluations = Evaluation.objects.filter(
            initiative__plan_id=cycle.plan_id, fiscal_year=cycle.fiscal_year
        ).select_related("initiative")
        for evaluation in evaluations:
            row = rows.get(evaluation.initiative.number)
            if row is None:
                continue
            indicators = Indicator.objects.filter(initiative=evaluation.initiative).order_by("position", "pk")
            # The report lists an initiative's indicators in this order (reviews.reports.cycle_report).
            actuals = {
                str(indicator.pk): reported["actual"]
                for indicator, reported in zip(indicators, row.get("indicators", []), strict=False)
                if reported.get("actual") is not None
            }
            evaluation.stage_reached = row.get("stage_reached", "")
            evaluation.progress = row.get("progress", "")
            evaluation.issues = row.get("issues", "")
            evaluation.kpi_actuals = actuals
            evaluation.save(update_fields=["stage_reached", "progress", "issues", "kpi_actuals"])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0009_survey_workflow"),
        ("initiatives", "0011_published_status"),
    ]

    operations = [migrations.RunPython(fill_from_snapshots, migrations.RunPython.noop)]

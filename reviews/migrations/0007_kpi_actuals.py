"""The survey's one free-text KPI per entry (kpi_name, kpi_unit, kpi_target, kpi_actual) becomes the
initiative's indicators (initiatives.Indicator with a target per year) and the entry's actuals (kpi_actuals)."""

from decimal import Decimal

from django.db import migrations, models

KPI_FIELDS = ["kpi_name", "kpi_unit", "kpi_target", "kpi_actual"]
UNNAMED = "（名称未設定の指標）"


def indicators_from_entries(apps, schema_editor):
    StatusEntry = apps.get_model("reviews", "StatusEntry")
    HistoricalStatusEntry = apps.get_model("reviews", "HistoricalStatusEntry")
    Indicator = apps.get_model("initiatives", "Indicator")
    IndicatorTarget = apps.get_model("initiatives", "IndicatorTarget")

    def recorded(row):
        return row.kpi_name or row.kpi_unit or row.kpi_target is not None or row.kpi_actual is not None

    indicators = {}  # (initiative id, name) -> indicator
    for entry in StatusEntry.objects.select_related("cycle").order_by("cycle__fiscal_year", "pk"):
        if not recorded(entry):
            continue
        name = entry.kpi_name or UNNAMED
        key = (entry.initiative_id, name)
        if key not in indicators:
            position = sum(1 for (i, _n) in indicators if i == entry.initiative_id) + 1
            indicators[key] = Indicator.objects.create(
                initiative_id=entry.initiative_id, position=position, name=name, unit=entry.kpi_unit
            )
        indicator = indicators[key]
        if entry.kpi_target is not None:
            IndicatorTarget.objects.update_or_create(
                indicator=indicator, fiscal_year=entry.cycle.fiscal_year, defaults={"target": entry.kpi_target}
            )
        if entry.kpi_actual is not None:
            entry.kpi_actuals = {str(indicator.pk): str(Decimal(entry.kpi_actual))}
            StatusEntry.objects.filter(pk=entry.pk).update(kpi_actuals=entry.kpi_actuals)
    # Each earlier version keeps its actual, under the indicator of the same initiative and name.
    for record in HistoricalStatusEntry.objects.exclude(kpi_actual=None):
        indicator = indicators.get((record.initiative_id, record.kpi_name or UNNAMED))
        if indicator is not None:
            record.kpi_actuals = {str(indicator.pk): str(Decimal(record.kpi_actual))}
            record.save(update_fields=["kpi_actuals"])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0006_ratings_from_scales"),
        ("initiatives", "0009_indicators"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalstatusentry",
            name="kpi_actuals",
            field=models.JSONField(blank=True, default=dict, verbose_name="指標の実績値"),
        ),
        migrations.AddField(
            model_name="statusentry",
            name="kpi_actuals",
            field=models.JSONField(blank=True, default=dict, verbose_name="指標の実績値"),
        ),
        migrations.RunPython(indicators_from_entries, migrations.RunPython.noop),
        *(
            migrations.RemoveField(model_name=model, name=name)
            for model in ("historicalstatusentry", "statusentry")
            for name in KPI_FIELDS
        ),
    ]

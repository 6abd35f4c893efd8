"""A plan's definition of its own table: the columns (PlanColumn) and their choice lists, copied between plans."""

from plan.models import ColumnChoice


def copy_definition(source, target):
    """The plan's own columns and their choice lists, copied to another plan."""
    for column in source.columns.prefetch_related("choices"):
        choices = list(column.choices.all())
        column.pk, column.plan = None, target
        column.save()
        ColumnChoice.objects.bulk_create(
            ColumnChoice(column=column, position=c.position, word=c.word, description=c.description)
            for c in choices
        )

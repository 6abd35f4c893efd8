"""The citizens' overview of a plan: its initiatives filtered by goal, by the plan's mark and choice columns
and by the published progress, with the count of each. Only published results (Evaluation) are read."""

from urllib.parse import urlencode

from django.utils.translation import gettext as _

from plan.models import ColumnKind

FILTERABLE = (ColumnKind.MARK, ColumnKind.CHOICE, ColumnKind.MULTI_CHOICE)
# The choice for an initiative with no published progress yet.
UNPUBLISHED = "unpublished"


def latest_evaluation(initiative):
    """The latest published year's evaluation, from the prefetched evaluations."""
    return max(initiative.evaluations.all(), key=lambda e: e.fiscal_year, default=None)


def _has(column, initiative, word):
    value = column.value_of(initiative)
    if column.kind == ColumnKind.MARK:
        return bool(value) == (word == "1")
    return value == word or (isinstance(value, list) and word in value)


def facets(plan):
    """Each axis citizens filter by: (name, label, [(value, label)], test(initiative, value))."""
    axes = [
        (
            "goal",
            _("目標"),
            [(g.code, f"（{g.numeral}）{g.title}") for g in plan.goals.order_by("order")],
            lambda i, v: any(g.code == v for g in i.goals.all()),
        )
    ]
    for column in plan.columns.prefetch_related("choices"):
        if column.kind not in FILTERABLE or not column.is_public:
            continue
        if column.kind == ColumnKind.MARK:
            choices = [("1", _("該当")), ("0", _("該当しない"))]
        else:
            choices = [(c.word, c.word) for c in column.choices.all()]
        axes.append((f"col-{column.key}", column.header, choices, lambda i, v, c=column: _has(c, i, v)))
    scale = plan.scale("progress")
    if scale:
        choices = [(w, w) for w in scale.values] + [(UNPUBLISHED, _("未公表"))]
        axes.append(("progress", scale.name, choices, _progress_is))
    return axes


def _progress_is(initiative, value):
    latest = latest_evaluation(initiative)
    if value == UNPUBLISHED:
        return latest is None or not latest.progress
    return latest is not None and latest.progress == value


def overview(plan, initiatives, query):
    """The initiatives that pass the query's filters, and for each axis its choices with the count of those
    initiatives that would pass with that choice too (the link selects it)."""
    axes = facets(plan)
    selected = {name: query.get(name, "") for name, *_rest in axes}
    valid = {name: {v for v, _label in choices} for name, _label, choices, _test in axes}
    selected = {name: value if value in valid[name] else "" for name, value in selected.items()}

    def passes(initiative, skip=None):
        return all(
            not selected[name] or test(initiative, selected[name])
            for name, _label, _choices, test in axes
            if name != skip
        )

    groups = []
    for name, label, choices, test in axes:
        others = [i for i in initiatives if passes(i, skip=name)]
        groups.append(
            {
                "name": name,
                "label": label,
                "selected": selected[name],
                "choices": [
                    {
                        "value": value,
                        "label": choice_label,
                        "count": sum(1 for i in others if test(i, value)),
                        "href": "?" + urlencode({**{k: v for k, v in selected.items() if v}, name: value}),
                    }
                    for value, choice_label in choices
                ],
            }
        )
    matching = [{"initiative": i, "latest": latest_evaluation(i)} for i in initiatives if passes(i)]
    return {"groups": groups, "rows": matching, "filtered": any(selected.values())}

import django_filters
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from initiatives.models import Department, Initiative
from plan.models import ColumnKind, Goal
from reviews import scales
from reviews.models import EntryState, StatusEntry

YES_NO = [("1", _("該当")), ("0", _("該当しない"))]
FILTERABLE = (ColumnKind.MARK, ColumnKind.CHOICE, ColumnKind.MULTI_CHOICE)
# The choice for "not entered yet" on the word axes, so that every count of the dashboard has its rows.
BLANK = "未入力"


def filterable_columns(plan):
    return [c for c in plan.columns.prefetch_related("choices") if c.kind in FILTERABLE]


def column_filter(column):
    choices = YES_NO if column.kind == ColumnKind.MARK else [(c.word, c.word) for c in column.choices.all()]
    return django_filters.ChoiceFilter(
        field_name=column.key,
        label=column.header,
        choices=choices,
        empty_label=_("すべて"),
        method="filter_column",
    )


class WorklistFilter(django_filters.FilterSet):
    goal = django_filters.ModelChoiceFilter(
        field_name="initiative__goals", label=_("目標"), queryset=Goal.objects.none(), empty_label=_("すべて")
    )
    department = django_filters.ModelChoiceFilter(
        field_name="initiative__department",
        label=_("担当課"),
        queryset=Department.objects.order_by("name"),
        empty_label=_("すべて"),
        null_label=_("（未設定）"),
    )
    # The words are the plan's (its rating scales): set per cycle in __init__.
    achievement = django_filters.ChoiceFilter(
        label=_("達成状況"), empty_label=_("すべて"), method="filter_word"
    )
    progress = django_filters.ChoiceFilter(label=_("進捗"), empty_label=_("すべて"), method="filter_word")
    state = django_filters.ChoiceFilter(
        label=_("入力状況"), choices=EntryState.choices, empty_label=_("すべて")
    )
    # What the committee and the clerk look at first: the dashboard's lists link here.
    attention = django_filters.ChoiceFilter(
        label=_("要確認"),
        choices=[("overdue", _("期限超過")), ("contradiction", _("自己評価と年次計画の差"))],
        empty_label=_("すべて"),
        method="filter_attention",
    )

    class Meta:
        model = StatusEntry
        fields = []

    def __init__(self, *args, cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.cycle = cycle
        self.filters["goal"].queryset = Goal.objects.filter(plan=cycle.plan).select_related("plan")
        self.filters["goal"].field.label_from_instance = lambda g: f"（{g.numeral}）{g.title}"
        for name in ("achievement", "progress"):
            words = scales.words(cycle.plan, name)
            self.filters[name].label = cycle.plan.rating_names[name]
            self.filters[name].extra["choices"] = [*((w, gettext(w)) for w in words), (BLANK, _("未入力"))]
        # One filter per mark and choice column of the plan, named by its key, after 担当課.
        self.plan_columns = filterable_columns(cycle.plan)
        added = [(c.key, column_filter(c)) for c in self.plan_columns]
        for _name, column_filter_ in added:
            column_filter_.parent = self
        filters = list(self.filters.items())
        at = [name for name, _f in filters].index("department") + 1
        self.filters = dict(filters[:at] + added + filters[at:])

    def filter_column(self, queryset, name, value):
        column = next(c for c in self.plan_columns if c.key == name)
        values = "initiative__column_values"
        lookup = f"{values}__{name}"
        if column.kind == ColumnKind.MARK and value == "1":
            return queryset.filter(**{lookup: True})
        if column.kind == ColumnKind.MARK:
            # Not marked: the key is absent (an empty value is not stored) or false.
            return queryset.filter(~Q(**{f"{values}__has_key": name}) | Q(**{lookup: False}))
        if column.kind == ColumnKind.MULTI_CHOICE:
            # JSON containment is not in SQLite: the plan's initiatives holding the word, found here.
            ids = [
                pk
                for pk, values in Initiative.objects.filter(plan=column.plan_id).values_list(
                    "pk", "column_values"
                )
                if value in (values.get(name) or [])
            ]
            return queryset.filter(initiative__in=ids)
        return queryset.filter(**{lookup: value})

    def filter_attention(self, queryset, name, value):
        if value == "overdue":
            if not self.cycle.is_overdue():
                return queryset.none()
            return queryset.filter(state__in=EntryState.open_states())
        # The roadmap comparison is the plan's scales' (words and meanings): the entries found here.
        plan = self.cycle.plan
        rows = queryset.values_list("pk", "planned_stage", "stage_reached", "progress")
        ids = [
            pk
            for pk, planned, reached, progress in rows
            if scales.contradiction(plan, planned, reached, progress)
        ]
        return queryset.filter(pk__in=ids)

    def filter_word(self, queryset, name, value):
        return queryset.filter(**{name: "" if value == BLANK else value})

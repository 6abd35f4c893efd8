import django_filters
from django.utils.translation import gettext_lazy as _

from initiatives.models import Achievement, Department
from plan.models import Goal
from reviews.models import EntryState, Progress, StatusEntry

YES_NO = [("1", _("該当")), ("0", _("該当しない"))]
# The choice for "not entered yet" on the word axes, so that every count of the dashboard has its rows.
BLANK = "未入力"


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
    public_private_data = django_filters.ChoiceFilter(
        field_name="initiative__public_private_data",
        label=_("官民データ活用"),
        choices=YES_NO,
        empty_label=_("すべて"),
        method="filter_flag",
    )
    municipal_dx = django_filters.ChoiceFilter(
        field_name="initiative__municipal_dx",
        label=_("自治体DX"),
        choices=YES_NO,
        empty_label=_("すべて"),
        method="filter_flag",
    )
    achievement = django_filters.ChoiceFilter(
        label=_("達成状況"),
        choices=[*Achievement.choices, (BLANK, _("未入力"))],
        empty_label=_("すべて"),
        method="filter_word",
    )
    progress = django_filters.ChoiceFilter(
        label=_("進捗"),
        choices=[*Progress.choices, (BLANK, _("未入力"))],
        empty_label=_("すべて"),
        method="filter_word",
    )
    state = django_filters.ChoiceFilter(
        label=_("入力状況"), choices=EntryState.choices, empty_label=_("すべて")
    )

    class Meta:
        model = StatusEntry
        fields = []

    def __init__(self, *args, cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["goal"].queryset = Goal.objects.filter(plan=cycle.plan).select_related("plan")
        self.filters["goal"].field.label_from_instance = lambda g: f"（{g.numeral}）{g.title}"

    def filter_flag(self, queryset, name, value):
        return queryset.filter(**{name: value == "1"})

    def filter_word(self, queryset, name, value):
        return queryset.filter(**{name: "" if value == BLANK else value})

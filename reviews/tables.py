from urllib.parse import urlencode

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reviews.models import StatusEntry


class WorklistTable(tables.Table):
    number = tables.Column(
        accessor="initiative__number", verbose_name=_("項番"), attrs={"td": {"class": "number"}}
    )
    name = tables.Column(accessor="initiative__name", verbose_name=_("個別計画名"))
    department = tables.Column(accessor="initiative__department__name", verbose_name=_("担当課"), default="")
    planned_stage = tables.Column(verbose_name=_("計画上の段階"), default="")
    state = tables.Column(verbose_name=_("入力状況"))
    stage_reached = tables.Column(verbose_name=_("実施状況"), default="")
    progress = tables.Column(verbose_name=_("進捗"), default="")
    achievement = tables.Column(verbose_name=_("達成状況"), default="")
    updated = tables.Column(
        accessor="updated_at", verbose_name=_("更新"), default="", order_by=("updated_at",)
    )

    class Meta:
        model = StatusEntry
        fields = []
        sequence = [
            "number",
            "name",
            "department",
            "planned_stage",
            "state",
            "stage_reached",
            "progress",
            "achievement",
            "updated",
        ]
        order_by = "number"
        # Paged, with the filters and the order kept in each page's link (reviews.views.cycles.worklist).
        template_name = "tables/paged_table.html"
        attrs = {"class": "worklist", "th": {"scope": "col"}}
        row_attrs = {"id": lambda record: f"entry-{record.initiative.number}"}

    def __init__(self, *args, cycle, next_url="", **kwargs):
        self.cycle = cycle
        self.next_url = next_url
        super().__init__(*args, **kwargs)
        # The ratings under the plan's names for them (each table has its own copy of the columns).
        for name, label in cycle.plan.rating_names.items():
            if name in self.columns.names():
                self.columns[name].column.verbose_name = label

    def render_name(self, record):
        url = reverse("reviews:entry", args=[self.cycle.pk, record.initiative.number])
        if self.next_url:
            url += "?" + urlencode({"next": self.next_url})
        # The name opens the year's entry; the small link beside it, the initiative across all years.
        page = reverse("reviews:initiative", args=[self.cycle.plan.ordinal, record.initiative.number])
        return format_html(
            '<a href="{}">{}</a> <a class="initiative-link" href="{}" aria-label="{}">{}</a>',
            url,
            record.initiative.name,
            page,
            _("項番%(number)dの計画と経過") % {"number": record.initiative.number},
            _("計画と経過"),
        )

    def render_state(self, record):
        return format_html(
            '<span class="entry-state state-{}">{}</span>', record.state, record.get_state_display()
        )

    # The plan's words, in the reader's language where the catalogue knows them (plan/words.py).
    def render_planned_stage(self, value):
        return gettext(value)

    def render_stage_reached(self, value):
        return gettext(value)

    def render_progress(self, value):
        return gettext(value)

    def render_achievement(self, value):
        return gettext(value)

    def render_updated(self, record):
        if not record.updated_at:
            return ""
        who = record.updated_by.get_username() if record.updated_by else ""
        return format_html(
            "{}<br><small>{}</small>", timezone.localtime(record.updated_at).strftime("%Y-%m-%d %H:%M"), who
        )

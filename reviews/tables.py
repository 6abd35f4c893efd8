from urllib.parse import urlencode

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reviews import scales
from reviews.models import EntryState, StatusEntry


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
        template_name = "reviews/partials/worklist_table.html"  # which draws the cells
        attrs = {"class": "worklist", "th": {"scope": "col"}}

    def __init__(self, *args, cycle, next_url="", **kwargs):
        self.cycle = cycle
        self.overdue = cycle.is_overdue()
        self.next_url = next_url
        super().__init__(*args, **kwargs)
        # The ratings under the plan's names for them (each table has its own copy of the columns).
        for name, label in cycle.plan.rating_names.items():
            if name in self.columns.names():
                self.columns[name].column.verbose_name = label

    def body(self):
        """The rows of the page shown, as HTML: each column's cell for each entry, in the columns' order."""
        cells = [(column.name, CELLS[column.name]) for column in self.columns]
        rows = []
        for row in self.paginated_rows:
            entry = row.record
            html = format_html_join("", "{}", ((cell(self, entry),) for _name, cell in cells))
            rows.append(format_html('<tr id="entry-{}">{}</tr>', entry.initiative.number, html))
        if not rows:
            return format_html('<tr><td colspan="{}">{}</td></tr>', len(cells), self.empty_text or "")
        return format_html_join("\n", "{}", ((r,) for r in rows))

    def _state_cell(self, entry):
        state = format_html(
            '<span class="entry-state state-{}">{}</span>', entry.state, entry.get_state_display()
        )
        if self.overdue and entry.state in EntryState.open_states():
            state = format_html('{} <strong class="overdue">{}</strong>', state, _("期限超過"))
        return format_html("<td>{}</td>", state)

    def _progress_cell(self, entry):
        """The word, and where it contradicts the roadmap, the flag with the roadmap's word."""
        differs = scales.contradiction(
            self.cycle.plan, getattr(entry, "planned_stage", ""), entry.stage_reached, entry.progress
        )
        if not differs:
            return _word(entry.progress)
        return format_html(
            '<td>{} <span class="contradiction">{}</span></td>',
            gettext(entry.progress),
            _("自己評価と年次計画の差（年次計画では%(word)s）") % {"word": gettext(differs["roadmap"])},
        )

    def _name_cell(self, entry):
        number = entry.initiative.number
        url = reverse("reviews:entry", args=[self.cycle.pk, number])
        if self.next_url:
            url += "?" + urlencode({"next": self.next_url})
        # The name opens the year's entry; the small link beside it, the initiative across all years.
        page = reverse("reviews:initiative", args=[self.cycle.plan.ordinal, number])
        return format_html(
            '<td><a href="{}">{}</a> <a class="initiative-link" href="{}" aria-label="{}">{}</a></td>',
            url,
            entry.initiative.name,
            page,
            _("項番%(number)dの計画と経過") % {"number": number},
            _("計画と経過"),
        )


def _word(value):
    """A plan's word in the reader's language where the catalogue knows it (plan/words.py)."""
    return format_html("<td>{}</td>", gettext(value) if value else "")


def _updated(entry):
    if not entry.updated_at:
        return mark_safe("<td></td>")
    who = entry.updated_by.get_username() if entry.updated_by else ""
    when = timezone.localtime(entry.updated_at).strftime("%Y-%m-%d %H:%M")
    return format_html("<td>{}<br><small>{}</small></td>", when, who)


# How each column draws its cell of an entry.
CELLS = {
    "number": lambda table, e: format_html('<td class="number">{}</td>', e.initiative.number),
    "name": lambda table, e: table._name_cell(e),
    "department": lambda table, e: format_html(
        "<td>{}</td>", e.initiative.department.name if e.initiative.department_id else ""
    ),
    "planned_stage": lambda table, e: _word(getattr(e, "planned_stage", "") or ""),
    "state": lambda table, e: table._state_cell(e),
    "stage_reached": lambda table, e: _word(e.stage_reached),
    "progress": lambda table, e: table._progress_cell(e),
    "achievement": lambda table, e: _word(e.achievement),
    "updated": lambda table, e: _updated(e),
}

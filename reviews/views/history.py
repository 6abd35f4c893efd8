"""Comparing two saved versions of a status entry."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reviews import roles
from reviews.entries import NoSuchVersion, compare_versions
from reviews.forms import VersionCompareForm


@login_required
@require_GET
def entry_compare(request, cycle_id, number):
    cycle = roles.get_cycle(request, cycle_id)
    entry = roles.get_entry(request, cycle, number)
    context = {"cycle": cycle, "entry": entry, "initiative": entry.initiative}
    form = VersionCompareForm(request.GET)
    if not form.is_valid():
        context["error"] = _("比べる二つの版が指定されていません。変更履歴から二つの版を選んでください。")
        return render(request, "reviews/entry_compare.html", context, status=404)
    try:
        older, newer, changes = compare_versions(entry, form.cleaned_data["old"], form.cleaned_data["new"])
    except NoSuchVersion as missing:
        context["error"] = _(
            "この入力欄には第%(versions)s版がありません。変更履歴から二つの版を選んでください。"
        ) % {"versions": "、".join(str(n) for n in missing.numbers)}
        return render(request, "reviews/entry_compare.html", context, status=404)
    context.update(older=older, newer=newer, changes=changes)
    return render(request, "reviews/entry_compare.html", context)

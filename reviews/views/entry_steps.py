"""The steps on one entry between its department and 情報管理課: 提出, 確認, 差戻し and comments (reviews.workflow)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from reviews import roles, workflow
from reviews.entries import EntryLocked
from reviews.forms import EntryStepForm
from reviews.models import EntryEvent

Kind = EntryEvent.Kind

DONE = {
    Kind.SUBMIT: gettext_lazy("項番 %(number)d を提出しました。情報管理課が確認します。"),
    Kind.CONFIRM: gettext_lazy("項番 %(number)d を確認済にしました。"),
    Kind.RETURN: gettext_lazy("項番 %(number)d を担当課に差し戻しました。"),
    Kind.COMMENT: gettext_lazy("項番 %(number)d にコメントしました。"),
}


@login_required
@require_POST
def entry_step(request, cycle_id, number):
    cycle = roles.get_cycle(request, cycle_id)
    entry = roles.get_entry(request, cycle, number)
    page = reverse("reviews:entry", args=[cycle.pk, number])
    form = EntryStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("操作を受け付けられませんでした。画面を開き直してください。"))
        return redirect(page)
    kind = Kind(form.cleaned_data["step"])
    roles.require(request, roles.can_take_entry_step(request.user, entry, kind), f"entry step {kind}")
    try:
        workflow.take(
            entry, kind, request.user, form.cleaned_data["based_on_version"], form.cleaned_data["comment"]
        )
    except workflow.StepRefused as refused:
        messages.error(request, str(refused))
    except EntryLocked as locked:
        messages.error(
            request,
            _("この調査は「%(state)s」のため、操作できませんでした。")
            % {"state": locked.cycle.get_state_display()},
        )
    else:
        messages.success(request, DONE[kind] % {"number": number})
    return redirect(page)

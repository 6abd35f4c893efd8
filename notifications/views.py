"""A person's own notifications: the list, one notification (opening it marks it read), and their settings.

Every notification is reached through its owner (request.user.notifications): nobody opens another's.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications.forms import PreferenceForm
from notifications.models import Notification, Preference


@login_required
def notification_list(request):
    # As plan.paging pages every other list (this app sits below plan): past the end, the last page.
    page = Paginator(Notification.objects.for_list(request.user), settings.NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.elided_range = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return render(request, "notifications/list.html", {"page_obj": page, "notifications": list(page)})


@login_required
def notification_detail(request, notification_id):
    notification = get_object_or_404(request.user.notifications, pk=notification_id)
    if notification.is_unread:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return render(request, "notifications/detail.html", {"notification": notification})


@login_required
@require_POST
def mark_all_read(request):
    count = Notification.objects.unread(request.user).update(read_at=timezone.now())
    if count:
        messages.success(request, _("%(count)d件の通知を既読にしました。") % {"count": count})
    return redirect("notifications:list")


@login_required
def preference(request):
    current = Preference.objects.filter(user=request.user).first() or Preference(user=request.user)
    form = PreferenceForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # Two tabs saving a first choice at once make one row, not an error.
            Preference.objects.update_or_create(
                user=request.user, defaults={"email": form.cleaned_data["email"]}
            )
        messages.success(request, _("通知の設定を保存しました。"))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})

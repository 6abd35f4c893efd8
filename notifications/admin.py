from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.models import Notification, Preference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Who was told what and when, and whether the e-mail went out: read only, as the application wrote it."""

    list_display = ["created_at", "user", "subject_shown", "read_at", "email_status", "email_sent_at"]
    list_filter = ["email_status", ("read_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "subject"]
    readonly_fields = [
        "created_at",
        "user",
        "subject_shown",
        "body_shown",
        "lines_shown",
        "comment",
        "links",
        "key",
        "read_at",
        "email_status",
        "email_sent_at",
        "email_attempts",
        "email_tried_at",
        "email_error",
    ]
    fields = readonly_fields

    @admin.display(description=_("件名"))
    def subject_shown(self, obj):
        return obj.subject_text

    @admin.display(description=_("本文"))
    def body_shown(self, obj):
        return obj.body_text

    @admin.display(description=_("一覧"))
    def lines_shown(self, obj):
        return " / ".join(obj.line_texts)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]

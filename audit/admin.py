"""The audit trail in the Django admin: administrators read and filter it; nobody adds, changes or deletes.

Viewing needs the permission audit.view_auditevent: superusers have it, and the システム管理者 group gets it
(reviews/apps.py). The admin also records its bulk deletions here, which Django logs without a save signal.
"""

from django.contrib import admin
from django.contrib.admin import actions
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent, AuditKind
from audit.trail import record, target_of


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "kind", "actor", "ip_address", "object_type", "object_repr", "detail"]
    list_filter = ["kind", "timestamp", "user"]
    search_fields = ["username", "object_repr", "object_id", "detail"]
    date_hierarchy = "timestamp"
    ordering = ["-timestamp", "-id"]
    list_select_related = ["user"]
    fields = [
        "timestamp",
        "kind",
        "user",
        "username",
        "ip_address",
        "object_type",
        "object_id",
        "object_repr",
        "detail",
    ]
    readonly_fields = fields

    @admin.display(description=_("利用者"), ordering="username")
    def actor(self, event):
        return event.username or "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(permissions=["delete"], description=actions.delete_selected.short_description)
def delete_selected(modeladmin, request, queryset):
    """Django's own bulk delete, recorded: its log entries are bulk-created and send no post_save."""
    targets = [target_of(obj) for obj in queryset]
    response = actions.delete_selected(modeladmin, request, queryset)
    if response is None:  # confirmed and done; otherwise it is the confirmation page
        for target in targets:
            record(AuditKind.ADMIN_CHANGE, request=request, obj=target, detail="削除（一括）")
    return response


admin.site.add_action(delete_selected, "delete_selected")

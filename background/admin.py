from django.contrib import admin

from background.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """What ran in the background, for the administrator: read only, as the work itself wrote it."""

    list_display = ["created_at", "label", "args", "requested_by", "state", "finished_at"]
    list_filter = ["state"]
    exclude = ["content", "source"]  # the files themselves: the requester downloads from the job's page
    readonly_fields = [f.name for f in Job._meta.fields if f.name not in ("content", "source")]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

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


# django-tasks' own admin, with its one unnamed column named (the library's task_name property has no words).
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskRecordAdmin(DBTaskResultAdmin):
    list_display = [
        "id",
        "task",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "priority",
        "queue_name",
    ]

    @admin.display(description=_("処理"), ordering="task_path")
    def task(self, obj):
        return obj.task_name

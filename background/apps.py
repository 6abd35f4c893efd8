from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class BackgroundConfig(AppConfig):
    """Long work done by the task worker (django-tasks), and what its requester sees of it."""

    name = "background"
    verbose_name = _("バックグラウンド処理")


class TaskRecordsConfig(TasksAppConfig):
    """django-tasks' database backend, named in the city's words on the admin index: the library's names are
    English and it ships no Japanese translation."""

    verbose_name = _("ワーカーの実行記録")

    def ready(self):
        super().ready()
        from django_tasks_db.models import DBTaskResult

        DBTaskResult._meta.verbose_name = _("実行記録")
        DBTaskResult._meta.verbose_name_plural = _("実行記録")

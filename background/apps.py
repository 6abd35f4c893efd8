from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class BackgroundConfig(AppConfig):
    """Long work done by the task worker (django-tasks), and what its requester sees of it."""

    # The module holds a second AppConfig (for django-tasks' backend); without this Django would take neither.
    default = True
    name = "background"
    verbose_name = _("バックグラウンド処理")


class TaskRecordsConfig(TasksAppConfig):
    """django-tasks' database backend, named in the city's words on the admin index (its models' and fields'
    words are in locale/ja: the library ships no Japanese)."""

    verbose_name = _("ワーカーの実行記録")

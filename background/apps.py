from django.apps import AppConfig


class BackgroundConfig(AppConfig):
    """Long work done by the task worker (django-tasks), and what its requester sees of it."""

    name = "background"
    verbose_name = "バックグラウンド処理"

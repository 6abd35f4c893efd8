from django.apps import AppConfig


class CachingConfig(AppConfig):
    """Pages kept in Django's cache until the data behind them changes (caching/pages.py)."""

    name = "caching"
    verbose_name = "キャッシュ"

    def ready(self):
        from caching import pages

        pages.connect()

from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """`manage.py bench` and the load test: measurements of the application, run against scratch databases."""

    name = "benchmarks"
    verbose_name = "性能測定"

"""The application's URLs, and the floor: a fixed response through the same middleware."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import handler500  # noqa: F401  (the root URLconf names the 500 page)


def floor(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("", include("config.urls")),
]

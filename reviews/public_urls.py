from django.urls import path, re_path

from reviews.views import open_data, public

app_name = "published"

urlpatterns = [
    path("", public.published_list, name="list"),
    path("feed.atom", open_data.publications_feed, name="feed"),
    path("<int:ordinal>/<int:year>/", public.published_report, name="report"),
    re_path(
        r"^(?P<ordinal>\d+)/(?P<year>\d{4})\.(?P<fmt>html|pdf|xlsx|csv|json)$",
        public.published_file,
        name="file",
    ),
]

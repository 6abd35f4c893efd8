from django.contrib import admin
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from onboarding.views import bulk_import_view
from plan.models import CitySettings
from reviews.views import open_data


def _site_header():
    city = CitySettings.current().city
    return f"{city} {gettext('情報化推進計画 進捗管理')}" if city else gettext("情報化推進計画 進捗管理")


# Read when each admin page is drawn, so that a change of the city's name shows at once.
admin.site.site_header = lazy(_site_header, str)()
admin.site.site_title = _("情報化推進計画 進捗管理")
admin.site.index_title = _("管理")

urlpatterns = [
    path("admin/bulk-import/", admin.site.admin_view(bulk_import_view), name="onboarding_bulk_import"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("reviews/", include("reviews.urls")),
    path("published/", include("reviews.public_urls")),
    path("open-data/schema/<slug:name>.json", open_data.open_data_schema, name="open_data_schema"),
    path("open-data/catalog.jsonld", open_data.open_data_catalog, name="open_data_catalog"),
    path("jobs/", include("background.urls")),
    path("notifications/", include("notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("initiatives.urls")),
]

# Self-contained Japanese error pages: a 500 or a database outage (503) must render without the database.
handler500 = "config.errors.server_error"

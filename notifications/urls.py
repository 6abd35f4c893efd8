from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:notification_id>/", views.notification_detail, name="detail"),
    path("read/", views.mark_all_read, name="mark_all_read"),
    path("settings/", views.preference, name="settings"),
]

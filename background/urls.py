from django.urls import path

from background import views

app_name = "background"

urlpatterns = [
    path("<uuid:job_id>/", views.job_page, name="job"),
    path("<uuid:job_id>/file", views.job_file, name="job_file"),
]

from django.urls import path, re_path

from initiatives import views

app_name = "initiatives"

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/<int:ordinal>/", views.plan_table, name="plan_table"),
    path("plans/<int:ordinal>/overview/", views.plan_overview, name="overview"),
    path("plans/<int:ordinal>/<int:number>/", views.initiative_page, name="initiative"),
    re_path(r"^open-data/plans/(?P<ordinal>\d+)\.(?P<fmt>json|csv|xlsx)$", views.download, name="download"),
]

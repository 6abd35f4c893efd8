from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.cycle_list, name="cycle_list"),
    path("new/", views.cycle_create, name="cycle_create"),
    path("<int:cycle_id>/", views.worklist, name="worklist"),
    path("<int:cycle_id>/action/", views.cycle_action, name="cycle_action"),
    path("<int:cycle_id>/entries/<int:number>/", views.entry, name="entry"),
]

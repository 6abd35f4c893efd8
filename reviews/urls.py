from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.cycle_list, name="cycle_list"),
    path("new/", views.cycle_create, name="cycle_create"),
    path("<int:cycle_id>/", views.worklist, name="worklist"),
    path("<int:cycle_id>/action/", views.cycle_action, name="cycle_action"),
    path("<int:cycle_id>/entries/<int:number>/", views.entry, name="entry"),
    path(
        "<int:cycle_id>/workbooks/<int:department_id>.xlsx", views.workbook_download, name="workbook_download"
    ),
    path("<int:cycle_id>/workbooks/upload/", views.workbook_upload, name="workbook_upload"),
    path("<int:cycle_id>/workbooks/confirm/", views.workbook_confirm, name="workbook_confirm"),
]

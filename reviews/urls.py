from django.urls import path, re_path

from reviews import dashboard, final, views

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
    path("<int:cycle_id>/dashboard/", dashboard.dashboard, name="dashboard"),
    path("plans/<int:ordinal>/initiatives/<int:number>/", dashboard.initiative, name="initiative"),
    path("<int:cycle_id>/report/", views.report, name="report"),
    re_path(r"^(?P<cycle_id>\d+)/report\.(?P<fmt>html|pdf|xlsx)$", views.report_file, name="report_file"),
    path("plans/<int:ordinal>/final/", final.final_table_page, name="final_table"),
    path("plans/<int:ordinal>/final/xlsx/", final.final_table_xlsx, name="final_table_xlsx"),
    path("plans/<int:ordinal>/final/next-plan/", final.start_next_plan_view, name="start_next_plan"),
]

from django.urls import path, re_path

from reviews.views import cycles, dashboard, entry_steps, final, history, survey

app_name = "reviews"

urlpatterns = [
    path("", cycles.cycle_list, name="cycle_list"),
    path("new/", cycles.cycle_create, name="cycle_create"),
    path("<int:cycle_id>/", cycles.worklist, name="worklist"),
    path("<int:cycle_id>/action/", cycles.cycle_step, name="cycle_step"),
    path("<int:cycle_id>/entries/<int:number>/", cycles.entry, name="entry"),
    path("<int:cycle_id>/entries/<int:number>/step/", entry_steps.entry_step, name="entry_step"),
    path("<int:cycle_id>/schedule/", survey.schedule, name="schedule"),
    path("<int:cycle_id>/action/<str:step>/", survey.confirm_step, name="confirm_step"),
    path("<int:cycle_id>/entries/<int:number>/versions/", history.entry_compare, name="entry_compare"),
    path(
        "<int:cycle_id>/workbooks/<int:department_id>.xlsx",
        cycles.workbook_download,
        name="workbook_download",
    ),
    path("<int:cycle_id>/workbooks/upload/", cycles.workbook_upload, name="workbook_upload"),
    path("<int:cycle_id>/workbooks/confirm/", cycles.workbook_confirm, name="workbook_confirm"),
    path("<int:cycle_id>/dashboard/", dashboard.dashboard, name="dashboard"),
    path("plans/<int:ordinal>/initiatives/<int:number>/", dashboard.initiative, name="initiative"),
    path("<int:cycle_id>/report/", cycles.report, name="report"),
    re_path(r"^(?P<cycle_id>\d+)/report\.(?P<fmt>html|pdf|xlsx)$", cycles.report_file, name="report_file"),
    path("plans/<int:ordinal>/final/", final.final_table_page, name="final_table"),
    path("plans/<int:ordinal>/final/xlsx/", final.final_table_xlsx, name="final_table_xlsx"),
    path("plans/<int:ordinal>/final/next-plan/", final.start_next_plan_view, name="start_next_plan"),
]

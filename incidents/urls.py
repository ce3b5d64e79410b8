from django.urls import path

from incidents.views import handling, hotline, member, staff

app_name = "incidents"
urlpatterns = [
    path("", staff.queue, name="queue"),
    path("report/", member.quick_report, name="quick_report"),
    path("hotline/", hotline.hotline_call, name="hotline_call"),
    path("export.csv", staff.queue_export, {"file_format": "csv"}, name="export_csv"),
    path("export.xlsx", staff.queue_export, {"file_format": "xlsx"}, name="export_xlsx"),
    path("supervision/", staff.supervision_register, name="supervision_register"),
    path("suggest/", handling.suggest, name="suggest"),
    path("bulk/", handling.bulk, name="bulk"),
    path("join/<int:pk>/", handling.join, name="join"),
    path("<int:pk>/", staff.detail, name="detail"),
    path("number/<str:code>/", staff.by_code, name="by_code"),
    path("<int:pk>/photos/<int:attachment_id>/", staff.photo, name="photo"),
    path("<int:pk>/callback/", staff.callback_close, name="callback_close"),
    path("<int:pk>/reporter-phone/", staff.reporter_phone, name="reporter_phone"),
    path("<int:pk>/<slug:action>/", staff.action, name="action"),
]

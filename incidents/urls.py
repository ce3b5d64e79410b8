from django.urls import path

from incidents import handling_views, member_views, views

app_name = "incidents"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("report/", member_views.quick_report, name="quick_report"),
    path("export.csv", views.queue_export, {"file_format": "csv"}, name="export_csv"),
    path("export.xlsx", views.queue_export, {"file_format": "xlsx"}, name="export_xlsx"),
    path("suggest/", handling_views.suggest, name="suggest"),
    path("bulk/", handling_views.bulk, name="bulk"),
    path("join/<int:pk>/", handling_views.join, name="join"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/photos/<int:attachment_id>/", views.photo, name="photo"),
    path("<int:pk>/<slug:action>/", views.action, name="action"),
]

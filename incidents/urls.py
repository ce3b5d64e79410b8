from django.urls import path

from incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("export.csv", views.queue_export, {"file_format": "csv"}, name="export_csv"),
    path("export.xlsx", views.queue_export, {"file_format": "xlsx"}, name="export_xlsx"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/photos/<int:attachment_id>/", views.photo, name="photo"),
    path("<int:pk>/<slug:action>/", views.action, name="action"),
]

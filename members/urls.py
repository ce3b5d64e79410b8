from django.urls import path

from members import views

app_name = "members"
urlpatterns = [
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/export.csv", views.resident_export, name="resident_export"),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("access-log/", views.access_log, name="access_log"),
]

from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("map/", views.map_data, name="map"),
    path("map/cases/", views.map_cases, name="map_cases"),
    path("export/", views.export, name="export"),
    path("workload/", views.workload, name="workload"),
    path("cockpit/", views.cockpit, name="cockpit"),
    path("cockpit/map/", views.cockpit_map, name="cockpit_map"),
]

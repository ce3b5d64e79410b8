from django.urls import path

from grids import views

app_name = "grids"
urlpatterns = [
    path("map/", views.grid_map, name="map"),
    path("map/grids.geojson", views.grid_geojson, name="geojson"),
    path("places/", views.places, name="places"),
]

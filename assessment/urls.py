from django.urls import path

from assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
    path("scheme/", views.scheme, name="scheme"),
    path("close/", views.close_month, name="close"),
    path("bulletins/<int:pk>/", views.bulletin, name="bulletin"),
    path("bulletins/<int:pk>/xlsx/", views.bulletin_xlsx, name="bulletin_xlsx"),
]

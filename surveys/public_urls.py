from django.urls import path

from surveys import public_views

app_name = "survey_public"
urlpatterns = [
    path("<str:token>/", public_views.answer, name="answer"),
    path("<str:token>/g/<str:grid_code>/", public_views.answer, name="answer_grid"),
    path("<str:token>/done/", public_views.done, name="done"),
]

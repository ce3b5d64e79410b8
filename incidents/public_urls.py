from django.urls import path

from incidents import public_views

app_name = "public"
urlpatterns = [
    path("", public_views.request_new, name="new"),
    path("sent/", public_views.request_done, name="done"),
    path("track/", public_views.track, name="track"),
    path("track/rate/", public_views.rate, name="rate"),
    path("mine/", public_views.mine, name="mine"),
    path("suggest/", public_views.suggest, name="suggest"),
    path("join/", public_views.join, name="join"),
    path("joined/", public_views.joined, name="joined"),
]

from django.urls import path

from incidents.views import public

app_name = "public"
urlpatterns = [
    path("", public.request_new, name="new"),
    path("sent/", public.request_done, name="done"),
    path("track/", public.track, name="track"),
    path("track/rate/", public.rate, name="rate"),
    path("mine/", public.mine, name="mine"),
    path("suggest/", public.suggest, name="suggest"),
    path("join/", public.join, name="join"),
    path("joined/", public.joined, name="joined"),
]

from django.urls import path

from incidents.views import public

app_name = "public"
urlpatterns = [
    path("", public.request_new, name="new"),
    path("sent/", public.request_done, name="done"),
    path("track/", public.track, name="track"),
    path("track/rate/", public.rate, name="rate"),
    path("t/<str:token>/", public.track_link, name="track_link"),
    path("t/<str:token>/photos/<int:attachment_id>/", public.result_photo, name="result_photo"),
    path("mine/", public.mine, name="mine"),
    path("suggest/", public.suggest, name="suggest"),
    path("join/", public.join, name="join"),
    path("joined/", public.joined, name="joined"),
]

from django.urls import re_path

from incidents.open311 import views

FMT = r"(?P<fmt>json|xml)"

app_name = "open311"
urlpatterns = [
    re_path(rf"^discovery\.{FMT}$", views.discovery, name="discovery"),
    re_path(rf"^services\.{FMT}$", views.services, name="services"),
    re_path(
        rf"^services/(?P<service_code>[-\w]{{1,40}})\.{FMT}$",
        views.service_definition,
        name="service",
    ),
    re_path(rf"^requests\.{FMT}$", views.requests, name="requests"),
    re_path(
        rf"^requests/(?P<service_request_id>[-\w]{{1,32}})\.{FMT}$",
        views.request_detail,
        name="request",
    ),
    re_path(rf"^tokens/(?P<token>[-\w]{{1,64}})\.{FMT}$", views.token_detail, name="token"),
]

"""The platform's URLs and a bare Django JSON view: the floor a Django request costs on
this server (middleware, routing, a JSON body; no database, no cache)."""

from django.http import JsonResponse
from django.urls import path

from grid_platform.urls import urlpatterns as platform_urlpatterns


def bare(request):
    return JsonResponse({"ok": True, "items": list(range(20))})


urlpatterns = [path("bench/bare.json", bare, name="bench_bare"), *platform_urlpatterns]

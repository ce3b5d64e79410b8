"""Bench-only URLs: the platform's, and a bare Django JSON view to compare the public
Open311 list with on the same server (bench/county.py). Never in the production URLs."""

from django.http import JsonResponse
from django.urls import path

from grid_platform.urls import urlpatterns as platform_urlpatterns


def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare.json", bare), *platform_urlpatterns]

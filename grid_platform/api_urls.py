"""The REST API under /api/: every app's viewsets on one router, the OpenAPI schema and
its two readers (Swagger UI, ReDoc), served from local files (drf-spectacular-sidecar)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.decorators import api_view, permission_classes, schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from dashboard.api import cockpit_api
from grids.api.views import GridViewSet, RegionViewSet
from incidents.api.hotline import HotlineOrderView
from incidents.api.views import (
    CaseAttachmentViewSet,
    CaseViewSet,
    CategoryViewSet,
    DepartmentViewSet,
    ReasonCodeViewSet,
)
from members.api.views import (
    GridAssignmentViewSet,
    GridMemberViewSet,
    HouseholdViewSet,
    NotificationViewSet,
    PatrolLogViewSet,
    ResidentViewSet,
)
from surveys.api.views import SurveyViewSet


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@permission_classes([AllowAny])
@schema(None)
def not_found(request: Request) -> Response:
    raise NotFound


router = DefaultRouter()
router.include_root_view = False
router.register("regions", RegionViewSet, basename="region")
router.register("grids", GridViewSet, basename="grid")
router.register("members", GridMemberViewSet, basename="gridmember")
router.register("assignments", GridAssignmentViewSet, basename="gridassignment")
router.register("households", HouseholdViewSet, basename="household")
router.register("residents", ResidentViewSet, basename="resident")
router.register("patrols", PatrolLogViewSet, basename="patrollog")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("categories", CategoryViewSet, basename="category")
router.register("departments", DepartmentViewSet, basename="department")
router.register("reason-codes", ReasonCodeViewSet, basename="reasoncode")
router.register("cases", CaseViewSet, basename="case")
router.register("surveys", SurveyViewSet, basename="survey")
router.register(
    r"cases/(?P<case_pk>[0-9]+)/attachments", CaseAttachmentViewSet, basename="case-attachment"
)

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("hotline/orders/", HotlineOrderView.as_view(), name="hotline-orders"),
    path("cockpit/", cockpit_api, name="cockpit"),
    path("", include(router.urls)),
    # Anything else under /api/ (an id that is not a number...) answers in JSON too.
    re_path(r"", not_found),
]

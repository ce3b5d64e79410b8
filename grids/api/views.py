"""Regions and grids, read-only, through the same funnel as the map (grids.permissions)."""

import dataclasses
import math

import django_filters
from django.contrib.gis.geos import Polygon
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework_gis.filters import InBBoxFilter
from rest_framework_gis.pagination import GeoJsonPagination

from core.api import Pagination, requires
from core.roles import is_platform_admin
from grids.api.serializers import (
    FEATURE_COLLECTION_DESCRIPTION,
    GridImportResultSerializer,
    GridSerializer,
    RegionSerializer,
)
from grids.geojson import grids_export_geojson, grids_import_geojson
from grids.models import Grid, Region
from grids.permissions import grids_visible_to, regions_visible_to


class IsPlatformAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_platform_admin(request.user)


class RegionFilter(django_filters.FilterSet):
    """Both filters use indexes: the parent's foreign key and the path prefix."""

    within = django_filters.CharFilter(
        method="filter_within", help_text="Division code: the region and everything under it."
    )

    class Meta:
        model = Region
        fields = ["parent"]

    def filter_within(self, queryset, name, value):
        top = Region.objects.filter(code=value).only("path").first()
        return queryset.within(top) if top is not None else queryset.none()


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """The rungs of the ladder the caller may see (jurisdiction subtree, or the villages of
    a grid member's grids)."""

    serializer_class = RegionSerializer
    permission_classes = [requires("grids.view_region")]
    filterset_class = RegionFilter
    queryset = Region.objects.none()

    def get_queryset(self):
        return regions_visible_to(self.request.user).defer("boundary").order_by("path")


class GridFilter(django_filters.FilterSet):
    class Meta:
        model = Grid
        fields = ["village"]


class GridGeoJsonPagination(GeoJsonPagination):
    """The API's page sizes (core.api.Pagination), as a FeatureCollection."""

    page_size = Pagination.page_size
    page_size_query_param = Pagination.page_size_query_param
    max_page_size = Pagination.max_page_size

    def get_paginated_response_schema(self, schema):
        """A FeatureCollection of Grid features with the page's links (rest_framework_gis
        describes the features as a list of collections)."""
        page = super(GeoJsonPagination, self).get_paginated_response_schema(schema)
        properties = page["properties"]
        properties.pop("results")
        properties["type"] = {"type": "string", "enum": ["FeatureCollection"]}
        properties["features"] = {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Grid"},
        }
        page["required"] = ["type", "count", "features"]
        return page


class BBoxFilter(InBBoxFilter):
    """rest_framework_gis's bbox filter, refusing what is not a box of WGS84 degrees."""

    def get_filter_bbox(self, request):
        raw = request.query_params.get(self.bbox_param)
        if not raw:
            return None
        try:
            x0, y0, x1, y1 = (float(part) for part in raw.split(","))
        except ValueError:
            x0 = math.nan
        in_range = math.isfinite(x0) and (
            -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90  # nan compares False
        )
        if not in_range:
            raise ParseError(_("in_bbox must be min_lon,min_lat,max_lon,max_lat in degrees."))
        return Polygon.from_bbox((x0, y0, x1, y1))


class GridViewSet(viewsets.ReadOnlyModelViewSet):
    """Grids as GeoJSON. ``in_bbox=min_lon,min_lat,max_lon,max_lat`` uses the spatial index."""

    serializer_class = GridSerializer
    permission_classes = [requires("grids.view_grid")]
    filterset_class = GridFilter
    pagination_class = GridGeoJsonPagination
    filter_backends = [*viewsets.ReadOnlyModelViewSet.filter_backends, BBoxFilter]
    bbox_filter_field = "boundary"
    bbox_filter_include_overlapping = True
    queryset = Grid.objects.none()

    def get_queryset(self):
        return (
            grids_visible_to(self.request.user)
            .select_related("village")
            .defer("village__boundary")
            .order_by("code")
        )

    @extend_schema(
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT, description="A GeoJSON FeatureCollection (import format)."
            )
        },
        summary="The caller's grids in the import format (with their regions' codes)",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def export(self, request):
        return Response(grids_export_geojson(grids=self.get_queryset()))

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        description=FEATURE_COLLECTION_DESCRIPTION,
        parameters=[OpenApiParameter("dry_run", bool, description="Check, then roll back.")],
        responses={200: GridImportResultSerializer, 400: GridImportResultSerializer},
        summary="Import grids from GeoJSON: all or nothing (platform administrators)",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        pagination_class=None,
        filter_backends=[],
        permission_classes=[IsPlatformAdmin],
        parser_classes=[JSONParser],
    )
    def import_grids(self, request):
        """The import of grids.geojson, as `manage.py import_grids`: it creates regions from
        the properties, so it is for administrators of the whole platform."""
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
        if not isinstance(request.data, dict):
            raise ParseError(_("Send a GeoJSON FeatureCollection."))
        result = grids_import_geojson(data=dict(request.data), dry_run=dry_run)
        body = {**dataclasses.asdict(result), "dry_run": dry_run}
        return Response(body, status=400 if result.errors else 200)

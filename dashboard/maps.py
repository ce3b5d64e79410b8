"""The dashboard map's case layer, read by the box in view (core.clusters).

The map shows the open cases opened in the period, scoped like every figure of the
dashboard (incidents.permissions.incidents_visible_to). A view that holds at most
``POINT_LIMIT`` of them gets each case with what its popup shows; a wider one gets
clusters with their count, centroid and box, so that zooming into a cluster, or listing it
(``case_list``), reaches every case. Nothing is capped.
"""

import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from core.clusters import BBox, Layer, cluster_layer, list_page
from dashboard.periods import Period
from grids.selectors import GEOJSON_PRECISION
from incidents.models import Incident
from incidents.permissions import incidents_visible_to
from incidents.querysets import IncidentQuerySet
from members.actors import Actor

# Points up to this many in view; clusters beyond.
POINT_LIMIT = 500
LIST_PAGE_SIZE = 50
COLUMNS = ("code", "title", "status", "deadline")


def _map_cases(user: Actor, period: Period) -> IncidentQuerySet[Incident]:
    return incidents_visible_to(user).filter(
        Q(created_at__gte=period.start_at, created_at__lt=period.end_at),
        status__in=Incident.OPEN_STATUSES,
        location__isnull=False,
    )


def case_layer(
    user: Actor,
    period: Period,
    *,
    bbox: BBox,
    zoom: int,
    now: datetime.datetime | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """The open cases of the period in the box: points, or clusters. Two queries at most."""
    layer = cluster_layer(
        _map_cases(user, period),
        field="location",
        bbox=bbox,
        zoom=zoom,
        columns=COLUMNS,
        limit=POINT_LIMIT if limit is None else limit,
    )
    if layer.kind == "points":
        return {
            "kind": "points",
            "total": layer.total,
            "cases": _case_features(layer.rows, now or timezone.now()),
        }
    return {"kind": "clusters", "total": layer.total, "clusters": _cluster_features(layer)}


def case_list(
    user: Actor,
    period: Period,
    *,
    bbox: BBox,
    offset: int,
    now: datetime.datetime | None = None,
    size: int | None = None,
) -> dict[str, Any]:
    """A page of the open cases of the period in the box, by id: one query."""
    rows, next_offset = list_page(
        _map_cases(user, period),
        field="location",
        bbox=bbox,
        columns=COLUMNS,
        offset=offset,
        size=LIST_PAGE_SIZE if size is None else size,
    )
    return {
        "kind": "list",
        "offset": offset,
        "next_offset": next_offset,
        "cases": _case_features(rows, now or timezone.now()),
    }


def _point(x: float, y: float) -> dict[str, Any]:
    coordinates = [round(x, GEOJSON_PRECISION), round(y, GEOJSON_PRECISION)]
    return {"type": "Point", "coordinates": coordinates}


def _case_features(rows: list[dict[str, Any]], now: datetime.datetime) -> dict[str, Any]:
    statuses = dict(Incident.Status.choices)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": row["pk"],
                "geometry": _point(row["x"], row["y"]),
                "properties": {
                    "code": row["code"],
                    "title": row["title"],
                    "status": str(statuses.get(row["status"], row["status"])),
                    "overdue": row["deadline"] is not None and row["deadline"] < now,
                },
            }
            for row in rows
        ],
    }


def _cluster_features(layer: Layer) -> dict[str, Any]:
    """Each cluster at its centroid; its box exactly as stored, so that asking for that
    box again finds every case of the cluster."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": _point(row["x"], row["y"]),
                "properties": {"count": row["count"], "bbox": row["bbox"]},
            }
            for row in layer.rows
        ],
    }

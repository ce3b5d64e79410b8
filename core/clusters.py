"""Points on a map at any scale: the rows in a bounding box, or clusters of them.

A map asks for what lies in its view (``BBox``) at its zoom. When the view holds few rows
(``limit``) they come back one by one; otherwise the database groups them into square
cells of the Web Mercator plane, ``CELL_PIXELS`` screen pixels wide at that zoom, and
returns per cell its count, centroid and bounding box: zooming into a cluster's box, or
listing it page by page when its rows share one spot, reaches every row. Nothing is
dropped, and the work is one or two queries whatever the number of rows.

Cells are numbered by ``FLOOR(x / cell)`` and ``FLOOR(y / cell)`` over the projected
coordinates, computed with SQL functions that PostGIS and SpatiaLite both have (SQLite gets
them from Django), so the same query runs on the embedded database. The cells are aligned
on the map's tiles: panning does not move a cluster, and a cell splits into four at the
next zoom.

This module knows no app: it takes any queryset and the name of its point field.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.geos import Polygon
from django.db.models import Avg, Count, F, FloatField, Func, Max, Min, QuerySet, Value
from django.db.models.functions import Floor, Greatest, Least, Ln, Radians, Tan
from django.utils.translation import gettext as _

# Leaflet and most tile servers stop at 18 to 22; beyond 24 a cell is under a centimetre.
MAX_ZOOM = 24
# A cluster stands for the rows of a square this many pixels wide on the screen.
CELL_PIXELS = 64
TILE_PIXELS = 256
# A view is never cut into more than this many cells across, whatever zoom it claims.
MAX_CELLS_ACROSS = 64
# Web Mercator stops short of the poles (Leaflet's own limit).
MAX_LATITUDE = 85.0511287798
# A box around one spot (all its rows at one point) is widened by this much, in degrees
# (about a centimetre), so that it is a valid polygon that holds the spot.
PAD_DEGREES = 1e-7


@dataclass(frozen=True)
class BBox:
    """West, south, east, north in degrees (EPSG:4326); west <= east, south <= north."""

    west: float
    south: float
    east: float
    north: float

    def polygon(self) -> Polygon:
        return Polygon.from_bbox(
            (
                self.west - PAD_DEGREES,
                self.south - PAD_DEGREES,
                self.east + PAD_DEGREES,
                self.north + PAD_DEGREES,
            )
        )


def parse_bbox(text: str) -> BBox:
    """``w,s,e,n`` in degrees, as Leaflet's ``getBounds().toBBoxString()`` writes it.

    Raises ValueError with the reason in the reader's language.
    """
    parts = text.split(",")
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        raise ValueError(_("Give four numbers: west, south, east, north.")) from None
    if not all(math.isfinite(value) for value in (west, south, east, north)):
        raise ValueError(_("Give four numbers: west, south, east, north."))
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise ValueError(_("Longitudes go from -180 to 180."))
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise ValueError(_("Latitudes go from -90 to 90."))
    if west > east or south > north:
        raise ValueError(_("West must not be east of east, nor south north of north."))
    return BBox(west, south, east, north)


class _PointX(Func):
    function = "ST_X"
    output_field = FloatField()


class _PointY(Func):
    function = "ST_Y"
    output_field = FloatField()


def _mercator_x(longitude: float) -> float:
    return math.radians(longitude)


def _mercator_y(latitude: float) -> float:
    latitude = max(-MAX_LATITUDE, min(MAX_LATITUDE, latitude))
    return math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2))


def cell_size(bbox: BBox, zoom: int) -> float:
    """The side of a cell in the Mercator plane (radians): ``CELL_PIXELS`` at ``zoom``,
    or larger when the box would hold more than ``MAX_CELLS_ACROSS`` of them."""
    by_zoom = 2 * math.pi / (2**zoom) * CELL_PIXELS / TILE_PIXELS
    width = _mercator_x(bbox.east) - _mercator_x(bbox.west)
    height = _mercator_y(bbox.north) - _mercator_y(bbox.south)
    return max(by_zoom, max(width, height) / MAX_CELLS_ACROSS)


@dataclass(frozen=True)
class Layer:
    """``points``: each row in the box (its columns and ``x``, ``y``), ordered by ``pk``;
    ``clusters``: each cell with ``count``, ``x``, ``y`` (centroid) and ``bbox``.
    ``total`` counts the rows in the box."""

    kind: str
    total: int
    rows: list[dict[str, Any]]


def points_in(queryset: QuerySet, field: str, bbox: BBox) -> QuerySet:
    """The rows whose point lies in the box, the edges included."""
    return queryset.filter(**{f"{field}__intersects": bbox.polygon()})


def _with_coordinates(queryset: QuerySet, field: str) -> QuerySet:
    return queryset.annotate(x=_PointX(F(field)), y=_PointY(F(field)))


def cluster_layer(
    queryset: QuerySet,
    *,
    field: str,
    bbox: BBox,
    zoom: int,
    columns: Sequence[str],
    limit: int,
) -> Layer:
    """The rows of ``queryset`` in ``bbox``: one by one when at most ``limit``, else their
    clusters at ``zoom``. The clusters come first, as they count the rows: one query for
    clusters, two for points (both cheap, as few rows are in the box)."""
    inside = _with_coordinates(points_in(queryset, field, bbox), field)
    clusters = _clusters(inside, bbox, zoom)
    total = sum(row["count"] for row in clusters)
    if total > limit:
        return Layer(kind="clusters", total=total, rows=clusters)
    rows = list(inside.values("pk", "x", "y", *columns).order_by("pk"))
    return Layer(kind="points", total=len(rows), rows=rows)


def _clusters(inside: QuerySet, bbox: BBox, zoom: int) -> list[dict[str, Any]]:
    cell = cell_size(bbox, zoom)
    # Clamped as Leaflet clamps it: the logarithm of tan(0) at the south pole is an error.
    latitude = Radians(Least(Greatest(F("y"), Value(-MAX_LATITUDE)), Value(MAX_LATITUDE)))
    cells = (
        inside.annotate(
            cell_x=Floor(Radians(F("x")) / Value(cell)),
            cell_y=Floor(
                Ln(Tan(Value(math.pi / 4) + latitude / Value(2.0), output_field=FloatField()))
                / Value(cell)
            ),
        )
        .values("cell_x", "cell_y")
        .annotate(
            count=Count("pk"),
            mean_x=Avg("x"),
            mean_y=Avg("y"),
            west=Min("x"),
            south=Min("y"),
            east=Max("x"),
            north=Max("y"),
        )
        # No ORDER BY: the database may hash the groups rather than sort every row.
        .order_by()
    )
    return [
        {
            "count": row["count"],
            "x": row["mean_x"],
            "y": row["mean_y"],
            "bbox": [row["west"], row["south"], row["east"], row["north"]],
        }
        for row in sorted(cells, key=lambda row: (row["cell_y"], row["cell_x"]))
    ]


def list_page(
    queryset: QuerySet,
    *,
    field: str,
    bbox: BBox,
    columns: Sequence[str],
    offset: int,
    size: int,
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the rows in the box, by ``pk``, and the offset of the next page (None
    at the end): the way to every row of a cluster whose rows share one spot."""
    inside = _with_coordinates(points_in(queryset, field, bbox), field)
    rows = list(inside.values("pk", "x", "y", *columns).order_by("pk")[offset : offset + size + 1])
    more = len(rows) > size
    return rows[:size], (offset + size if more else None)

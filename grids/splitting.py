"""Cutting a grid in two along a straight line that balances its households.

The line runs across the grid's longer side (measured in metres): a north-south line
when the grid is wider than tall, giving a western and an eastern half; an east-west line
otherwise, giving a northern and a southern half. It sits halfway between the two middle
households (the points of the register), so that each side holds half of them; with
fewer than two points it halves the area instead. Plain GEOS: the same on PostGIS and
SpatiaLite, and no database call.

The first half is the western (or northern) one: grid codes number grids west to east,
north to south, so it takes the lower of the two new numbers (``next_grid_codes``).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.gis.geos import GeometryCollection, GEOSGeometry, MultiPolygon, Polygon

VERTICAL = "x"  # a north-south line at a longitude: west | east
HORIZONTAL = "y"  # an east-west line at a latitude: north over south
MAX_GRID_NUMBER = 999  # a grid code ends in three digits
AREA_STEPS = 40  # bisection steps of the area fallback: far below a centimetre


@dataclass(frozen=True)
class Split:
    axis: str
    cut_at: float
    first: MultiPolygon  # west or north
    second: MultiPolygon  # east or south
    first_points: int
    second_points: int


def split_axis(boundary: GEOSGeometry) -> str:
    """Cut across the longer side: a wide grid gets a north-south line."""
    x_min, y_min, x_max, y_max = boundary.extent
    width = (x_max - x_min) * math.cos(math.radians((y_min + y_max) / 2))
    return VERTICAL if width >= (y_max - y_min) else HORIZONTAL


def on_first_side(axis: str, cut_at: float, x: float, y: float) -> bool:
    """West of a north-south line, or north of an east-west one (the line itself too)."""
    return x <= cut_at if axis == VERTICAL else y >= cut_at


def _halves(boundary: GEOSGeometry, axis: str, cut_at: float) -> tuple[GEOSGeometry, ...]:
    x_min, y_min, x_max, y_max = boundary.extent
    pad = 1.0  # a degree beyond the grid: the boxes hold it whole on their side
    if axis == VERTICAL:
        boxes = [
            (x_min - pad, y_min - pad, cut_at, y_max + pad),
            (cut_at, y_min - pad, x_max + pad, y_max + pad),
        ]
    else:
        boxes = [
            (x_min - pad, cut_at, x_max + pad, y_max + pad),
            (x_min - pad, y_min - pad, x_max + pad, cut_at),
        ]
    return tuple(boundary.intersection(Polygon.from_bbox(box_)) for box_ in boxes)


def _multipolygon(geometry: GEOSGeometry) -> MultiPolygon:
    """The polygons of an intersection (lines or points on the cut are dropped)."""
    parts: list[Polygon] = []
    if isinstance(geometry, Polygon):
        parts.append(geometry)
    elif isinstance(geometry, GeometryCollection):  # MultiPolygon is one too
        for part in geometry:
            if isinstance(part, Polygon):
                parts.append(part)
            elif isinstance(part, MultiPolygon):
                parts.extend(p for p in part if isinstance(p, Polygon))
    return MultiPolygon(*[part for part in parts if not part.empty], srid=4326)


def _area_cut(boundary: GEOSGeometry, axis: str) -> float:
    x_min, y_min, x_max, y_max = boundary.extent
    low, high = (x_min, x_max) if axis == VERTICAL else (y_min, y_max)
    total = boundary.area
    for _step in range(AREA_STEPS):
        middle = (low + high) / 2
        first = _halves(boundary, axis, middle)[0].area
        # The first half grows westward-to-east with x, but shrinks with y (north is first).
        grows = axis == VERTICAL
        if (first < total / 2) == grows:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _balanced_cut(axis: str, points: Sequence[tuple[float, float]]) -> float:
    values = sorted((x if axis == VERTICAL else -y) for x, y in points)
    middle = len(values) // 2
    cut = (values[middle - 1] + values[middle]) / 2
    return cut if axis == VERTICAL else -cut


def split_grid(boundary: GEOSGeometry, points: Iterable[tuple[float, float]]) -> Split | None:
    """Two halves of ``boundary`` (WGS84) with the households' points balanced between
    them; None when no line across the grid leaves something on both sides."""
    axis = split_axis(boundary)
    x_min, y_min, x_max, y_max = boundary.extent
    low, high = (x_min, x_max) if axis == VERTICAL else (y_min, y_max)
    points = list(points)
    inside = [(x, y) for x, y in points if low < (x if axis == VERTICAL else y) < high]
    cut_at = _balanced_cut(axis, inside) if len(inside) >= 2 else _area_cut(boundary, axis)
    if not low < cut_at < high:
        return None
    first, second = (_multipolygon(half) for half in _halves(boundary, axis, cut_at))
    if first.empty or second.empty:
        return None
    on_first = sum(on_first_side(axis, cut_at, x, y) for x, y in points)
    return Split(axis, cut_at, first, second, on_first, len(points) - on_first)


def next_grid_codes(village_code: str, taken: Iterable[str], count: int = 2) -> list[str]:
    """The next ``count`` grid codes of a village after every code in ``taken`` (its
    grids, retired ones included, and codes already proposed): a code is never reused."""
    numbers = [int(code[-3:]) for code in taken if code.startswith(village_code)]
    first = max(numbers, default=0) + 1
    if first + count - 1 > MAX_GRID_NUMBER:
        return []
    return [f"{village_code}{number:03d}" for number in range(first, first + count)]

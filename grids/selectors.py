"""Reads of grids shared by pages and the API."""

import json
from collections.abc import Mapping

from django.contrib.gis.db.models import GeometryField, Union
from django.contrib.gis.db.models.functions import AsGeoJSON, PointOnSurface
from django.contrib.gis.geos import Point
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from core.roles import AnyUser
from grids.models import Grid, Landmark, Region
from grids.permissions import grids_visible_to

# Six decimals of a degree are about 0.1 m: finer than any survey of a grid's edge.
GEOJSON_PRECISION = 6
# The map page's properties of a grid: property → column.
MAP_PROPERTIES = {
    "code": "code",
    "name": "name",
    "kind": "kind",
    "village": "village__name",
    "households": "households",
    "population": "population",
    "active": "is_active",
}


def grids_feature_collection(
    grids: QuerySet[Grid], properties: Mapping[str, str], *, feature_id: str | None = None
) -> dict:
    """The grids as a GeoJSON FeatureCollection for a page's map, in one query.

    ``properties`` maps each property of a feature to the column it shows (a ``values()``
    name); ``feature_id`` names the column that identifies a feature. The database
    serialises each boundary, so no geometry is parsed into GEOS here.
    """
    columns = dict.fromkeys([*properties.values(), *([feature_id] if feature_id else [])])
    rows = grids.annotate(geometry=AsGeoJSON("boundary", precision=GEOJSON_PRECISION)).values(
        "geometry", *columns
    )
    features = []
    for row in rows:
        feature: dict = {"type": "Feature"}
        if feature_id:
            feature["id"] = row[feature_id]
        feature["geometry"] = json.loads(row["geometry"])
        feature["properties"] = {name: row[column] for name, column in properties.items()}
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}


def grid_geojson_for_user(user: AnyUser) -> dict:
    """The grids the user may see, for the grid map: identified by code, with their kind
    in words."""
    collection = grids_feature_collection(
        grids_visible_to(user).order_by("code"), MAP_PROPERTIES, feature_id="code"
    )
    kind_labels = dict(Grid.Kind.choices)
    for feature in collection["features"]:
        kind = feature["properties"]["kind"]
        feature["properties"]["kind_label"] = str(kind_labels.get(kind, kind))
    return collection


PLACES_SHOWN = 8


def places_search(query: str) -> list[dict]:
    """Villages, grids and landmarks whose name holds the words typed, each with the point
    a map centres on and the zoom that shows it: three small indexed queries."""
    text = query.strip()[:50]
    if len(text) < 1:
        return []
    villages = (
        Region.objects.filter(level=Region.Level.VILLAGE, name__icontains=text)
        .annotate(centre=PointOnSurface(Union("grids__boundary")))
        .filter(centre__isnull=False)
        .values("name", "centre", "parent__name")[:PLACES_SHOWN]
    )
    grids = (
        Grid.objects.active()
        .filter(Q(name__icontains=text) | Q(code=text))
        .annotate(centre=PointOnSurface("boundary"))
        .values("name", "centre", "village__name")[:PLACES_SHOWN]
    )
    landmarks = (
        Landmark.objects.filter(is_active=True)
        .filter(Q(name__icontains=text) | Q(aliases__icontains=text))
        .values("name", "location", "town__name")[:PLACES_SHOWN]
    )
    places = [
        _place(row["name"], row["centre"], row["parent__name"], "village", 15) for row in villages
    ]
    places += [
        _place(row["name"], row["centre"], row["village__name"], "grid", 16) for row in grids
    ]
    places += [
        _place(row["name"], row["location"], row["town__name"], "landmark", 17)
        for row in landmarks
    ]
    return places[:PLACES_SHOWN]


def _place(name: str, point: Point, within: str | None, kind: str, zoom: int) -> dict:
    return {
        "name": name,
        "within": within or "",
        "kind": kind,
        "lat": round(point.y, 6),
        "lng": round(point.x, 6),
        "zoom": zoom,
    }


def villages_feature_collection(villages: QuerySet[Region]) -> dict:
    """The villages' outlines (their own boundary, or the union of their grids) with their
    names: the maps' base when no tile server is set."""
    rows = (
        villages.filter(level=Region.Level.VILLAGE)
        .annotate(
            outline=AsGeoJSON(
                Coalesce(
                    "boundary",
                    Union("grids__boundary"),
                    output_field=GeometryField(srid=4326),
                ),
                precision=GEOJSON_PRECISION,
            )
        )
        .filter(outline__isnull=False)
        .values("pk", "name", "outline")
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": row["pk"],
                "geometry": json.loads(row["outline"]),
                "properties": {"name": row["name"]},
            }
            for row in rows
        ],
    }

"""Reads of grids shared by pages and the API."""

import json
from collections.abc import Mapping

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import QuerySet

from core.roles import AnyUser
from grids.models import Grid
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

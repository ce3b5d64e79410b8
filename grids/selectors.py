"""Reads of grids shared by pages and the API."""

import json

from django.contrib.gis.db.models.functions import AsGeoJSON

from grids.models import Grid
from grids.permissions import grids_visible_to

# Six decimals of a degree are about 0.1 m: finer than any survey of a grid's edge.
GEOJSON_PRECISION = 6


def grid_geojson_for_user(user) -> dict:
    """The grids the user may see as a GeoJSON FeatureCollection, in one query.

    The database serialises each boundary, so no geometry is parsed into GEOS here.
    """
    rows = (
        grids_visible_to(user)
        .annotate(geometry=AsGeoJSON("boundary", precision=GEOJSON_PRECISION))
        .values(
            "code",
            "name",
            "kind",
            "village__name",
            "households",
            "population",
            "is_active",
            "geometry",
        )
        .order_by("code")
    )
    kind_labels = dict(Grid.Kind.choices)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": row["code"],
                "geometry": json.loads(row["geometry"]),
                "properties": {
                    "code": row["code"],
                    "name": row["name"],
                    "kind": row["kind"],
                    "kind_label": str(kind_labels.get(row["kind"], row["kind"])),
                    "village": row["village__name"],
                    "households": row["households"],
                    "population": row["population"],
                    "active": row["is_active"],
                },
            }
            for row in rows
        ],
    }

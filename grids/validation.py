"""Checks a grid's boundary against the map: valid, inside its village, no overlap.

Used by ``Grid.clean()`` (admin and forms) and by the import service, so that every door
gives the same messages. It takes the grid's own manager to look at its neighbours.
"""

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def metric_area(geometry: GEOSGeometry) -> float:
    """Area in square metres, in the UTM zone of the geometry's centroid (WGS84 input)."""
    if geometry.empty:
        return 0.0
    centroid = geometry.centroid
    zone = int((centroid.x + 180) // 6) + 1
    epsg = (32600 if centroid.y >= 0 else 32700) + zone
    return geometry.transform(epsg, clone=True).area


def as_multipolygon(geometry: GEOSGeometry) -> MultiPolygon:
    if isinstance(geometry, Polygon):
        return MultiPolygon(geometry, srid=geometry.srid)
    if isinstance(geometry, MultiPolygon):
        return geometry
    raise ValidationError(
        {
            "boundary": _("A boundary must be a polygon or a multipolygon, not %(kind)s.")
            % {"kind": geometry.geom_type}
        }
    )


def validate_boundary_shape(boundary: GEOSGeometry | None) -> None:
    if boundary is None or boundary.empty:
        raise ValidationError({"boundary": _("A grid needs a boundary.")})
    if boundary.srid not in (None, 4326):
        raise ValidationError(
            {
                "boundary": _("Boundaries are stored in WGS84 (EPSG:4326), not EPSG:%(srid)s.")
                % {"srid": boundary.srid}
            }
        )
    x_min, y_min, x_max, y_max = boundary.extent
    if not (-180 <= x_min <= x_max <= 180 and -90 <= y_min <= y_max <= 90):
        message = _("The boundary has coordinates outside longitude ±180 and latitude ±90.")
        raise ValidationError({"boundary": message})
    if not boundary.valid:
        raise ValidationError(
            {
                "boundary": _("The boundary is not a valid polygon: %(reason)s.")
                % {"reason": boundary.valid_reason}
            }
        )


def validate_grid(grid, *, replacing=None) -> None:
    """Raise ValidationError with one message per problem found on the boundary.

    ``replacing``: the grid this one is to replace (a half of a proposed split): it may
    overlap that grid, which it will retire, but no other.
    """
    validate_boundary_shape(grid.boundary)
    boundary = grid.boundary
    village = grid.village if grid.village_id else None
    errors = []
    if village is not None and village.boundary is not None:
        outside = metric_area(boundary.difference(village.boundary))
        if outside > settings.GRID_OUTSIDE_VILLAGE_TOLERANCE_M2:
            errors.append(
                _("The boundary lies %(area).0f m² outside its village %(village)s.")
                % {"area": outside, "village": village.name}
            )
    if village is not None and grid.is_active:
        neighbours = (
            type(grid)
            .objects.active()
            .filter(village__parent_id=village.parent_id, boundary__intersects=boundary)
            .exclude(pk__in=[pk for pk in (grid.pk, getattr(replacing, "pk", None)) if pk])
            .only("code", "name", "boundary")
        )
        for other in neighbours:
            overlap = metric_area(boundary.intersection(other.boundary))
            if overlap > settings.GRID_OVERLAP_TOLERANCE_M2:
                errors.append(
                    _("The boundary overlaps grid %(grid)s by %(area).0f m².")
                    % {"grid": f"{other.name} ({other.code})", "area": overlap}
                )
    if errors:
        raise ValidationError({"boundary": errors})

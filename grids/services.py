"""Every write to regions and grids, and the grid locator."""

from typing import cast

from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from grids.models import Grid, Landmark, Region
from grids.validation import as_multipolygon, validate_boundary_shape


def locate_grid(point: Point) -> Grid | None:
    """The active grid holding the point (edges included), found through the spatial index.

    A point on the edge shared by two grids belongs to the one with the lower code, so
    the answer never depends on the database's row order. The grid comes back without its
    boundary (deferred: read on first use): a report locates its place on every save, and
    building the ORM query and the boundary's geometry cost several times the lookup itself
    (bench/county.py compares it with the raw PostGIS lookup).
    """
    where = point
    if point.srid not in (None, 4326):
        where = cast(Point, point.transform(4326, clone=True))
    alias = router.db_for_read(Grid)
    with connections[alias].cursor() as cursor:
        cursor.execute(_LOCATE_SQL, [where.x, where.y])
        row = cursor.fetchone()
    return None if row is None else Grid.from_db(alias, _LOCATE_FIELDS, row)


_LOCATE_COLUMNS = [field for field in Grid._meta.concrete_fields if field.name != "boundary"]
_LOCATE_FIELDS = [field.attname for field in _LOCATE_COLUMNS]
# Grid.objects.active().containing(point).order_by("code").first(), boundary deferred.
_LOCATE_SQL = (
    f"SELECT {', '.join(str(field.column) for field in _LOCATE_COLUMNS)} "  # noqa: S608 - our columns
    f"FROM {Grid._meta.db_table} WHERE is_active "
    "AND ST_Intersects(boundary, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) "
    "ORDER BY code LIMIT 1"
)


@transaction.atomic
def region_save(
    *,
    code: str,
    name: str,
    level: int,
    parent: Region | None,
    boundary: GEOSGeometry | None = None,
) -> Region:
    """Create or update the region with this division code, keeping subtree paths right."""
    if parent is not None and parent.level >= level:
        raise ValidationError({"parent": _("A region must sit below its parent on the ladder.")})
    if boundary is not None:
        boundary = as_multipolygon(boundary)
        validate_boundary_shape(boundary)
    path = f"{parent.path if parent else ''}{code}/"
    region = Region.objects.select_for_update().filter(code=code).first()
    if region is None:
        region = Region(code=code)
    old_path = region.path
    region.name, region.level, region.parent, region.path = name, level, parent, path
    if boundary is not None:
        region.boundary = boundary
    region.full_clean(exclude=["path"])
    region.save()
    if old_path and old_path != path:
        Region.objects.filter(path__startswith=old_path).exclude(pk=region.pk).update(
            path=Concat(Value(path), Substr("path", len(old_path) + 1))
        )
    return region


MAX_PATROL_NORM_MINUTES = 600


def region_set_patrol_norm(*, region: Region, minutes: int | None) -> Region:
    """Set (or clear, with None) a town's or village's daily patrol norm in minutes."""
    if minutes is not None and not 1 <= minutes <= MAX_PATROL_NORM_MINUTES:
        raise ValidationError(
            {
                "patrol_norm_minutes": _("Give between 1 and %(most)d minutes.")
                % {"most": MAX_PATROL_NORM_MINUTES}
            }
        )
    if minutes is not None and region.level not in (Region.Level.TOWN, Region.Level.VILLAGE):
        raise ValidationError(
            {"patrol_norm_minutes": _("Only a town or a village sets a daily patrol norm.")}
        )
    region.patrol_norm_minutes = minutes
    region.save(update_fields=["patrol_norm_minutes"])
    return region


@transaction.atomic
def grid_save(
    *,
    code: str,
    name: str,
    kind: str,
    village: Region,
    boundary: GEOSGeometry,
    households: int = 0,
    population: int = 0,
    is_active: bool = True,
) -> Grid:
    """Create or update the grid with this code after every boundary check."""
    if village.level != Region.Level.VILLAGE:
        raise ValidationError({"village": _("A grid belongs to a village or community.")})
    grid = Grid.objects.select_for_update().filter(code=code).first() or Grid(code=code)
    grid.name, grid.kind, grid.village = name, kind, village
    grid.boundary = as_multipolygon(boundary) if boundary is not None else None
    grid.households, grid.population, grid.is_active = households, population, is_active
    grid.full_clean()
    grid.save()
    return grid


def landmark_save(*, town: Region, name: str, location: Point, aliases: str = "") -> Landmark:
    """Create or update the town's landmark of this name (the gazetteer of the maps)."""
    if town.level != Region.Level.TOWN:
        raise ValidationError({"town": _("A landmark belongs to a town.")})
    landmark, _created = Landmark.objects.update_or_create(
        town=town,
        name=name.strip(),
        defaults={"location": location, "aliases": aliases.strip(), "is_active": True},
    )
    return landmark

"""Every write to regions and grids, and the grid locator."""

from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from grids.models import Grid, Landmark, Region
from grids.validation import as_multipolygon, validate_boundary_shape


def locate_grid(point: Point) -> Grid | None:
    """The active grid holding the point (edges included), found through the spatial index.

    A point on the edge shared by two grids belongs to the one with the lower code, so
    the answer never depends on the database's row order.
    """
    where: GEOSGeometry = point
    if point.srid not in (None, 4326):
        where = point.transform(4326, clone=True)
    return Grid.objects.active().containing(where).order_by("code").first()


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

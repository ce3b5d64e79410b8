"""Helpers of the re-division advisor's tests: an overloaded grid with located households."""

import random

from django.contrib.gis.geos import Point

from grids.models import Grid
from grids.services import grid_save
from members.models import Household, Resident


def set_counters(grid: Grid, households: int, population: int | None = None) -> Grid:
    return grid_save(
        code=grid.code,
        name=grid.name,
        kind=grid.kind,
        village=grid.village,
        boundary=grid.boundary,
        households=households,
        population=households * 2 if population is None else population,
    )


def overload(ladder, *, households: int = 100, unlocated: int = 0) -> Grid:
    """A1 with ``households`` households in all (the cast's one included, put on the map),
    the last ``unlocated`` of them without a location; two residents each."""
    rng = random.Random(20)  # noqa: S311 - test data
    x0, y0, x1, y1 = ladder.a1.boundary.extent
    existing = Household.objects.filter(grid=ladder.a1)
    existing.update(location=Point(121.0011, 28.0013, srid=4326))
    start = existing.count() + 1
    rows = [
        Household(
            code=f"{ladder.a1.code}{index + 1000:04d}",
            grid=ladder.a1,
            address=f"东山村{index}号",
            location=None
            if index > households - unlocated
            else Point(rng.uniform(x0, x1), rng.uniform(y0, y1), srid=4326),
        )
        for index in range(start, households + 1)
    ]
    Household.objects.bulk_create(rows)
    Resident.objects.bulk_create(
        Resident(household=household, name=f"居民{n}", gender="female")
        for household in rows
        for n in range(2)
    )
    set_counters(ladder.a2, 40)
    set_counters(ladder.a3, 40)
    ladder.a1 = set_counters(ladder.a1, households)
    return ladder.a1

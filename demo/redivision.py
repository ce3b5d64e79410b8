"""The demo's overloaded grid: S Town's second grid (新街社区第二网格) gets a new estate (as many
households again as every grid has, in a cluster at its east side), every household of
the grid a place on the map, and an open proposal to split it (members.redivision), for
an official to accept or discard on the workload page.
"""

import random

from django.contrib.gis.geos import Point

from demo.geography import DemoGeography
from demo.members import STREETS, _address, _RegisterBatch, grid_counters_refresh
from demo.people import PeopleFactory, household_sizes, key_groups_tag
from grids.models import Grid
from members.models import GridSplitProposal, Household, ResidentTag, User
from members.services.redivision import split_discard, split_is_stale, split_propose

ESTATE_SPREAD = 0.15  # the estate's radius, as a share of the grid's width and height


def overloaded_grid_of(geography: DemoGeography) -> Grid | None:
    """S Town's second grid (新街社区第二网格 in the default layout), when the town has
    three grids or more, so that a median means something."""
    town = geography.towns[0]
    grids = sorted(
        (grid for grid in geography.grids if grid.village.parent_id == town.pk),
        key=lambda grid: grid.code,
    )
    return grids[1] if len(grids) >= 3 else None


def _point_in(rng: random.Random, grid: Grid, centre=None, spread=None) -> Point:
    """A point inside the grid: uniform, or around ``centre`` (rejection sampling)."""
    x_min, y_min, x_max, y_max = grid.boundary.extent
    while True:
        if centre is None:
            x, y = rng.uniform(x_min, x_max), rng.uniform(y_min, y_max)
        else:
            x = rng.gauss(centre[0], spread[0])
            y = rng.gauss(centre[1], spread[1])
        point = Point(round(x, 7), round(y, 7), srid=4326)
        if grid.boundary.contains(point):
            return point


def overloaded_grid_seed(
    *,
    geography: DemoGeography,
    households_per_grid: int,
    residents_per_household: float,
    seed: int,
) -> Grid | None:
    """Double the grid's households (the new ones in a cluster: a new estate) and place
    every household of the grid; safe to run again."""
    grid = overloaded_grid_of(geography)
    extra = min(households_per_grid, 9999 - households_per_grid)
    if grid is None or extra < 1:
        return None
    rng = random.Random(f"{seed}/overloaded/{grid.code}")  # noqa: S311 - demo data
    people = PeopleFactory()
    village = grid.village
    street = rng.choice(STREETS)
    sizes = household_sizes(rng, extra, max(extra, round(extra * residents_per_household)))
    batch = _RegisterBatch(dict(ResidentTag.objects.values_list("code", "pk")))
    households = []
    for index, size in enumerate(sizes, start=households_per_grid + 1):
        household = Household(
            code=f"{grid.code}{index:04d}",
            grid=grid,
            address=_address(village.name, street, 900 + index, is_community=True),
        )
        members = people.household(rng, size)
        key_groups_tag(rng, members, low_income=rng.random() < 0.03)
        households.append((household, members))
    batch.add(households)
    batch.flush()
    _households_place(rng, grid, estate_codes={h.code for h, _ in households})
    grid_counters_refresh([grid])
    grid.refresh_from_db()
    return grid


def _households_place(rng: random.Random, grid: Grid, *, estate_codes: set[str]) -> None:
    x_min, y_min, x_max, y_max = grid.boundary.extent
    estate = Point(x_min + 0.75 * (x_max - x_min), (y_min + y_max) / 2, srid=4326)
    if not grid.boundary.contains(estate):
        estate = grid.boundary.point_on_surface
    spread = (ESTATE_SPREAD * (x_max - x_min), ESTATE_SPREAD * (y_max - y_min))
    rows = list(Household.objects.filter(grid=grid).order_by("code"))
    for household in rows:
        if household.code in estate_codes:
            household.location = _point_in(rng, grid, (estate.x, estate.y), spread)
        else:
            household.location = _point_in(rng, grid)
    Household.objects.bulk_update(rows, ["location"], batch_size=500)


def redivision_seed(*, geography: DemoGeography, proposer: str) -> GridSplitProposal | None:
    """The open proposal to split the overloaded grid, made in the name of ``proposer``
    (the demo's town official); the one already open on a second run."""
    actor = User.objects.get(username=proposer)
    # A run with another layout redraws grids: proposals cut from their old boundaries go.
    for proposal in GridSplitProposal.objects.filter(
        status=GridSplitProposal.Status.PROPOSED, grid__village__parent__in=geography.towns
    ).select_related("grid"):
        if split_is_stale(proposal, proposal.grid) or not proposal.grid.is_active:
            split_discard(actor=actor, proposal=proposal)
    grid = overloaded_grid_of(geography)
    if grid is None:
        return None
    grid.refresh_from_db()
    return split_propose(actor=actor, grid=grid)

"""Demo patrols for ``seed_demo``.

Most members walk their grids a few times a week: routes inside the grid at a walking
pace, a stop at one of the key households the town has placed on the map, notes of what
they saw. A minority (``HOLLOW_MEMBERS``) log hollow patrols of one kind or another (walked
elsewhere, a phone left lying, key households skipped, copied notes, a month-end rush, a
few minutes a day), drawn by the same generator as the labelled patrols of
bench/patrols.py (demo.labelled_patrols). Every patrol is then judged by the authenticity
rules, so the dashboard flags a realistic minority and the review page says why.

A second run replaces the demo patrols of the grids (their flags go with them) and places
the same key households again.
"""

import datetime
import random

from django.contrib.gis.geos import Point
from django.utils import timezone

from demo.labelled_patrols import HONEST, KINDS, Area, GridArea, member_patrols, place_inside
from grids.models import Grid
from members.models import GridAssignment, Household, PatrolLog
from members.services.authenticity import patrols_assess

DAYS = 28
# Members who rush at the month's end are judged against their rhythm of the weeks before.
HISTORY_DAYS = 84
HOLLOW_MEMBERS = 0.15
KEY_HOUSEHOLDS_PER_GRID = 4


def patrols_seed(*, grids: list[Grid], seed: int, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    rng = random.Random(f"{seed}/patrols")  # noqa: S311 - demo data
    PatrolLog.objects.filter(grid__in=grids).delete()
    areas = _key_households_place(rng, grids)
    by_pk = {area.grid.pk: area for area in areas}
    today = timezone.localtime(now).date()
    assignments = list(
        GridAssignment.objects.filter(grid__in=grids, ends_on__isnull=True)
        .order_by("grid__code", "member_id")
        .values_list("member_id", "grid_id")
    )
    hollow = set(rng.sample(range(len(assignments)), k=round(len(assignments) * HOLLOW_MEMBERS)))
    rows = []
    for index, (member_id, grid_id) in enumerate(assignments):
        area = by_pk[grid_id]
        kind = HONEST
        if index in hollow:
            # Each kind in turn, so that the demo shows every rule at work.
            kinds = [k for k in KINDS if k != "skipped" or area.households]
            kind = kinds[len([i for i in hollow if i < index]) % len(kinds)]
        days = HISTORY_DAYS if kind == "rush" else DAYS
        first_day = today - datetime.timedelta(days=days)
        rate = rng.uniform(0.3, 0.6)
        for patrol, _label in member_patrols(
            rng, member_id, area, areas, kind, first_day, rate, days=days
        ):
            rows.append(patrol)
    PatrolLog.objects.bulk_create(rows, batch_size=500)
    patrols_assess(since=now - datetime.timedelta(days=HISTORY_DAYS + 1), now=now)
    return len(rows)


def _key_households_place(rng: random.Random, grids: list[Grid]) -> list[GridArea]:
    """Put up to KEY_HOUSEHOLDS_PER_GRID households with a key-group resident of each grid
    on the map (the town marks where they live); the others keep no place."""
    Household.objects.filter(grid__in=grids).exclude(location=None).update(location=None)
    tagged: dict[int, list[Household]] = {}
    for household in (
        Household.objects.filter(grid__in=grids, residents__tags__isnull=False)
        .distinct()
        .order_by("code")
        .only("pk", "grid_id", "code")
    ):
        tagged.setdefault(household.grid_id, []).append(household)
    areas, placed = [], []
    for grid in grids:
        area = Area.of(grid.boundary)
        chosen = tagged.get(grid.pk, [])[:KEY_HOUSEHOLDS_PER_GRID]
        spots = []
        for household in chosen:
            spot = place_inside(rng, area, margin=0.15)
            household.location = Point(*spot, srid=4326)
            placed.append(household)
            spots.append(spot)
        areas.append(GridArea(grid, area, spots))
    Household.objects.bulk_update(placed, ["location"], batch_size=500)
    return areas

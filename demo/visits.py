"""Demo household visits (民情日记) for ``seed_demo``.

Members visit the key households of their grids (a resident in a key group with a
required visit frequency) about as often as the group asks: most households' last visit
falls within their interval, a minority (``OVERDUE_SHARE``) are overdue, a few never
visited. Eight weeks of history, so that the household pages show a rhythm.

A second run replaces the visits of the towns' households with the same ones.
"""

import datetime
import random
import uuid

from django.db.models import Min
from django.utils import timezone

from grids.models import Grid
from members.models import GridAssignment, Household, HouseholdVisit

HISTORY_DAYS = 56
OVERDUE_SHARE = 0.12
NEVER_SHARE = 0.03
NOTES = [
    "身体状况良好，生活能自理。",
    "家中整洁，已提醒注意用电安全。",
    "反映自来水压力小，已记下跟进。",
    "子女近期来电，情绪稳定。",
    "已送去防诈骗宣传单并讲解。",
    "血压偏高，已提醒按时服药。",
    "",
]


def visits_seed(*, grids: list[Grid], seed: int, now: datetime.datetime | None = None) -> int:
    """Write the demo visits; returns how many."""
    rng = random.Random(f"{seed}/visits")  # noqa: S311 - demo data
    today = timezone.localtime(now or timezone.now()).date()
    # The towns' visits, also those of grids that another layout retired (their keys
    # would come again).
    towns = Grid.objects.filter(pk__in=[grid.pk for grid in grids]).values("village__parent")
    HouseholdVisit.objects.filter(household__grid__village__parent__in=towns).delete()
    members_of: dict[int, list[int]] = {}
    for member_id, grid_id in (
        GridAssignment.objects.filter(grid__in=grids, ends_on__isnull=True)
        .order_by("grid_id", "member_id")
        .values_list("member_id", "grid_id")
    ):
        members_of.setdefault(grid_id, []).append(member_id)
    key_households = (
        Household.objects.filter(grid__in=grids, residents__tags__visit_every_days__gt=0)
        .values("pk", "grid_id")
        .annotate(every=Min("residents__tags__visit_every_days"))
        .order_by("pk")
    )
    visits = []
    for row in key_households:
        members = members_of.get(row["grid_id"])
        draw = rng.random()
        if not members or draw < NEVER_SHARE:
            continue
        every = row["every"]
        if draw < NEVER_SHARE + OVERDUE_SHARE:
            last = every + rng.randint(1, 21)
        else:
            last = rng.randint(0, every - 1)
        purpose = "care" if every <= 14 else rng.choice(["routine", "care", "verify", "policy"])
        for days_ago in range(last, HISTORY_DAYS, every):
            visits.append(
                HouseholdVisit(
                    household_id=row["pk"],
                    member_id=rng.choice(members),
                    visited_on=today - datetime.timedelta(days=days_ago),
                    purpose=purpose,
                    notes=rng.choice(NOTES),
                    client_key=uuid.UUID(int=rng.getrandbits(128), version=4),
                )
            )
    HouseholdVisit.objects.bulk_create(visits, batch_size=2000)
    return len(visits)

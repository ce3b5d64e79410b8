"""Demo patrols for ``seed_demo``: most members walk their grids a few times a week with
a route and findings; a minority log hollow patrols (a few minutes, no route, nothing
found), which the dashboard flags. A second run replaces the demo patrols of the grids."""

import datetime
import random
import uuid

from django.contrib.gis.geos import LineString
from django.utils import timezone

from grids.models import Grid
from members.models import GridAssignment, PatrolLog

DAYS = 28
HOLLOW_SHARE = 0.12
FINDINGS = [
    "村口垃圾桶满溢，已联系保洁",
    "河边护栏松动一处",
    "楼道堆放杂物，已提醒住户清理",
    "独居老人走访，身体状况良好",
    "路灯两盏不亮",
    "沿街店铺占道经营，已劝导",
    "",
]


def patrols_seed(*, grids: list[Grid], seed: int, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    rng = random.Random(f"{seed}/patrols")  # noqa: S311 - demo data
    PatrolLog.objects.filter(grid__in=grids).delete()
    by_pk = {grid.pk: grid for grid in grids}
    assignments = GridAssignment.objects.filter(grid__in=grids, ends_on__isnull=True).values_list(
        "member_id", "grid_id"
    )
    rows = []
    for member_id, grid_id in assignments:
        grid = by_pk[grid_id]
        hollow = rng.random() < HOLLOW_SHARE
        for day in sorted(rng.sample(range(1, DAYS), rng.randint(5, 10)), reverse=True):
            started = now - datetime.timedelta(days=day, hours=rng.randint(0, 8))
            rows.append(_patrol(rng, member_id, grid, started, hollow=hollow))
    PatrolLog.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _patrol(rng, member_id: int, grid: Grid, started, *, hollow: bool) -> PatrolLog:
    if hollow:
        return PatrolLog(
            member_id=member_id,
            grid=grid,
            client_key=uuid.uuid4(),
            started_at=started,
            ended_at=started + datetime.timedelta(minutes=rng.randint(2, 8)),
        )
    centre = grid.boundary.point_on_surface
    steps = [(centre.x, centre.y)]
    for _ in range(rng.randint(8, 20)):
        x, y = steps[-1]
        steps.append((x + rng.uniform(-0.0006, 0.0006), y + rng.uniform(-0.0006, 0.0006)))
    return PatrolLog(
        member_id=member_id,
        grid=grid,
        client_key=uuid.uuid4(),
        started_at=started,
        ended_at=started + datetime.timedelta(minutes=rng.randint(35, 110)),
        route=LineString(steps, srid=4326),
        notes="例行巡查",
        findings=rng.choice(FINDINGS),
    )

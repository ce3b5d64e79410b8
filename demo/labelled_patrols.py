"""Labelled patrols: a small town whose members walk honestly or log hollow patrols.

``labelled_patrols_seed(n=500, seed=...)`` builds its own ladder (one town, villages, grids,
key households placed on the map), members and about ``n`` patrols over the three months
before ``now``, and returns each patrol's label: honest, or the kind of hollow patrol it
is. bench/patrols.py and tests/members/test_patrol_authenticity_benchmark.py judge them
with members.services.authenticity and count precision and recall.

The kinds of hollow patrol are those the studies describe (形式主义):

- ``outside``: the route is walked somewhere else (home, another village);
- ``idle``: the phone lies still (or a car drives the grid in minutes) for a long patrol;
- ``skipped``: a walk that never stops at the grid's key households;
- ``copied``: notes copied from an earlier patrol, a character or two changed;
- ``rush``: a month's patrols crowded into its last days;
- ``short``: a day with a few minutes of patrol.

Everything is drawn with noise (GPS error and drift, walking speeds, stops, durations,
phones without point times, honest detours out of the grid), so that the rules meet
patrols that look like a town's and not like the rules' thresholds.
"""

import datetime
import math
import random
import uuid
from dataclasses import dataclass

from django.contrib.gis.geos import LineString, Point
from django.contrib.gis.geos import Polygon as GeosPolygon
from django.utils import timezone

from core.roles import Role
from grids.models import Grid, Region
from grids.services import grid_save, region_save
from members.authenticity import metres_per_degree
from members.models import GridMember, Household, PatrolLog, ResidentTag, User
from members.services import grid_assign_member, resident_save

HONEST = "honest"
KINDS = ("outside", "idle", "skipped", "copied", "rush", "short")
DAYS = 92
TOWN_CODE = "339901100"
ORIGIN = (120.50, 28.50)
GRID_SIZE = (0.006, 0.005)  # degrees: about 590 m by 550 m
GRIDS_PER_VILLAGE = 4
MIN_STEP_METRES = 3.0  # the phone drops closer fixes (static/js/patrol.js)

PLACES = [
    "村口",
    "河埠头",
    "老街",
    "菜场",
    "小学门口",
    "文化礼堂",
    "渔港码头",
    "桥头",
    "祠堂",
    "卫生室",
    "停车场",
    "垃圾中转站",
    "东侧农田",
    "新村安置房",
    "沿街店面",
]
SEEN = [
    "未发现异常",
    "垃圾桶满溢",
    "护栏松动一处",
    "楼道堆放杂物",
    "路灯不亮",
    "店铺占道经营",
    "排水沟堵塞",
    "电动车违规充电",
    "窨井盖破损",
    "外来人员租住未登记",
    "围墙开裂",
    "空调外机松动",
    "积水较深",
    "树枝压线",
    "河面漂浮物较多",
    "消防通道被占",
]
DONE = [
    "已联系保洁清运",
    "已提醒住户整改",
    "已拍照上报",
    "已劝导离开",
    "已通知村委",
    "约定明日复查",
    "现场协调处理完毕",
    "已告知物业",
    "已设置警示标志",
]
VISITS = [
    "走访独居老人{name}，身体尚好",
    "看望{name}，了解用药情况",
    "{name}家中查看燃气安全",
    "与{name}聊了家里近况",
    "{name}反映屋顶漏雨，已记录",
]
NAMES = ["王阿婆", "李大爷", "陈奶奶", "林老伯", "张阿姨", "郑大伯", "周奶奶", "黄老伯"]


@dataclass(frozen=True)
class Label:
    member: str
    kind: str  # HONEST or one of KINDS

    @property
    def hollow(self) -> bool:
        return self.kind != HONEST


class Area(tuple):
    """A grid's extent (x0, y0, x1, y1) that may know its outline: random places are then
    drawn inside the outline, not only inside the extent."""

    prepared = None

    @classmethod
    def of(cls, geometry) -> "Area":
        area = cls(geometry.extent)
        area.prepared = geometry.prepared
        return area


@dataclass
class GridArea:
    grid: Grid
    bounds: tuple[float, float, float, float]
    households: list[tuple[float, float]]


def labelled_patrols_seed(
    *, n: int = 500, seed: int = 20, now: datetime.datetime | None = None, progress=None
) -> dict[int, Label]:
    """Build the town and about ``n`` labelled patrols; returns {patrol id: label}."""
    now = now or timezone.now()
    rng = random.Random(f"labelled-patrols/{seed}")  # noqa: S311 - test data
    first_day = timezone.localtime(now).date() - datetime.timedelta(days=DAYS)
    grids = _town(rng, grids=max(8, n // 30))
    labels: dict[int, Label] = {}
    rows: list[tuple[PatrolLog, str, str]] = []
    # At least two rounds of kinds, each hollow kind beside an honest member; the rate of
    # patrols follows from n so that every kind has members even for a small n.
    members = max(2 * len(KINDS), n // 25)
    rate = n / (members * (DAYS - 3))
    number = 0
    kinds: list[str] = []
    while len(rows) < n:
        number += 1
        grid = grids[(number - 1) % len(grids)]
        if not kinds:
            hollow = list(KINDS)
            rng.shuffle(hollow)
            kinds = [
                kind for pair in zip(hollow, [HONEST] * len(KINDS), strict=True) for kind in pair
            ][::-1]
        kind = kinds.pop()
        if kind == "skipped" and not grid.households:
            marked = [g for g in grids if g.households]
            grid = marked[number % len(marked)] if marked else grid
            kind = kind if marked else HONEST
        member = _member(f"lp{seed}_{number:03d}", grid.grid)
        member_rate = min(rate * rng.uniform(0.7, 1.3), 0.9)
        for patrol, label in member_patrols(
            rng, member.pk, grid, grids, kind, first_day, member_rate
        ):
            rows.append((patrol, member.user.username, label))
        if progress:
            progress(len(rows))
    rows = rows[:n]
    PatrolLog.objects.bulk_create([row[0] for row in rows], batch_size=500)
    for patrol, username, label in rows:
        labels[patrol.pk] = Label(username, label)
    return labels


def _town(rng: random.Random, *, grids: int) -> list[GridArea]:
    county = Region.objects.filter(code=TOWN_CODE[:6]).first() or region_save(
        code=TOWN_CODE[:6], name="样本市", level=Region.Level.COUNTY, parent=None
    )
    town = region_save(code=TOWN_CODE, name="样本镇", level=Region.Level.TOWN, parent=county)
    tag = ResidentTag.objects.get_or_create(code="elderly-alone", defaults={"name": "独居老人"})[0]
    built = []
    for index in range(grids):
        village_no, grid_no = divmod(index, GRIDS_PER_VILLAGE)
        x0 = ORIGIN[0] + index * GRID_SIZE[0]
        y0 = ORIGIN[1]
        bounds = (x0, y0, x0 + GRID_SIZE[0], y0 + GRID_SIZE[1])
        if grid_no == 0:
            village = region_save(
                code=f"{TOWN_CODE}{village_no + 1:03d}",
                name=f"样本{village_no + 1}村",
                level=Region.Level.VILLAGE,
                parent=town,
                boundary=_box(
                    ORIGIN[0] + index * GRID_SIZE[0],
                    y0,
                    ORIGIN[0] + (index + GRIDS_PER_VILLAGE) * GRID_SIZE[0],
                    y0 + GRID_SIZE[1],
                ),
            )
        grid = grid_save(
            code=f"{village.code}{grid_no + 1:03d}",
            name=f"样本{village_no + 1}村{grid_no + 1}网格",
            kind=Grid.Kind.RURAL,
            village=village,
            boundary=_box(*bounds),
        )
        households = []
        # Most towns mark their key households on the map; some grids have none marked.
        for number in range(rng.choice([0, 3, 4, 5, 6]) if rng.random() < 0.8 else 0):
            where = place_inside(rng, bounds, margin=0.12)
            household = Household.objects.create(
                code=f"{grid.code}{number:04d}",
                grid=grid,
                address=f"{grid.name}{number + 1}号",
                location=Point(*where, srid=4326),
            )
            resident_save(household=household, name=rng.choice(NAMES), gender="female", tags=[tag])
            households.append(where)
        built.append(GridArea(grid, bounds, households))
    return built


def _box(x0: float, y0: float, x1: float, y1: float):
    from django.contrib.gis.geos import MultiPolygon

    return MultiPolygon(GeosPolygon.from_bbox((x0, y0, x1, y1)), srid=4326)


def _member(username: str, grid: Grid) -> GridMember:
    from django.contrib.auth.models import Group

    user = User.objects.create(username=username, first_name=username[-3:], last_name="样")
    user.groups.add(Group.objects.get(name=Role.GRID_MEMBER))
    member = GridMember.objects.create(user=user, employment=GridMember.Employment.FULL_TIME)
    grid_assign_member(member=member, grid=grid, starts_on=datetime.date(2000, 1, 1))
    return member


def member_patrols(rng, member_id, grid, grids, kind, first_day, rate, *, days=DAYS):
    """A member's patrols from ``first_day`` for ``days`` days, each with its label."""
    share = rng.uniform(0.35, 0.7)  # of a hollow member's patrols, the hollow ones
    notes: list[str] = []
    start_after = first_day + datetime.timedelta(days=rng.randint(0, 3))
    first_patrol = None
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        if day < start_after:
            continue
        in_window = day.day > _month_length(day) - 5
        # A rush is against the member's own rhythm: a member who began patrolling only
        # weeks ago has none yet.
        late_enough = first_patrol is not None and (day - first_patrol).days >= 35
        if kind == "rush":
            if in_window and late_enough:
                count = rng.choice([1, 1, 2])
                label = "rush"
            else:
                count = 1 if rng.random() < rate * 0.2 else 0
                label = HONEST
        else:
            count = (2 if rng.random() < 0.1 else 1) if rng.random() < rate else 0
            label = kind if kind != HONEST and rng.random() < share else HONEST
        if label == "short":
            count = 1
        first_patrol = first_patrol or (day if count else None)
        for _ in range(count):
            patrol_kind = label if label != "copied" or notes else HONEST
            yield _patrol(rng, member_id, grid, grids, day, patrol_kind, notes), patrol_kind


def _month_length(day: datetime.date) -> int:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return (following - datetime.timedelta(days=1)).day


def _patrol(rng, member_id, grid: GridArea, grids: list[GridArea], day, kind, notes: list[str]):
    minutes = min(max(rng.lognormvariate(math.log(70), 0.3), 18), 200)
    if kind == "short":
        minutes = rng.uniform(5, 24)
    start = timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(rng.randint(7, 16), rng.randint(0, 59)))
    )
    seconds_total = int(minutes * 60)
    if kind == "idle":
        points = _idle(rng, grid, seconds_total)
    elif kind == "outside":
        # A little of it in the grid, most of it elsewhere (home, another village).
        elsewhere = rng.choice([g for g in grids if g is not grid] or [grid])
        bounds = _shifted(elsewhere.bounds) if elsewhere is grid else elsewhere.bounds
        own = int(seconds_total * rng.uniform(0, 0.4))
        points = _walk(rng, grid.bounds, [], own, visits=False, avoid=[]) if own else []
        away = _walk(rng, bounds, [], seconds_total - own, visits=False, avoid=[])
        points += [(x, y, t + own) for x, y, t in away]
    else:
        visits = kind != "skipped" and bool(grid.households)
        avoid = grid.households if kind == "skipped" else []
        points = _walk(
            rng, grid.bounds, grid.households, seconds_total, visits=visits, avoid=avoid
        )
        if kind != "skipped" and rng.random() < 0.15:
            points = _detour(rng, points, grid.bounds)
    points = _phone(rng, points)
    text = _copy(rng, notes) if kind == "copied" else _notes(rng, grid)
    notes.append(text)
    timed = rng.random() < 0.75
    route = LineString([(x, y) for x, y, _t in points], srid=4326) if len(points) >= 2 else None
    return PatrolLog(
        member_id=member_id,
        grid=grid.grid,
        client_key=uuid.uuid4(),
        started_at=start,
        ended_at=start + datetime.timedelta(seconds=seconds_total),
        route=route,
        route_seconds=[int(t) for _x, _y, t in points] if timed and route else None,
        notes=text,
        # A third of the walks find something worth a case; hollow ones rarely do.
        findings=_finding(rng) if kind == HONEST and rng.random() < 0.35 else "",
    )


def place_inside(rng, bounds, *, margin: float = 0.05) -> tuple[float, float]:
    x0, y0, x1, y1 = bounds
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    prepared = getattr(bounds, "prepared", None)
    for _attempt in range(50):
        where = rng.uniform(x0 + dx, x1 - dx), rng.uniform(y0 + dy, y1 - dy)
        if prepared is None or prepared.contains(Point(*where, srid=4326)):
            break
    return where


def _shifted(bounds):
    x0, y0, x1, y1 = bounds
    return (x0, y1 + 0.002, x1, y1 + 0.002 + (y1 - y0))


def _near(a, b, metres: float) -> bool:
    kx, ky = metres_per_degree(a[1])
    return math.hypot((a[0] - b[0]) * kx, (a[1] - b[1]) * ky) <= metres


def _walk(rng, bounds, households, seconds_total, *, visits: bool, avoid) -> list[tuple]:
    """Walk between random places (and key households, staying a few minutes at each) at a
    walking pace with short stops, until the patrol's time is spent."""
    position = place_inside(rng, bounds)
    while any(_near(position, h, 60) for h in avoid):
        position = place_inside(rng, bounds)
    t = 0.0
    points = [(*position, t)]
    speed = rng.gauss(1.15, 0.2)
    to_visit = rng.sample(households, k=min(len(households), rng.randint(1, 3))) if visits else []
    stay_budget = seconds_total * 0.55
    while t < seconds_total:
        if to_visit and (rng.random() < 0.4 or t > seconds_total * 0.5):
            target, stay = to_visit.pop(), rng.uniform(180, 720)
        else:
            target, stay = place_inside(rng, bounds), rng.choice([0, 0, 0, rng.uniform(30, 200)])
            if any(_near(target, h, 60) for h in avoid):
                continue
        stay = min(stay, stay_budget)
        stay_budget -= stay
        points, t = _go(rng, points, target, max(speed, 0.6), t, seconds_total, avoid)
        points, t = _stay(rng, points, stay, t, seconds_total)
    return points


def _go(rng, points, target, speed, t, end, avoid):
    x, y, _ = points[-1]
    kx, ky = metres_per_degree(y)
    distance = math.hypot((target[0] - x) * kx, (target[1] - y) * ky)
    steps = max(1, int(distance / (speed * 12)))
    for step in range(1, steps + 1):
        t += rng.uniform(8, 16)
        if t >= end:
            break
        nx = x + (target[0] - x) * step / steps
        ny = y + (target[1] - y) * step / steps
        for hx, hy in avoid:
            # Skirt round a key household rather than stopping at it.
            dx, dy = (nx - hx) * kx, (ny - hy) * ky
            away = math.hypot(dx, dy)
            if away < 50:
                dx, dy = (dx, dy) if away > 1 else (1.0, 0.0)
                scale = 50 / max(away, 1)
                nx, ny = hx + dx * scale / kx, hy + dy * scale / ky
        points.append((nx, ny, t))
    return points, t


def _stay(rng, points, stay, t, end):
    x, y, _ = points[-1]
    until = min(t + stay, end)
    while t < until:
        t += rng.uniform(10, 30)
        points.append((x, y, min(t, end)))
    return points, t


def _idle(rng, grid: GridArea, seconds_total: int) -> list[tuple]:
    """A phone left lying (drifting a little), or a grid driven through in minutes."""
    if rng.random() < 0.3:
        points, t = [(*place_inside(rng, grid.bounds), 0.0)], 0.0
        drive_end = rng.uniform(180, 480)
        while t < drive_end:
            points, t = _go(rng, points, place_inside(rng, grid.bounds), 9.0, t, drive_end, [])
        return _stay(rng, points, seconds_total - t, t, seconds_total)[0]
    points = _walk(rng, grid.bounds, [], rng.uniform(60, 200), visits=False, avoid=[])
    x, y, t = points[-1]
    kx, ky = metres_per_degree(y)
    drift = rng.uniform(0.01, 0.06)  # metres a second
    while t < seconds_total:
        step = rng.uniform(20, 60)
        t += step
        angle = rng.uniform(0, 2 * math.pi)
        x += math.cos(angle) * drift * step / kx
        y += math.sin(angle) * drift * step / ky
        points.append((x, y, min(t, seconds_total)))
    return points


def _detour(rng, points, bounds):
    """An honest detour just over the grid's edge (a road that runs along it)."""
    x0, y0, x1, y1 = bounds
    cut = rng.randint(0, max(0, len(points) - 10))
    length = rng.randint(3, max(4, len(points) // 6))
    shift = (y1 - y0) * rng.uniform(0.1, 0.25)
    return [
        (x, y + shift, t) if cut <= index < cut + length else (x, y, t)
        for index, (x, y, t) in enumerate(points)
    ]


def _phone(rng, points) -> list[tuple]:
    """GPS error (a few metres, drifting) and the phone's 3 m filter."""
    if not points:
        return points
    kx, ky = metres_per_degree(points[0][1])
    sigma = rng.uniform(2, 6)
    ex = ey = 0.0
    kept: list[tuple] = []
    for x, y, t in points:
        ex = 0.7 * ex + rng.gauss(0, sigma * 0.5)
        ey = 0.7 * ey + rng.gauss(0, sigma * 0.5)
        fix = (x + ex / kx, y + ey / ky, t)
        if kept and math.hypot((fix[0] - kept[-1][0]) * kx, (fix[1] - kept[-1][1]) * ky) < (
            MIN_STEP_METRES
        ):
            continue
        kept.append(fix)
    return kept


def _notes(rng, grid: GridArea) -> str:
    parts = [f"{rng.choice(PLACES)}{rng.choice(SEEN)}，{rng.choice(DONE)}"]
    if rng.random() < 0.6:
        parts.append(f"{rng.choice(PLACES)}{rng.choice(SEEN)}")
    if grid.households and rng.random() < 0.7:
        parts.append(rng.choice(VISITS).format(name=rng.choice(NAMES)))
    rng.shuffle(parts)
    return "；".join(parts) + "。"


def _finding(rng) -> str:
    return f"{rng.choice(PLACES)}{rng.choice(SEEN[1:])}"


def _copy(rng, notes: list[str]) -> str:
    text = list(rng.choice(notes[-8:]))
    for _ in range(rng.randint(0, 2)):
        text[rng.randrange(len(text))] = rng.choice("的了在已再")
    return "".join(text)


@dataclass(frozen=True)
class Score:
    n: int
    hollow: int
    flagged: int
    true_positives: int
    recall_by_kind: dict[str, tuple[int, int]]  # kind: (flagged, of)
    false_positives_by_flag: dict[str, int]

    @property
    def precision(self) -> float:
        return self.true_positives / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.hollow if self.hollow else 1.0


def labelled_patrols_score(labels: dict[int, Label]) -> Score:
    """Precision and recall of the stored flags (a patrol with any flag is called hollow)."""
    from members.models import PatrolFlag

    flags: dict[int, set[str]] = {}
    for patrol_id, kind in PatrolFlag.objects.filter(patrol_id__in=labels).values_list(
        "patrol_id", "kind"
    ):
        flags.setdefault(patrol_id, set()).add(kind)
    by_kind: dict[str, tuple[int, int]] = {}
    false_positives: dict[str, int] = {}
    true_positives = 0
    for patrol_id, label in labels.items():
        flagged = patrol_id in flags
        if label.hollow:
            caught, of = by_kind.get(label.kind, (0, 0))
            by_kind[label.kind] = (caught + flagged, of + 1)
            true_positives += flagged
        elif flagged:
            for kind in flags[patrol_id]:
                false_positives[kind] = false_positives.get(kind, 0) + 1
    return Score(
        n=len(labels),
        hollow=sum(label.hollow for label in labels.values()),
        flagged=len(flags),
        true_positives=true_positives,
        recall_by_kind=by_kind,
        false_positives_by_flag=false_positives,
    )

"""The demo geography: Taizhou → T City (Wenling) → S Town (Shitang) → villages → grids.

Grids are cells of a lattice of shared, jittered vertices, so that neighbours share their
edges exactly and the grids tile the town with no gap and no overlap. Cells go to villages
by growing regions from seed cells over the lattice (each cell joins the nearest seed along
its neighbours), so that every village is one contiguous, irregular union of grids.

Everything follows from the seed: the same options give the same regions, codes, names and
coordinates on every run. Writes go through grids.services, which validates each boundary.
"""

import heapq
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.gis.geos import MultiPolygon, Polygon

from grids.models import Grid, Region
from grids.services import grid_save, landmark_save, region_save

Progress = Callable[..., Iterable]

PREFECTURE = ("331000", "台州市")
COUNTY = ("331081", "温岭市")
FIRST_TOWN_CODE = 331081112
TOWN_NAMES = [
    "石塘镇",
    "箬横镇",
    "松门镇",
    "新河镇",
    "石桥头镇",
    "坞根镇",
    "温峤镇",
    "城南镇",
    "大溪镇",
    "泽国镇",
    "滨海镇",
]
# S Town's own villages and communities; other towns draw names from the syllables below.
S_TOWN_COMMUNITIES = ["新街社区", "海利社区"]
S_TOWN_VILLAGES = ["东山村", "里箬村", "桂岙村", "粗沙头村", "五岙村", "前红村"]
NAME_HEADS = "东西南北上下前后新大小高横塘"
NAME_TAILS = "山岙塘湾港岭桥洋浦溪屿岗"
VILLAGES_PER_TOWN = 8
MAX_GRIDS_PER_TOWN = 2000  # a village's grids are numbered with three digits
MAX_TOWNS = 100  # town codes 331081112 to 331081211
COMMUNITIES_PER_TOWN = 2

# S Town lies around 121.56–121.62 E, 28.25–28.30 N; further towns sit west and north of
# it on a grid of their own, a gap apart, so that no two towns overlap.
TOWN_ORIGIN = (121.56, 28.25)
TOWN_SIZE = (0.06, 0.05)
TOWN_STEP = (0.07, 0.06)
TOWNS_PER_ROW = 8
VERTEX_JITTER = 0.22  # share of a cell's width or height
EDGE_BEND = 0.08  # sideways push of the point in the middle of each edge
DIGITS = 7  # about 1 cm: shared vertices are the same floats in every cell that uses them


@dataclass
class GridPlan:
    code: str
    name: str
    kind: str
    boundary: MultiPolygon


@dataclass
class VillagePlan:
    code: str
    name: str
    is_community: bool
    boundary: MultiPolygon
    grids: list[GridPlan] = field(default_factory=list)


@dataclass
class TownPlan:
    code: str
    name: str
    boundary: MultiPolygon
    villages: list[VillagePlan] = field(default_factory=list)

    @property
    def grids(self) -> list[GridPlan]:
        return [grid for village in self.villages for grid in village.grids]


@dataclass
class DemoGeography:
    prefecture: Region
    county: Region
    towns: list[Region]
    villages: list[Region]
    grids: list[Grid]  # in code order, villages selected


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 40 → 四十, 105 → 一百零五 (1 to 999)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return f"{digits[tens] if tens > 1 else ''}十{digits[ones] if ones else ''}"
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        return f"{digits[hundreds]}百"
    if rest < 10:
        return f"{digits[hundreds]}百零{digits[rest]}"
    return f"{digits[hundreds]}百{digits[rest // 10]}十{digits[rest % 10] if rest % 10 else ''}"


def lattice_shape(cells: int) -> tuple[int, int]:
    """Columns and rows for this many cells: an exact rectangle when one is not too thin,
    else a near-square whose last row is only partly used."""
    rows = math.isqrt(cells)
    while rows > 1 and cells % rows:
        rows -= 1
    if cells > rows * rows * 3:  # a strip: use a near-square instead
        rows = max(1, round(math.sqrt(cells)))
    return math.ceil(cells / rows), rows


def _lattice_cells(rng: random.Random, origin, cells: int) -> list[Polygon]:
    """Quads on shared jittered vertices, each edge bent at a shared middle point."""
    cols, rows = lattice_shape(cells)
    width, height = TOWN_SIZE[0] / cols, TOWN_SIZE[1] / rows

    def jitter(scale: float) -> float:
        return rng.uniform(-scale, scale)

    vertex = {
        (i, j): (
            origin[0] + (i + jitter(VERTEX_JITTER)) * width,
            origin[1] + (j + jitter(VERTEX_JITTER)) * height,
        )
        for j in range(rows + 1)
        for i in range(cols + 1)
    }
    middle = {}
    for (i, j), (x, y) in vertex.items():
        if i < cols:  # the edge to the east, bent north or south
            x2, y2 = vertex[(i + 1, j)]
            middle[("h", i, j)] = ((x + x2) / 2, (y + y2) / 2 + jitter(EDGE_BEND) * height)
        if j < rows:  # the edge to the north, bent east or west
            x2, y2 = vertex[(i, j + 1)]
            middle[("v", i, j)] = ((x + x2) / 2 + jitter(EDGE_BEND) * width, (y + y2) / 2)

    def point(xy):
        return (round(xy[0], DIGITS), round(xy[1], DIGITS))

    polygons = []
    for index in range(cells):
        j, i = divmod(index, cols)
        ring = [
            vertex[(i, j)],
            middle[("h", i, j)],
            vertex[(i + 1, j)],
            middle[("v", i + 1, j)],
            vertex[(i + 1, j + 1)],
            middle[("h", i, j + 1)],
            vertex[(i, j + 1)],
            middle[("v", i, j)],
        ]
        coordinates = [point(xy) for xy in ring]
        polygons.append(Polygon([*coordinates, coordinates[0]], srid=4326))
    return polygons


def _neighbours(index: int, cells: int, cols: int) -> Iterable[int]:
    j, i = divmod(index, cols)
    if i > 0:
        yield index - 1
    if i < cols - 1 and index + 1 < cells:
        yield index + 1
    if j > 0:
        yield index - cols
    if index + cols < cells:
        yield index + cols


def _grow_villages(rng: random.Random, polygons: list[Polygon], count: int) -> list[int]:
    """The village (0..count-1) of each cell: seeds spread by farthest-point sampling,
    then every cell joins the seed nearest along the lattice (multi-source Dijkstra)."""
    cells = len(polygons)
    cols, _rows = lattice_shape(cells)
    scale = math.cos(math.radians(polygons[0].centroid.y))
    centres = [(p.centroid.x * scale, p.centroid.y) for p in polygons]
    seeds = [rng.randrange(cells)]
    while len(seeds) < count:
        seeds.append(
            max(
                (c for c in range(cells) if c not in seeds),
                key=lambda c: min(math.dist(centres[c], centres[s]) for s in seeds),
            )
        )
    owner = [-1] * cells
    queue = [(0.0, seed, village) for village, seed in enumerate(seeds)]
    while queue:
        distance, cell, village = heapq.heappop(queue)
        if owner[cell] != -1:
            continue
        owner[cell] = village
        for other in _neighbours(cell, cells, cols):
            if owner[other] == -1:
                step = math.dist(centres[cell], centres[other])
                heapq.heappush(queue, (distance + step, other, village))
    # Number the villages in the order their first cell appears (south-west first).
    order = {village: rank for rank, village in enumerate(dict.fromkeys(owner))}
    return [order[village] for village in owner]


def _union(polygons: list[Polygon]) -> MultiPolygon:
    union = MultiPolygon(*polygons, srid=4326).unary_union
    return union if isinstance(union, MultiPolygon) else MultiPolygon(union, srid=4326)


def _village_names(rng: random.Random, number: int) -> tuple[list[str], list[str]]:
    if number == 0:
        return S_TOWN_COMMUNITIES, S_TOWN_VILLAGES
    stems = rng.sample([head + tail for head in NAME_HEADS for tail in NAME_TAILS], 8)
    return [f"{stem}社区" for stem in stems[:2]], [f"{stem}村" for stem in stems[2:]]


def town_plan(*, number: int, grids_per_town: int, seed: int) -> TownPlan:
    """The regions and grids of the town with this number (0 is S Town), without the
    database."""
    rng = random.Random(f"{seed}/town/{number}")  # noqa: S311 - demo data, not secrets
    code = str(FIRST_TOWN_CODE + number)
    name = TOWN_NAMES[number] if number < len(TOWN_NAMES) else f"合成{number + 1}镇"
    row, column = divmod(number, TOWNS_PER_ROW)
    origin = (TOWN_ORIGIN[0] - column * TOWN_STEP[0], TOWN_ORIGIN[1] + row * TOWN_STEP[1])
    polygons = _lattice_cells(rng, origin, grids_per_town)
    village_count = min(VILLAGES_PER_TOWN, grids_per_town)
    owners = _grow_villages(rng, polygons, village_count)
    communities, villages = _village_names(rng, number)
    town = TownPlan(code=code, name=name, boundary=_union(polygons))
    for index in range(village_count):
        cells = [p for p, owner in zip(polygons, owners, strict=True) if owner == index]
        is_community = index < COMMUNITIES_PER_TOWN
        if is_community:
            village_code, village_name = f"{code}{index + 1:03d}", communities[index]
        else:
            # Division codes number communities from 001 and villages from 201.
            number_in_town = index - COMMUNITIES_PER_TOWN
            village_code, village_name = (
                f"{code}{201 + number_in_town:03d}",
                villages[number_in_town],
            )
        village = VillagePlan(village_code, village_name, is_community, _union(cells))
        kind = Grid.Kind.RESIDENTIAL if is_community else Grid.Kind.RURAL
        if len(cells) > 999:
            raise ValueError(f"{village_name} would have {len(cells)} grids; at most 999.")
        for seq, cell in enumerate(cells, start=1):
            village.grids.append(
                GridPlan(
                    code=f"{village_code}{seq:03d}",
                    name=f"{village_name}第{chinese_number(seq)}网格",
                    kind=kind,
                    boundary=MultiPolygon(cell, srid=4326),
                )
            )
        town.villages.append(village)
    _mark_special_grids(town)
    return town


def _mark_special_grids(town: TownPlan) -> None:
    """A school in the first community and a fishing-port market in the largest village
    get special grids (专属网格) of their own: the last grid of each, when it has two."""
    stem = town.name.removesuffix("镇")
    communities = [v for v in town.villages if v.is_community and len(v.grids) > 1]
    villages = [v for v in town.villages if not v.is_community and len(v.grids) > 1]
    if communities:
        grid = communities[0].grids[-1]
        grid.kind, grid.name = Grid.Kind.SPECIAL, f"{stem}镇中心小学网格"
    if villages:
        village = max(villages, key=lambda v: len(v.grids))
        grid = village.grids[-1]
        grid.kind, grid.name = Grid.Kind.SPECIAL, f"{village.name.removesuffix('村')}渔港市场网格"


def _retire_changed_grids(town: Region, plan: TownPlan) -> None:
    """Deactivate the town's grids that the plan moves or drops, so that a run with other
    options does not collide with the grids of an earlier run (inactive grids are not
    checked for overlap)."""
    planned = {grid.code: grid.boundary for grid in plan.grids}
    for grid in Grid.objects.within(town).active().select_related("village"):
        boundary = planned.get(grid.code)
        if boundary is None or not boundary.equals_exact(grid.boundary, 1e-9):
            grid_save(
                code=grid.code,
                name=grid.name,
                kind=grid.kind,
                village=grid.village,
                boundary=grid.boundary,
                households=grid.households,
                population=grid.population,
                is_active=False,
            )


def geography_seed(
    *, towns: int = 1, grids_per_town: int = 40, seed: int = 2026, progress: Progress | None = None
) -> DemoGeography:
    """Create or update the demo ladder and its grids; safe to run again."""
    progress = progress or (lambda iterable, **kwargs: iterable)
    prefecture = region_save(
        code=PREFECTURE[0], name=PREFECTURE[1], level=Region.Level.PREFECTURE, parent=None
    )
    county = region_save(
        code=COUNTY[0], name=COUNTY[1], level=Region.Level.COUNTY, parent=prefecture
    )
    geography = DemoGeography(prefecture, county, towns=[], villages=[], grids=[])
    planned = []  # (village, grid plan)
    for number in range(towns):
        plan = town_plan(number=number, grids_per_town=grids_per_town, seed=seed)
        town = region_save(
            code=plan.code,
            name=plan.name,
            level=Region.Level.TOWN,
            parent=county,
            boundary=plan.boundary,
        )
        _retire_changed_grids(town, plan)
        geography.towns.append(town)
        for village_plan in plan.villages:
            village = region_save(
                code=village_plan.code,
                name=village_plan.name,
                level=Region.Level.VILLAGE,
                parent=town,
                boundary=village_plan.boundary,
            )
            geography.villages.append(village)
            planned.extend((village, grid) for grid in village_plan.grids)
    # Keep the counters of the register (demo.members refreshes them afterwards).
    counts = {
        code: {"households": households, "population": population}
        for code, households, population in Grid.objects.filter(
            village__in=geography.villages
        ).values_list("code", "households", "population")
    }
    for village, grid in progress(planned, desc="grids", unit="grid"):
        saved = grid_save(
            code=grid.code,
            name=grid.name,
            kind=grid.kind,
            village=village,
            boundary=grid.boundary,
            **counts.get(grid.code, {}),
        )
        geography.grids.append(saved)
    geography.grids.sort(key=lambda grid: grid.code)
    for town in geography.towns:
        _seed_landmarks(town, [v for v in geography.villages if v.parent_id == town.pk])
    return geography


# What residents name when they say where: a few of each town's landmarks, placed inside
# its villages (the demo has no real streets).
LANDMARKS = (
    ("{town}人民政府", "镇政府"),
    ("{town}中心小学", "中心小学 小学"),
    ("{town}卫生院", "医院 卫生院"),
    ("{town}农贸市场", "菜市场"),
    ("{village}文化礼堂", "礼堂"),
    ("{village}村口公交站", "公交站"),
)


def _seed_landmarks(town: Region, villages: list[Region]) -> None:
    stem = town.name.removesuffix("镇")
    with_outline = [village for village in villages if village.boundary is not None]
    for index, (pattern, aliases) in enumerate(LANDMARKS):
        if not with_outline:
            return
        village = with_outline[index % len(with_outline)]
        landmark_save(
            town=town,
            name=pattern.format(town=stem + "镇", village=village.name),
            location=village.boundary.point_on_surface,
            aliases=aliases,
        )

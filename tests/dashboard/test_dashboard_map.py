"""The dashboard map's case layer by the box in view: points or server-side clusters,
every case reachable by zooming or listing, scoped like the dashboard."""

import datetime
import math

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.clusters import BBox, cell_size
from dashboard import maps
from dashboard.maps import case_layer, case_list
from dashboard.periods import Period
from incidents.models import Category, Incident
from tests.conftest import NOW

pytestmark = pytest.mark.time_machine(NOW, tick=False)

CASES = reverse("dashboard:map_cases")
PERIOD = Period.last_days(30, NOW.date())
# The whole ladder of tests/conftest.py at a county's zoom.
COUNTY = {"bbox": "120.9,27.9,121.2,28.1", "zoom": "10"}
SPOT = (121.0151, 28.0051)  # many cases at one spot of grid A2


def _case(ladder, code: str, grid, x: float, y: float, **fields) -> Incident:
    values = {
        "code": code,
        "title": f"case {code}",
        "description": "-",
        "category": Category.objects.get(code="garbage"),
        "town": grid.village.parent,
        "grid": grid,
        "source": Incident.Source.PATROL,
        "level": 6,
        "handling_region": grid.village,
        "status": "in_progress",
        "created_at": NOW - datetime.timedelta(days=1),
        "deadline": NOW + datetime.timedelta(days=1),
        "location": Point(x, y, srid=4326),
    }
    return Incident(**{**values, **fields})


@pytest.fixture
def spread(ladder):
    """S Town: 3 × 8 cases over its three grids, 12 at one spot of A2; R Town: 5 cases.
    Off the map: a closed case, one of last year, one without a place."""
    rows = []
    for g, grid in enumerate((ladder.a1, ladder.a2, ladder.a3)):
        west = grid.boundary.extent[0]
        for n in range(8):
            x, y = west + 0.001 + n * 0.0011, 28.001 + (n % 4) * 0.002
            rows.append(_case(ladder, f"S{g}{n}", grid, x, y))
    rows += [_case(ladder, f"P{n:02d}", ladder.a2, *SPOT) for n in range(12)]
    rows += [_case(ladder, f"R{n}", ladder.b1, 121.101 + n * 0.003, 28.005) for n in range(5)]
    rows += [
        _case(ladder, "CLOSED", ladder.a1, 121.005, 28.005, status="closed", closed_at=NOW),
        _case(ladder, "OLD", ladder.a1, 121.005, 28.005, created_at=NOW.replace(year=2025)),
        _case(ladder, "NOWHERE", ladder.a1, 0, 0, location=None),
    ]
    Incident.objects.bulk_create(rows)
    return set(Incident.objects.filter(code__regex=r"^[SP]").values_list("pk", flat=True))


def _bbox(text: str) -> BBox:
    return BBox(*(float(part) for part in text.split(",")))


def _reach(user, bbox: BBox, zoom: int, limit: int) -> list[int]:
    """Every case a reader reaches from a view: points as they are, a cluster by zooming
    into its box (as Leaflet's fitBounds, at least one level deeper), or, when its cases
    share one spot, by listing it page by page."""
    layer = case_layer(user, PERIOD, bbox=bbox, zoom=zoom, limit=limit, now=NOW)
    if layer["kind"] == "points":
        return [feature["id"] for feature in layer["cases"]["features"]]
    reached = []
    for cluster in layer["clusters"]["features"]:
        box = BBox(*cluster["properties"]["bbox"])
        if box.west == box.east and box.south == box.north:
            offset = 0
            while offset is not None:
                page = case_list(user, PERIOD, bbox=box, offset=offset, size=5, now=NOW)
                reached += [feature["id"] for feature in page["cases"]["features"]]
                offset = page["next_offset"]
        else:
            reached += _reach(user, box, min(zoom + 2, 22), limit)
    return reached


def test_a_view_with_few_cases_gets_each_case_with_its_popup(cast, spread):
    layer = case_layer(
        cast.town_official, PERIOD, bbox=BBox(121.0, 28.0, 121.0045, 28.01), zoom=16
    )

    assert layer["kind"] == "points"
    assert layer["total"] == 4
    first = layer["cases"]["features"][0]
    assert first["properties"] == {
        "code": "S00",
        "title": "case S00",
        "status": "In progress",
        "overdue": False,
    }
    assert first["geometry"] == {"type": "Point", "coordinates": [121.001, 28.001]}


def test_a_view_with_more_than_the_limit_gets_clusters_that_count_every_case(cast, spread):
    layer = case_layer(cast.town_official, PERIOD, bbox=_bbox(COUNTY["bbox"]), zoom=12, limit=10)

    assert layer["kind"] == "clusters"
    counts = [feature["properties"]["count"] for feature in layer["clusters"]["features"]]
    assert sum(counts) == layer["total"] == len(spread) == 36
    for feature in layer["clusters"]["features"]:
        west, south, east, north = feature["properties"]["bbox"]
        x, y = feature["geometry"]["coordinates"]
        assert west <= x <= east
        assert south <= y <= north


def test_clusters_are_cells_of_the_zoom_and_split_when_zooming_in(cast, spread):
    wide = case_layer(cast.town_official, PERIOD, bbox=_bbox(COUNTY["bbox"]), zoom=9, limit=10)
    close = case_layer(cast.town_official, PERIOD, bbox=_bbox(COUNTY["bbox"]), zoom=15, limit=10)

    assert len(wide["clusters"]["features"]) < len(close["clusters"]["features"])
    assert wide["total"] == close["total"] == 36


def test_the_limit_is_500_cases_and_nothing_is_capped():
    assert maps.POINT_LIMIT == 500
    assert not hasattr(maps, "MAP_POINTS")


@pytest.mark.parametrize("limit", [1, 5, 20])
def test_every_case_is_reached_by_zooming_or_listing(cast, spread, limit):
    reached = _reach(cast.town_official, _bbox(COUNTY["bbox"]), 10, limit)

    assert sorted(reached) == sorted(spread)


def test_a_list_of_one_spot_pages_through_its_cases(cast, spread):
    spot = BBox(*SPOT, *SPOT)

    first = case_list(cast.town_official, PERIOD, bbox=spot, offset=0, size=5, now=NOW)
    last = case_list(cast.town_official, PERIOD, bbox=spot, offset=10, size=5, now=NOW)

    codes = [feature["properties"]["code"] for feature in first["cases"]["features"]]
    assert codes == ["P00", "P01", "P02", "P03", "P04"]
    assert first["next_offset"] == 5
    assert [feature["properties"]["code"] for feature in last["cases"]["features"]] == [
        "P10",
        "P11",
    ]
    assert last["next_offset"] is None


def test_a_huge_view_is_cut_into_at_most_64_cells_across():
    world = BBox(-180, -85, 180, 85)

    assert cell_size(world, 22) == pytest.approx(2 * math.pi / 64)
    assert cell_size(world, 0) == pytest.approx(2 * math.pi / 4)  # a 64-pixel cell of tile 0


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 403),
        ("resident", 403),
        ("member", 403),
        ("leader", 403),
        ("village_staff", 200),
        ("town_official", 200),
        ("county_official", 200),
        ("admin", 200),
    ],
)
def test_only_managers_and_admins_get_the_map_cases(client, cast, who, status):
    if getattr(cast, who) is not None:
        client.force_login(getattr(cast, who))

    response = client.get(CASES, COUNTY)

    assert response.status_code == status


def test_another_towns_official_sees_none_of_our_cases(client, cast, spread, monkeypatch):
    monkeypatch.setattr(maps, "POINT_LIMIT", 1)
    client.force_login(cast.other_official)

    layer = client.get(CASES, COUNTY).json()
    listed = client.get(CASES, {**COUNTY, "list": "1"}).json()

    assert layer["kind"] == "clusters"
    assert layer["total"] == 5
    codes = {feature["properties"]["code"] for feature in listed["cases"]["features"]}
    assert codes == {"R0", "R1", "R2", "R3", "R4"}


def test_the_town_official_gets_the_points_of_the_town(client, cast, spread):
    client.force_login(cast.town_official)

    layer = client.get(CASES, COUNTY).json()

    assert layer["kind"] == "points"
    assert {feature["id"] for feature in layer["cases"]["features"]} == spread


def test_the_period_filters_the_map_cases(client, cast, spread):
    client.force_login(cast.town_official)

    layer = client.get(
        CASES, {**COUNTY, "preset": "custom", "start": "2025-01-01", "to": "2025-12-31"}
    ).json()

    assert [feature["properties"]["code"] for feature in layer["cases"]["features"]] == ["OLD"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"zoom": "10"}, "bbox"),
        ({"bbox": "", "zoom": "10"}, "bbox"),
        ({"bbox": "a,b,c,d", "zoom": "10"}, "bbox"),
        ({"bbox": "1,2,3", "zoom": "10"}, "bbox"),
        ({"bbox": "1,2,3,4,5", "zoom": "10"}, "bbox"),
        ({"bbox": "nan,0,1,1", "zoom": "10"}, "bbox"),
        ({"bbox": "inf,0,1,1", "zoom": "10"}, "bbox"),
        ({"bbox": "-200,0,1,1", "zoom": "10"}, "bbox"),
        ({"bbox": "0,-91,1,1", "zoom": "10"}, "bbox"),
        ({"bbox": "10,0,5,1", "zoom": "10"}, "bbox"),
        ({"bbox": "0,5,1,1", "zoom": "10"}, "bbox"),
        ({"bbox": "1e400,0,1,1", "zoom": "10"}, "bbox"),
        ({"bbox": "0,0,1,1"}, "zoom"),
        ({"bbox": "0,0,1,1", "zoom": "x"}, "zoom"),
        ({"bbox": "0,0,1,1", "zoom": "10.5"}, "zoom"),
        ({"bbox": "0,0,1,1", "zoom": "-1"}, "zoom"),
        ({"bbox": "0,0,1,1", "zoom": "99"}, "zoom"),
        ({"bbox": "0,0,1,1", "zoom": "9" * 40}, "zoom"),
        ({"bbox": "0,0,1,1", "zoom": "10", "list": "1", "offset": "-5"}, "offset"),
        ({"bbox": "0,0,1,1", "zoom": "10", "list": "1", "offset": "1" * 30}, "offset"),
        ({"bbox": "0,0,1,1", "zoom": "10", "preset": "custom"}, "start"),
    ],
)
def test_refuses_a_bad_view_with_400_and_the_reason(client, cast, params, field):
    client.force_login(cast.town_official)

    response = client.get(CASES, params, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert field in response.json()["detail"]


def test_a_case_at_the_south_pole_does_not_break_the_clusters(cast, ladder, spread):
    Incident.objects.bulk_create([_case(ladder, "POLE", ladder.a1, 0, -90)])

    layer = case_layer(cast.town_official, PERIOD, bbox=BBox(-180, -90, 180, 90), zoom=0, limit=1)

    assert layer["total"] == 37


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(CASES, params).status_code == 200
    return len(captured.captured_queries)


def test_the_queries_do_not_grow_with_the_cases(client, cast, ladder, monkeypatch):
    monkeypatch.setattr(maps, "POINT_LIMIT", 3)
    client.force_login(cast.town_official)
    Incident.objects.bulk_create(
        [_case(ladder, f"F{n}", ladder.a1, 121.001 + n * 0.001, 28.005) for n in range(4)]
    )
    few = _queries(client, COUNTY)
    Incident.objects.bulk_create(
        [_case(ladder, f"M{n}", ladder.a3, 121.021 + n * 0.0001, 28.002) for n in range(150)]
    )

    many = _queries(client, COUNTY)
    listed = _queries(client, {**COUNTY, "list": "1", "offset": "50"})
    points = _queries(client, {"bbox": "121.0,28.0,121.0025,28.01", "zoom": "17"})

    assert few == many
    assert listed == many  # one query each: the page, or the clusters
    assert points == many + 1  # the clusters count the cases, then the points

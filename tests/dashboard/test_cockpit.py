"""The cockpit of a county or a prefecture city: who opens it, what it counts, that every
count opens exactly its cases in the queue, the recurring problems and the queries."""

import datetime
import html
import re

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.roles import Role
from dashboard.cockpit import month_periods
from dashboard.periods import Period
from dashboard.recurring import recurring_problems
from grids.models import Grid, Region
from grids.services import grid_save, region_save
from incidents.models import Category, Incident, IncidentEvent
from incidents.permissions import incidents_visible_to
from incidents.services.catalogue import department_save
from tests.conftest import NOW, SHANGHAI, make_user
from tests.factories import box

pytestmark = pytest.mark.time_machine(NOW, tick=False)  # Monday 23 November 2026
COCKPIT = reverse("dashboard:cockpit")
COCKPIT_MAP = reverse("dashboard:cockpit_map")
QUEUE = reverse("incidents:queue")
A = IncidentEvent.Action


def at(day: int, month: int = 11, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


def make_case(code, grid, *, created, status="in_progress", closed=None, **fields):
    fields.setdefault("category", Category.objects.get(code="garbage"))
    return Incident.objects.create(
        code=code,
        title=code,
        description="-",
        town=grid.village.parent,
        grid=grid,
        source=fields.pop("source", Incident.Source.PATROL),
        level=6,
        handling_region=grid.village,
        status=status,
        created_at=created,
        closed_at=closed,
        location=Point(121.005, 28.005, srid=4326),
        **fields,
    )


def event(incident, action, when, **fields):
    row = IncidentEvent.objects.create(incident=incident, action=action, **fields)
    IncidentEvent.objects.filter(pk=row.pk).update(created_at=when)


@pytest.fixture
def city_official(ladder):
    return make_user("official_c", Role.CITY_OFFICIAL, ladder.city)


@pytest.fixture
def other_county(ladder):
    """Another county of the city (T2), with a town and one grid, and one case in it."""
    county = region_save(
        code="331082", name="临海市", level=Region.Level.COUNTY, parent=ladder.city
    )
    town = region_save(code="331082100", name="大洋街道", level=Region.Level.TOWN, parent=county)
    village = region_save(
        code="331082100001",
        name="大洋社区",
        level=Region.Level.VILLAGE,
        parent=town,
        boundary=box(121.20, 28.00, 121.22, 28.01),
    )
    grid = grid_save(
        code="331082100001001",
        name="大洋一网格",
        kind=Grid.Kind.RURAL,
        village=village,
        boundary=box(121.20, 28.00, 121.22, 28.01),
    )
    make_case("T2-1", grid, created=at(10))
    return county


def fill(ladder, *, scale: int = 1) -> None:
    """A mix over this month (from 1 November) and the month before, in both towns, with
    every outcome the cockpit counts: registered, dispatched (by hand and by rule),
    returned, extended, reworked, breached, rated, open and overdue."""
    garbage = Category.objects.get(code="garbage")
    dispute = Category.objects.get(code="neighbour-dispute")
    dept = department_save(code="urban", name="综合执法队", region=ladder.town)
    other_dept = department_save(code="market", name="市场监管所", region=ladder.other_town)
    grids = [ladder.a1, ladder.a2, ladder.a3, ladder.b1]
    sources = [Incident.Source.PATROL, Incident.Source.RESIDENT, Incident.Source.HOTLINE]
    base = Incident.objects.count()
    for n in range(base, base + 12 * scale):
        grid = grids[n % 4]
        month = 11 if n % 3 else 10
        day = 1 + n % 20
        created = at(day, month)
        closed = n % 2 == 0
        case = make_case(
            f"C{n:05d}",
            grid,
            created=created,
            status=("evaluated" if n % 4 == 0 else "closed") if closed else "in_progress",
            closed=created + datetime.timedelta(days=2) if closed else None,
            category=garbage if n % 5 else dispute,
            source=sources[n % 3],
            satisfaction=("satisfied" if n % 8 == 0 else "dissatisfied") if n % 4 == 0 else "",
            escalation_count=1 if n % 5 == 0 else 0,
            assignee_department=(dept if grid != ladder.b1 else other_dept) if n % 3 else None,
            deadline=at(22) if n % 7 == 0 else at(30),
        )
        event(case, A.ACCEPT, created + datetime.timedelta(hours=1))
        if n % 3:
            action = A.AUTO_DISPATCH if n % 2 else A.DISPATCH
            event(case, action, created + datetime.timedelta(hours=2))
        if n % 6 == 1:
            event(case, A.RETURN, created + datetime.timedelta(hours=3))
        if closed and n % 5 == 0:
            event(case, A.AUTO_ESCALATE, created + datetime.timedelta(hours=5))
        if closed and n % 7 == 0:
            event(case, A.REWORK, created + datetime.timedelta(hours=6))
        if closed and n % 9 == 0:
            event(case, A.EXTEND_APPROVE, created + datetime.timedelta(hours=7))


# --- who opens it ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("resident", 403),
        ("member", 403),
        ("leader", 403),
        ("village_staff", 403),
        ("town_official", 403),
        ("other_official", 403),
        ("admin", 403),  # no jurisdiction: no county to show
        ("county_official", 200),
    ],
)
@pytest.mark.parametrize("url", [COCKPIT, COCKPIT_MAP])
def test_only_county_and_city_officials_open_the_cockpit(client, cast, who, status, url):
    client.force_login(getattr(cast, who))

    response = client.get(url)

    assert response.status_code == status


def test_a_city_official_opens_it_too(client, city_official):
    client.force_login(city_official)

    assert client.get(COCKPIT).status_code == 200
    assert client.get(COCKPIT_MAP).status_code == 200


def test_a_county_official_with_a_town_jurisdiction_is_refused(client, ladder):
    client.force_login(make_user("misplaced", Role.COUNTY_OFFICIAL, ladder.town))

    assert client.get(COCKPIT).status_code == 403


def test_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get(COCKPIT)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={COCKPIT}"
    assert client.get(COCKPIT_MAP).status_code == 403


def test_the_dashboard_links_the_cockpit_for_the_county_only(client, cast):
    client.force_login(cast.county_official)
    assert COCKPIT.encode() in client.get(reverse("dashboard:home")).content

    client.force_login(cast.town_official)
    assert COCKPIT.encode() not in client.get(reverse("dashboard:home")).content


@pytest.mark.parametrize("month", ["2026-13", "soon", "2026-12", "1999-12", "-"])
def test_answers_a_bad_month_with_400_not_500(client, cast, month):
    client.force_login(cast.county_official)

    assert client.get(COCKPIT, {"month": month}).status_code == 400
    assert client.get(COCKPIT_MAP, {"month": month}).status_code == 400


# --- what it counts -----------------------------------------------------------------------


def test_compares_a_running_month_with_the_same_days_and_a_past_one_with_the_whole():
    today = datetime.date(2026, 12, 2)

    running = month_periods(datetime.date(2026, 12, 1), today)
    past = month_periods(datetime.date(2026, 11, 1), today)

    assert running == (
        Period(datetime.date(2026, 12, 1), datetime.date(2026, 12, 3)),
        Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 3)),
    )
    assert past == (
        Period(datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)),
        Period(datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)),
    )


def _cells(row) -> dict:
    return {cell["indicator"].key: cell for cell in row["cells"]}


def test_a_county_official_sees_a_row_per_town_of_the_county_only(
    client, cast, ladder, other_county
):
    fill(ladder)
    client.force_login(cast.county_official)

    figures = client.get(COCKPIT).context["figures"]

    assert [row["name"] for row in figures["units"]] == ["石塘镇", "箬横镇"]
    received = [_cells(row)["received"]["now"]["value"] for row in figures["units"]]
    total = _cells(figures["total"])["received"]
    # This month (1–23 November): the cases whose number is not a multiple of 3.
    assert received == [6, 2]
    assert total["now"]["value"] == 8
    assert total["before"]["value"] == 4  # the others, on 1–10 October (up to the 23rd)
    assert total["change"] == 4
    assert "T2-1" not in str(figures)


def test_a_city_official_sees_a_row_per_county(client, ladder, other_county, city_official):
    fill(ladder)
    client.force_login(city_official)

    figures = client.get(COCKPIT).context["figures"]

    rows = {row["name"]: _cells(row)["received"]["now"]["value"] for row in figures["units"]}
    assert rows == {"温岭市": 8, "临海市": 1}


def test_counts_every_indicator_by_hand(client, cast, ladder):
    """Three cases in S Town this month, worked out by hand."""
    dept = department_save(code="urban", name="综合执法队", region=ladder.town)
    k1 = make_case(
        "K1", ladder.a1, created=at(2), status="evaluated", closed=at(5), satisfaction="satisfied"
    )
    k2 = make_case("K2", ladder.a2, created=at(3), status="closed", closed=at(6))
    k3 = make_case("K3", ladder.a1, created=at(4), deadline=at(20), assignee_department=dept)
    for case in (k1, k2, k3):
        event(case, A.ACCEPT, case.created_at)
    event(k1, A.AUTO_DISPATCH, at(2, hour=12), department=dept)
    event(k1, A.RETURN, at(2, hour=13), department=dept)
    event(k1, A.DISPATCH, at(2, hour=14), department=dept)
    event(k2, A.AUTO_ESCALATE, at(4))
    event(k2, A.REWORK, at(5))
    event(k1, A.EXTEND_APPROVE, at(4))
    client.force_login(cast.county_official)

    cells = _cells(client.get(COCKPIT).context["figures"]["units"][0])

    now = {key: cell["now"] for key, cell in cells.items()}
    assert now["received"]["value"] == 3
    assert now["registered"]["value"] == 3
    assert (now["closure_rate"]["part"]["value"], now["closure_rate"]["whole"]["value"]) == (2, 3)
    assert now["closed"]["value"] == 2
    assert now["on_time_rate"]["rate"] == 0.5
    assert now["rework_rate"]["rate"] == 0.5
    assert now["extension_rate"]["rate"] == 0.5
    assert now["return_rate"]["rate"] == 0.5
    assert now["auto_dispatch_rate"]["rate"] == 0.5
    assert now["escalation_rate"]["rate"] == 0.0
    assert now["satisfaction_rate"]["rate"] == 1.0
    assert now["open_now"]["value"] == 1
    assert now["overdue_now"]["value"] == 1
    assert cells["open_now"]["before"] is None
    assert cells["on_time_rate"]["change"] is None  # nothing closed in October


_LINK = re.compile(r'<a href="([^"]+)" data-count="(\d+)">')


def test_every_count_opens_exactly_its_cases_in_the_queue(client, cast, ladder):
    fill(ladder, scale=2)
    client.force_login(cast.county_official)
    page = client.get(COCKPIT).content.decode()

    links = [(html.unescape(url), int(count)) for url, count in _LINK.findall(page)]

    assert len(links) > 150
    assert any(count > 0 for _url, count in links)
    checked = set()
    for url, count in links:
        if url in checked:
            continue
        checked.add(url)
        assert url.startswith(f"{QUEUE}?")
        response = client.get(url)
        assert response.status_code == 200
        assert response.context["filter"].is_valid(), url
        assert response.context["total"] == count, url


def test_the_heat_map_counts_the_cases_of_each_grid_in_the_month(client, cast, ladder):
    fill(ladder)
    client.force_login(cast.county_official)

    layer = client.get(COCKPIT_MAP).json()

    counts = {f["properties"]["code"]: f["properties"]["cases"] for f in layer["features"]}
    assert counts == {
        ladder.a1.code: 2,
        ladder.a2.code: 2,
        ladder.a3.code: 2,
        ladder.b1.code: 2,
    }
    assert layer["total"] == 8
    assert layer["period"] == {"first": "2026-11-01", "last": "2026-11-23"}
    assert {f["geometry"]["type"] for f in layer["features"]} == {"MultiPolygon"}
    # The popup's link (static/js/cockpit.js): the grid and the month's days.
    for feature in layer["features"]:
        queue = client.get(
            QUEUE,
            {"grid": feature["id"], "created_from": "2026-11-01", "created_to": "2026-11-23"},
        )
        assert queue.context["total"] == feature["properties"]["cases"]


# --- recurring problems -------------------------------------------------------------------


def test_recurring_problems_follow_the_documented_rule(ladder, cast):
    garbage = Category.objects.get(code="garbage")
    dispute = Category.objects.get(code="neighbour-dispute")
    n = 0

    def cases(grid, category, month, count):
        nonlocal n
        for _ in range(count):
            n += 1
            make_case(f"R{n:04d}", grid, created=at(2, month), category=category)

    # A1 garbage: 1 a month for six months (mean 1, sd 0), 3 now: 3 ≥ max(3, 1) → flagged.
    for month in range(5, 11):
        cases(ladder.a1, garbage, month, 1)
    cases(ladder.a1, garbage, 11, 3)
    # A2 garbage: 0, 5, 0, 5, 0, 5 (mean 2.5, sd 2.5: threshold 7.5), 6 now → not flagged.
    for month, count in zip(range(5, 11), (0, 5, 0, 5, 0, 5), strict=True):
        cases(ladder.a2, garbage, month, count)
    cases(ladder.a2, garbage, 11, 6)
    # A3 disputes: new, but only 2 now (< 3) → not flagged; B1 disputes: new, 4 → flagged.
    cases(ladder.a3, dispute, 11, 2)
    cases(ladder.b1, dispute, 11, 4)
    current = Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 24))

    problems = recurring_problems(incidents_visible_to(cast.county_official), current)

    assert [(p["grid"], p["category"], p["count"]) for p in problems] == [
        ("南湾一网格", dispute.name, 4),
        ("东山一网格", garbage.name, 3),
    ]
    assert problems[1]["history"] == [1, 1, 1, 1, 1, 1]
    assert problems[1]["threshold"] == 3.0


def test_a_recurring_problem_links_to_its_cases(client, cast, ladder):
    for n in range(4):
        make_case(f"P{n}", ladder.a3, created=at(3 + n))
    client.force_login(cast.county_official)

    response = client.get(COCKPIT)

    [problem] = response.context["problems"]
    assert problem["count"] == 4
    queue = client.get(f"{QUEUE}?{problem['query']}")
    assert queue.context["total"] == 4


# --- queries --------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_runs_as_many_queries_for_more_towns_and_cases(client, cast, ladder):
    client.force_login(cast.county_official)
    fill(ladder, scale=1)
    small_page, small_map = _queries(client, COCKPIT), _queries(client, COCKPIT_MAP)

    for number in range(3):  # three more towns, each with a grid and cases
        town = region_save(
            code=f"33108120{number}",
            name=f"新{number}镇",
            level=Region.Level.TOWN,
            parent=ladder.county,
        )
        village = region_save(
            code=f"33108120{number}001",
            name=f"新{number}村",
            level=Region.Level.VILLAGE,
            parent=town,
            boundary=box(121.3 + number / 10, 28.0, 121.32 + number / 10, 28.01),
        )
        grid = grid_save(
            code=f"33108120{number}001001",
            name=f"新{number}网格",
            kind=Grid.Kind.RURAL,
            village=village,
            boundary=box(121.3 + number / 10, 28.0, 121.32 + number / 10, 28.01),
        )
        for n in range(5):
            make_case(f"N{number}{n}", grid, created=at(5 + n))
    fill(ladder, scale=5)

    assert _queries(client, COCKPIT) == small_page
    assert _queries(client, COCKPIT_MAP) == small_map
    assert small_page <= 20


# --- the API ----------------------------------------------------------------------------------

COCKPIT_API = reverse("api:cockpit")


@pytest.mark.parametrize(
    ("who", "status"),
    [("town_official", 403), ("resident", 403), ("admin", 403), ("county_official", 200)],
)
def test_the_api_answers_county_officials_only(client, cast, who, status):
    client.force_login(getattr(cast, who))

    assert client.get(COCKPIT_API).status_code == status


def test_the_api_refuses_anonymous_callers_and_bad_months(client, cast):
    assert client.get(COCKPIT_API).status_code in (401, 403)

    client.force_login(cast.county_official)
    response = client.get(COCKPIT_API, {"month": "2026-13"})

    assert response.status_code == 400
    assert "month" in response.json()


def test_the_api_gives_the_page_figures_with_their_cases(client, cast, ladder):
    fill(ladder)
    client.force_login(cast.county_official)

    body = client.get(COCKPIT_API).json()

    assert [unit["name"] for unit in body["units"]] == ["石塘镇", "箬横镇"]
    received = body["total"]["indicators"]["received"]
    assert (received["now"]["value"], received["before"]["value"], received["change"]) == (8, 4, 4)
    assert body["period"] == {"first": "2026-11-01", "last": "2026-11-23"}
    rate = body["units"][0]["indicators"]["on_time_rate"]["now"]
    assert set(rate) == {"rate", "count", "of"}
    url = received["now"]["cases_url"]
    queue = client.get(url.removeprefix("http://testserver"))
    assert queue.context["total"] == 8
    assert body["units"][0]["indicators"]["return_rate"]["now"]["count"]["cases_url"] is None

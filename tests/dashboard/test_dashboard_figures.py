"""The dashboard's arithmetic on a small set of cases whose every figure is known."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.gis.geos import LineString, Point

from core.clusters import BBox
from dashboard.maps import case_layer
from dashboard.periods import Period
from dashboard.selectors import dashboard_figures, dashboard_map
from incidents.models import Category, Incident, IncidentEvent
from incidents.services.catalogue import department_save
from members.models import PatrolFlag, PatrolLog
from tests.conftest import SHANGHAI

PERIOD = Period(start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 8))
# The figures are asked for two days after the period, with the clock frozen there.
NOW = datetime.datetime(2026, 11, 10, 10, 0, tzinfo=SHANGHAI)
pytestmark = pytest.mark.time_machine(NOW, tick=False)


def at(day: int, hour: int = 10, minute: int = 0, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def make_case(code, grid, *, created, status, closed=None, deadline=None, **fields):
    return Incident.objects.create(
        code=code,
        title=f"案件{code}",
        description="-",
        category=fields.pop("category", None) or Category.objects.get(code="garbage"),
        town=grid.village.parent,
        grid=grid,
        source=Incident.Source.PATROL,
        level=6,
        handling_region=grid.village,
        status=status,
        created_at=created,
        closed_at=closed,
        deadline=deadline,
        location=Point(121.005, 28.005, srid=4326),
        **fields,
    )


def add_event(incident, action, when):
    event = IncidentEvent.objects.create(incident=incident, action=action, breached_deadline=when)
    IncidentEvent.objects.filter(pk=event.pk).update(created_at=when)


@pytest.fixture
def town_cases(ladder, cast):
    """Seven cases of S Town around the period 1–7 November, and one of R Town."""
    department = department_save(code="urban-management", name="综合执法队", region=ladder.town)
    member = cast.member.grid_member
    cases = SimpleNamespace(
        # 24 h, on time, assigned to the department
        c1=make_case(
            "C1",
            ladder.a1,
            created=at(2),
            closed=at(3),
            status="closed",
            assignee_department=department,
        ),
        # 72 h, breached (auto escalation), reworked, satisfied
        c2=make_case(
            "C2",
            ladder.a1,
            created=at(2, 12),
            closed=at(5, 12),
            status="evaluated",
            satisfaction="satisfied",
            escalation_count=1,
        ),
        # 48 h, on time, dissatisfied
        c3=make_case(
            "C3",
            ladder.a2,
            created=at(4),
            closed=at(6),
            status="evaluated",
            satisfaction="dissatisfied",
        ),
        # open and overdue, assigned to the member and the department
        c4=make_case(
            "C4",
            ladder.a1,
            created=at(5),
            status="in_progress",
            deadline=at(9),
            assignee_department=department,
            assignee_user=member.user,
        ),
        # opened before the period, closed on its last evening after 240 h, stalled once
        c5=make_case(
            "C5",
            ladder.a3,
            created=at(28, 23, 30, month=10),
            closed=at(7, 23, 30),
            status="evaluated",
            satisfaction="basically_satisfied",
        ),
        # opened at the first moment after the period; not overdue
        c6=make_case("C6", ladder.a1, created=at(8, 0), status="reported", deadline=at(20)),
        # opened a minute before the period; overdue since 1 November, escalated twice
        c7=make_case(
            "C7",
            ladder.a3,
            created=at(31, 23, 59, month=10),
            status="accepted",
            deadline=at(1),
            escalation_count=2,
        ),
        other=make_case("R1", ladder.b1, created=at(3), closed=at(4), status="closed"),
    )
    add_event(cases.c2, "auto_escalate", at(3))
    add_event(cases.c2, "rework", at(4))
    add_event(cases.c5, "stall", at(1))
    add_event(cases.c7, "auto_escalate", at(1, 12))
    add_event(cases.other, "rework", at(3, 12))
    return cases


def test_counts_cases_opened_and_closed_in_the_period(cast, town_cases):
    headline = dashboard_figures(cast.town_official, PERIOD, now=NOW)["headline"]

    assert (headline["opened"], headline["closed"]) == (4, 4)
    assert [(status["value"], status["count"]) for status in headline["statuses"]] == [
        ("in_progress", 1),
        ("closed", 1),
        ("evaluated", 2),
    ]


def test_computes_the_outcome_rates_of_the_cases_closed_in_the_period(cast, town_cases):
    headline = dashboard_figures(cast.town_official, PERIOD, now=NOW)["headline"]

    assert (headline["closed_on_time"], headline["on_time_rate"]) == (2, 0.5)
    assert (headline["reworked"], headline["rework_rate"]) == (1, 0.25)
    assert headline["average_handling"] == datetime.timedelta(hours=96)
    assert [(r["value"], r["count"]) for r in headline["ratings"]] == [
        ("satisfied", 1),
        ("basically_satisfied", 1),
        ("dissatisfied", 1),
    ]
    assert (headline["rated"], headline["satisfied"]) == (3, 2)
    assert headline["satisfaction_rate"] == pytest.approx(2 / 3)


def test_computes_escalation_rate_and_backlog(cast, town_cases):
    headline = dashboard_figures(cast.town_official, PERIOD, now=NOW)["headline"]

    assert (headline["escalated"], headline["escalation_rate"]) == (1, 0.25)
    assert (headline["open_now"], headline["overdue_now"]) == (3, 2)


def test_trend_has_one_point_per_local_day(cast, town_cases):
    trend = dashboard_figures(cast.town_official, PERIOD, now=NOW)["trend"]

    assert [(point["day"].day, point["opened"], point["closed"]) for point in trend] == [
        (1, 0, 0),
        (2, 2, 0),
        (3, 0, 1),
        (4, 1, 0),
        (5, 1, 1),
        (6, 0, 1),
        (7, 0, 1),
    ]


def test_breaks_down_by_village_grid_and_department(cast, town_cases):
    figures = dashboard_figures(cast.town_official, PERIOD, now=NOW)

    def table(rows):
        return [
            (row["name"], row["opened"], row["closed"], row["on_time"], row["overdue"])
            for row in rows
        ]

    assert table(figures["by_village"]) == [("东山村", 4, 3, 2, 1), ("西山村", 0, 1, 0, 1)]
    assert [row["on_time_rate"] for row in figures["by_village"]] == [2 / 3, 0.0]
    assert table(figures["by_grid"]) == [
        ("东山一网格", 3, 2, 1, 1),
        ("东山二网格", 1, 1, 1, 0),
        ("西山一网格", 0, 1, 0, 1),
    ]
    assert table(figures["by_department"]) == [("综合执法队", 2, 1, 1, 1)]
    assert table(figures["by_category"]) == [("垃圾乱堆乱放", 4, 4, 2, 2)]


def test_lists_overdue_cases_longest_overdue_first(cast, town_cases):
    overdue = dashboard_figures(cast.town_official, PERIOD, now=NOW)["overdue"]

    assert [case.code for case in overdue] == ["C7", "C4"]


def _patrols(member, grid, days, *, flagged: int, judged: bool = True) -> None:
    """A patrol a day on ``days``, the first ``flagged`` of them with a stored flag."""
    for index, day in enumerate(days):
        log = PatrolLog.objects.create(
            member=member,
            grid=grid,
            started_at=at(day, 9),
            ended_at=at(day, 10),
            route=LineString((121.001, 28.001), (121.009, 28.009), srid=4326),
            findings="路灯损坏" if day == days[0] else "",
            assessed_at=at(day, 11) if judged else None,
        )
        if index < flagged:
            PatrolFlag.objects.create(patrol=log, kind="outside_grids", figures={"inside": 0.1})


def test_shows_member_workload_and_the_stored_patrol_flags(cast, ladder, town_cases):
    _patrols(cast.member.grid_member, ladder.a1, [1, 2, 3, 4, 5, 6], flagged=2)
    _patrols(cast.other_member.grid_member, ladder.a2, [1, 2, 3, 4, 5], flagged=1)
    _patrols(cast.leader.grid_member, ladder.a1, [1, 2, 3, 4], flagged=4)

    workload = dashboard_figures(cast.town_official, PERIOD, now=NOW)["workload"]

    rows = {row["username"]: row for row in workload}
    walker = rows["member_a1"]
    assert (walker["open_assigned"], walker["patrols"], walker["patrol_hours"]) == (1, 6, 6.0)
    assert (walker["judged"], walker["flagged"], walker["ranked"], walker["hollow"]) == (
        6,
        2,
        True,
        True,
    )
    assert walker["last_finding"] == at(1, 9)
    other = rows["member_a2"]
    assert (other["judged"], other["flagged"], other["ranked"], other["hollow"]) == (
        5,
        1,
        True,
        False,
    )
    assert other["grids"] == ["东山二网格"]
    # Every patrol flagged, but four are too few to judge the member by.
    leader = rows["leader_a1"]
    assert (leader["judged"], leader["flagged"], leader["ranked"], leader["hollow"]) == (
        4,
        4,
        False,
        False,
    )
    assert [row["username"] for row in workload] == ["member_a1", "member_a2", "leader_a1"]


def test_patrols_not_judged_yet_do_not_count_towards_the_sample(cast, ladder, town_cases):
    _patrols(cast.member.grid_member, ladder.a1, [1, 2, 3, 4, 5, 6], flagged=0, judged=False)

    workload = dashboard_figures(cast.town_official, PERIOD, now=NOW)["workload"]

    walker = next(row for row in workload if row["username"] == "member_a1")
    assert (walker["patrols"], walker["judged"], walker["ranked"]) == (6, 0, False)


def test_other_towns_official_sees_none_of_these_cases(cast, town_cases):
    figures = dashboard_figures(cast.other_official, PERIOD, now=NOW)

    assert (figures["headline"]["opened"], figures["headline"]["closed"]) == (1, 1)
    assert figures["headline"]["reworked"] == 1
    assert [row["name"] for row in figures["by_village"]] == ["南湾村"]
    assert figures["by_department"] == []
    assert figures["overdue"] == []
    assert figures["workload"] == []


def test_map_shows_open_cases_of_the_period_over_visible_grids(cast, town_cases):
    layers = dashboard_map(cast.town_official)
    cases = case_layer(cast.town_official, PERIOD, bbox=BBox(120, 27, 122, 29), zoom=12, now=NOW)

    assert cases["kind"] == "points"
    assert [feature["properties"]["code"] for feature in cases["cases"]["features"]] == ["C4"]
    assert cases["cases"]["features"][0]["properties"]["overdue"] is True
    assert cases["cases"]["features"][0]["geometry"] == {
        "type": "Point",
        "coordinates": [121.005, 28.005],
    }
    assert [grid["id"] for grid in layers["grids"]["features"]] == [
        "331081112001001",
        "331081112001002",
        "331081112002001",
    ]

"""The case-handling indicators on a small set of cases whose answers are worked out by
hand, the minimum sample of the rankings, and the queries they cost."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from dashboard.kpis import dashboard_kpis
from dashboard.periods import Period
from dashboard.selectors import dashboard_figures
from incidents.models import Category, DispatchRule, Incident, IncidentEvent, ReasonCode
from incidents.permissions import incidents_visible_to
from incidents.services.catalogue import department_save
from tests.conftest import NOW, SHANGHAI

# The period and its cases are in the past of the frozen clock, whatever day the suite runs.
pytestmark = pytest.mark.time_machine(NOW, tick=False)
PERIOD = Period(start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 8))
A = IncidentEvent.Action


def at(day: int, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, 10, 0, tzinfo=SHANGHAI)


def make_case(code, grid, *, created, status, closed=None, **fields):
    return Incident.objects.create(
        code=code,
        title=code,
        description="-",
        category=Category.objects.get(code="garbage"),
        town=grid.village.parent,
        grid=grid,
        source=Incident.Source.PATROL,
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


def reason(kind, code):
    return ReasonCode.objects.get(kind=kind, code=code)


@pytest.fixture
def known(ladder):
    """Eight cases; the answers below each figure in the tests are counted from here.

    K1 a1: received 2 Nov, registered, dispatched by a rule to A, returned by A,
           dispatched by hand to B, extension approved, closed 5 Nov.
    K2 a2: received 3 Nov, registered, dispatched to B, breached, evaluated 6 Nov.
    K3 a1: received 4 Nov, registered, dispatched by the rule to A, still open.
    K4 a1: received 5 Nov, rejected (not true).
    K5 a1: received in October, registered in October, suspended 2 Nov (budget).
    K6 a1: received 6 Nov, not yet accepted.
    K7 b1: R Town's, received, registered and closed in the period (not the official's).
    K8 a3: received 2 Nov, closed 3 Nov on time, never registered by an event.
    """
    dept_a = department_save(code="dept-a", name="甲部门", region=ladder.town)
    dept_b = department_save(code="dept-b", name="乙部门", region=ladder.town)
    rule = DispatchRule.objects.create(
        town=ladder.town, category=Category.objects.get(code="garbage"), department=dept_a
    )
    k1 = make_case(
        "K1", ladder.a1, created=at(2), status="closed", closed=at(5), assignee_department=dept_b
    )
    event(k1, A.ACCEPT, at(2))
    event(k1, A.AUTO_DISPATCH, at(2), department=dept_a, dispatch_rule=rule)
    event(
        k1,
        A.RETURN,
        at(3),
        department=dept_a,
        dispatch_rule=rule,
        reason=reason("return", "not-competent"),
    )
    event(k1, A.DISPATCH, at(3), department=dept_b)
    event(k1, A.EXTEND_REQUEST, at(4), reason=reason("extension", "awaiting-materials"))
    event(k1, A.EXTEND_APPROVE, at(4), reason=reason("extension", "awaiting-materials"))
    k2 = make_case(
        "K2",
        ladder.a2,
        created=at(3),
        status="evaluated",
        closed=at(6),
        assignee_department=dept_b,
        satisfaction="satisfied",
    )
    event(k2, A.ACCEPT, at(3))
    event(k2, A.DISPATCH, at(3), department=dept_b)
    event(k2, A.AUTO_ESCALATE, at(4), breached_deadline=at(4))
    k3 = make_case("K3", ladder.a1, created=at(4), status="dispatched", assignee_department=dept_a)
    event(k3, A.ACCEPT, at(4))
    event(k3, A.AUTO_DISPATCH, at(4), department=dept_a, dispatch_rule=rule)
    k4 = make_case("K4", ladder.a1, created=at(5), status="rejected", closed=at(5))
    event(k4, A.REJECT, at(5), reason=reason("reject", "not-true"))
    k5 = make_case(
        "K5",
        ladder.a1,
        created=at(20, 10),
        status="suspended",
        suspended_from="accepted",
        review_on=datetime.date(2026, 12, 1),
    )
    event(k5, A.ACCEPT, at(20, 10))
    event(k5, A.SUSPEND, at(2), reason=reason("suspension", "awaiting-budget"))
    make_case("K6", ladder.a1, created=at(6), status="reported")
    k7 = make_case("K7", ladder.b1, created=at(2), status="closed", closed=at(3))
    event(k7, A.ACCEPT, at(2))
    make_case("K8", ladder.a3, created=at(2), status="closed", closed=at(3))
    return {"dept_a": dept_a, "dept_b": dept_b}


def kpis_of(user):
    return dashboard_figures(user, PERIOD)["kpis"]


def test_counts_and_rates_worked_out_by_hand(known, cast):
    kpis = kpis_of(cast.town_official)

    assert (kpis["received"], kpis["registered"], kpis["registered_closed"]) == (6, 3, 2)
    assert kpis["closure_rate"] == pytest.approx(2 / 3)  # K1, K2 of K1, K2, K3
    assert (kpis["closed"], kpis["extended"]) == (3, 1)  # K1, K2, K8; K1 extended
    assert kpis["extension_rate"] == pytest.approx(1 / 3)
    assert (kpis["dispatches"], kpis["auto_dispatches"], kpis["returns"]) == (4, 2, 1)
    assert kpis["auto_dispatch_rate"] == pytest.approx(0.5)
    assert kpis["return_rate"] == pytest.approx(0.25)
    assert kpis["auto_returned"] == 1
    assert kpis["suspended_now"] == 1


def test_breaks_each_reasoned_step_down_by_reason(known, cast):
    reasons = kpis_of(cast.town_official)["reasons"]

    assert [(step["action"], step["total"]) for step in reasons] == [
        ("reject", 1),
        ("return", 1),
        ("extend_request", 1),
        ("suspend", 1),
    ]
    assert reasons[1]["reasons"] == [
        {"code": "not-competent", "name": "不属于本单位职责", "count": 1}
    ]


def test_counts_returns_per_receiving_unit(known, cast):
    units = kpis_of(cast.town_official)["returns_by_unit"]

    assert units == [
        {
            "name": "甲部门",
            "kind": "department",
            "dispatched": 2,
            "returned": 1,
            "auto": 1,
            "return_rate": 0.5,
        }
    ]


def test_another_town_sees_only_its_own_case(known, cast):
    kpis = kpis_of(cast.other_official)

    assert (kpis["received"], kpis["registered"], kpis["closed"]) == (1, 1, 1)
    assert kpis["returns"] == kpis["dispatches"] == 0


def test_rankings_list_only_units_with_the_minimum_sample(known, cast, settings):
    settings.KPI_RANKING_MIN_CASES = 2
    two = dashboard_figures(cast.town_official, PERIOD)["rankings"]
    settings.KPI_RANKING_MIN_CASES = 1
    one = dashboard_figures(cast.town_official, PERIOD)["rankings"]

    # 西山村 (K8 alone, 100 %) would top 东山村 (K1 on time, K2 breached: 50 %).
    assert [(row["name"], row["on_time_rate"]) for row in two["villages"]] == [("东山村", 0.5)]
    assert two["grids"] == []
    assert [row["name"] for row in two["departments"]] == ["乙部门"]
    assert [row["name"] for row in one["villages"]] == ["西山村", "东山村"]
    assert [row["name"] for row in one["grids"]] == ["东山一网格", "西山一网格", "东山二网格"]


def test_a_minimum_of_zero_ranks_only_units_with_a_closed_case(known, cast, settings):
    settings.KPI_RANKING_MIN_CASES = 0
    figures = dashboard_figures(cast.town_official, PERIOD)
    settings.KPI_RANKING_MIN_CASES = 1
    one = dashboard_figures(cast.town_official, PERIOD)["rankings"]

    # A unit without a closed case has no on-time rate to rank by (and must not break it).
    units = figures["by_village"] + figures["by_grid"] + figures["by_department"]
    assert any(row["closed"] == 0 for row in units)
    assert figures["rankings"] == one


def test_the_indicators_cost_the_same_queries_for_more_cases(
    known, cast, ladder, django_assert_num_queries
):
    cases = incidents_visible_to(cast.town_official)
    totals = {"opened": 0, "closed": 0, "extended": 0, "suspended": 0}
    with django_assert_num_queries(3):
        dashboard_kpis(cases, PERIOD, totals=totals)
    for n in range(20):
        extra = make_case(f"X{n}", ladder.a1, created=at(3), status="closed", closed=at(4))
        event(extra, A.ACCEPT, at(3))
        event(
            extra,
            A.RETURN,
            at(3),
            department=known["dept_a"],
            reason=reason("return", "wrong-category"),
        )
    with django_assert_num_queries(3):
        kpis = dashboard_kpis(cases, PERIOD, totals=totals)

    assert kpis["returns"] == 21


def test_the_dashboard_page_shows_the_indicators(client, known, cast, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(cast.town_official)

    response = client.get(
        reverse("dashboard:home"), {"preset": "custom", "start": "2026-11-01", "to": "2026-11-07"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="kpi-closure-rate">66.7%' in html
    assert 'id="kpi-return-rate">25.0%' in html
    assert 'data-reason="not-competent"' in html


def test_a_return_without_a_known_actor_is_named_by_a_dash(ladder, cast):
    """A return recorded without an actor (imported or seeded history) is one unit named
    "—", never "NoneNone"."""
    case = make_case("N1", ladder.a1, created=at(2), status=Incident.Status.ACCEPTED)
    event(case, A.RETURN, at(3), to_status=Incident.Status.ACCEPTED)

    units = kpis_of(cast.town_official)["returns_by_unit"]

    assert [(unit["name"], unit["kind"], unit["returned"]) for unit in units] == [
        ("—", "person", 1)
    ]

"""The town dashboard from the facts (incidents.models.facts): the same figures as from
the cases on every period the facts cover, for a town, a county and a platform
administrator; the cases when the facts do not cover the period or the user sees cases
outside the towns; constant queries. The clock is frozen at NOW."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.periods import Period
from dashboard.selectors import dashboard_figures
from incidents.models import (
    CaseFact,
    Category,
    DispatchRule,
    Incident,
    IncidentEvent,
    Level,
    Supervision,
)
from incidents.services.facts import (
    case_facts_differences,
    case_facts_rebuild,
    case_facts_refresh,
)
from incidents.services.regrid import incidents_follow_grid_split
from tests.conftest import NOW, TODAY
from tests.dashboard.test_cockpit import at, event, fill, make_case

pytestmark = pytest.mark.time_machine(NOW, tick=False)  # Monday 23 November 2026
A = IncidentEvent.Action
SINCE = datetime.date(2026, 5, 1)
PERIODS = {
    "last 7 days": Period.last_days(7, TODAY),
    "last 30 days": Period.last_days(30, TODAY),
    "last 90 days": Period.last_days(90, TODAY),
    "custom": Period(datetime.date(2026, 10, 5), datetime.date(2026, 11, 16)),
    "one day": Period(datetime.date(2026, 11, 3), datetime.date(2026, 11, 4)),
}


def _more(ladder, supervisor) -> None:
    """What fill lacks: a return of a dispatch by a rule, a supervised case past its
    supervision deadline, a case on hold, yellow lights, every rating."""
    garbage = Category.objects.get(code="garbage")
    rule = DispatchRule.objects.create(
        town=ladder.town, priority=1, category=garbage, user=supervisor
    )
    returned = make_case("R1", ladder.a1, created=at(12))
    event(returned, A.AUTO_DISPATCH, at(12, hour=11), dispatch_rule=rule)
    event(returned, A.RETURN, at(12, hour=12), dispatch_rule=rule)
    supervised = make_case("S1", ladder.a2, created=at(14), is_supervised=True, deadline=at(20))
    Supervision.objects.create(
        incident=supervised, level=Level.TOWN, deadline=at(21), supervisor=supervisor
    )
    make_case(
        "H1",
        ladder.a3,
        created=at(15),
        status="suspended",
        suspended_from="in_progress",
        review_on=datetime.date(2026, 12, 1),
        deadline=at(30),
    )
    make_case("Y1", ladder.a3, created=at(16), deadline=at(30), yellow_at=at(22))
    make_case(
        "B1",
        ladder.a1,
        created=at(2),
        status="closed",
        closed=at(9, hour=17),
        satisfaction="basically_satisfied",
    )


@pytest.fixture
def facts(ladder, cast):
    fill(ladder, scale=3)
    _more(ladder, cast.town_official)
    case_facts_rebuild(since=SINCE)
    # A morning's events after the rebuild, taken in by the minute's refresh.
    new = make_case("NEW", ladder.a2, created=NOW)
    IncidentEvent.objects.create(incident=new, action=A.ACCEPT)
    old = Incident.objects.filter(status="in_progress").order_by("pk").first()
    Incident.objects.filter(pk=old.pk).update(
        status="evaluated", closed_at=NOW, satisfaction="satisfied"
    )
    IncidentEvent.objects.create(incident=old, action=A.VERIFY)
    moved = Incident.objects.filter(status="closed", grid=ladder.a1).order_by("-pk").first()
    Incident.objects.filter(pk=moved.pk).update(grid=ladder.a3, assignee_department=None)
    IncidentEvent.objects.create(incident=moved, action=A.RETURN)
    assert case_facts_refresh().days >= 1


def _reads_facts(queries) -> bool:
    return any("FROM incidents_casefact f" in query["sql"] for query in queries)


@pytest.mark.parametrize("who", ["town_official", "county_official", "admin"])
@pytest.mark.parametrize("name", list(PERIODS))
def test_the_dashboard_counts_the_same_from_facts_and_from_the_cases(cast, facts, who, name):
    user, period = getattr(cast, who), PERIODS[name]

    with CaptureQueriesContext(connection) as captured:
        from_facts = dashboard_figures(user, period, now=NOW)
    from_cases = dashboard_figures(user, period, now=NOW, use_facts=False)

    assert _reads_facts(captured.captured_queries)
    assert from_facts == from_cases
    if name != "one day":
        assert from_facts["headline"]["opened"] > 0
        assert from_facts["headline"]["closed"] > 0


def test_every_figure_the_facts_add_is_counted(cast, facts):
    figures = dashboard_figures(cast.town_official, PERIODS["last 30 days"], now=NOW)

    assert figures["kpis"]["auto_returned"] == 1
    assert figures["headline"]["supervision_overdue_now"] == 1
    assert figures["headline"]["yellow_now"] == 1
    assert figures["kpis"]["suspended_now"] == 1
    assert {rating["value"] for rating in figures["headline"]["ratings"] if rating["count"]} == {
        "satisfied",
        "basically_satisfied",
        "dissatisfied",
    }
    assert figures["headline"]["average_handling"] > datetime.timedelta(0)


def test_a_period_before_the_facts_is_counted_from_the_cases(cast, facts):
    period = Period(datetime.date(2026, 4, 20), datetime.date(2026, 5, 10))

    with CaptureQueriesContext(connection) as captured:
        figures = dashboard_figures(cast.town_official, period, now=NOW)

    assert not _reads_facts(captured.captured_queries)
    assert figures == dashboard_figures(cast.town_official, period, now=NOW, use_facts=False)


def test_an_official_who_sees_a_case_of_another_town_is_counted_from_the_cases(
    cast, ladder, facts
):
    make_case("ELSEWHERE", ladder.b1, created=at(20), reporter=cast.town_official)
    period = PERIODS["last 7 days"]

    with CaptureQueriesContext(connection) as captured:
        figures = dashboard_figures(cast.town_official, period, now=NOW)

    assert not _reads_facts(captured.captured_queries)
    assert "ELSEWHERE" in {
        case.code for case in Incident.objects.filter(reporter=cast.town_official)
    }
    assert (
        figures["headline"]["opened"]
        == (
            dashboard_figures(cast.town_official, period, now=NOW, use_facts=False)["headline"][
                "opened"
            ]
        )
    )


def test_village_staff_are_counted_from_the_cases(cast, facts):
    with CaptureQueriesContext(connection) as captured:
        dashboard_figures(cast.village_staff, PERIODS["last 30 days"], now=NOW)

    assert not _reads_facts(captured.captured_queries)


def test_the_page_reads_the_facts_in_constant_queries(client, cast, ladder):
    client.force_login(cast.town_official)
    url = reverse("dashboard:home") + "?preset=30"
    fill(ladder)
    case_facts_rebuild(since=SINCE)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    fill(ladder, scale=4)
    _more(ladder, cast.town_official)
    case_facts_rebuild(since=SINCE)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)

    assert len(large.captured_queries) == len(small.captured_queries)
    assert _reads_facts(large.captured_queries)
    figures = response.context["figures"]
    assert figures == dashboard_figures(
        cast.town_official, figures["period"], now=figures["now"], use_facts=False
    )


def test_cases_moved_by_a_grid_split_are_counted_in_their_new_grid_at_once(cast, ladder, facts):
    moved = incidents_follow_grid_split(old=ladder.a1, halves=[ladder.a2])
    period = PERIODS["last 90 days"]

    from_facts = dashboard_figures(cast.town_official, period, now=NOW)

    assert moved > 0
    assert from_facts == dashboard_figures(cast.town_official, period, now=NOW, use_facts=False)
    assert case_facts_differences(since=SINCE, until=TODAY) == []


def test_a_fact_of_a_deleted_grid_is_left_out(cast, ladder, facts):
    CaseFact.objects.create(
        day=TODAY, town=ladder.town, kind=CaseFact.Kind.GRID, grid_id=999_999, opened=3
    )
    period = PERIODS["last 7 days"]

    figures = dashboard_figures(cast.town_official, period, now=NOW)

    assert 999_999 not in {row.get("pk") for row in figures["by_grid"]}
    assert (
        figures["by_grid"]
        == (dashboard_figures(cast.town_official, period, now=NOW, use_facts=False)["by_grid"])
    )

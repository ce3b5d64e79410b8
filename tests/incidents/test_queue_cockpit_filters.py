"""The queue's filters that the cockpit's figures drill down with: town or county,
assigned department, closed and registered (立案) dates, outcome; and their refusals."""

import datetime

import pytest
from django.urls import reverse

from incidents.models import Incident, IncidentEvent
from incidents.services.catalogue import department_save
from tests.conftest import NOW, SHANGHAI

pytestmark = pytest.mark.time_machine(NOW, tick=False)
QUEUE = reverse("incidents:queue")


def codes(response) -> set[str]:
    assert response.status_code == 200
    return {incident.code for incident in response.context["page"].object_list}


def at(day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture
def cases(report, cast, ladder):
    """S1 in S Town, closed on the 10th (breached, reworked), registered on the 2nd;
    S2 in S Town, open, dispatched to the town's department, registered on the 5th;
    R1 in R Town, closed on the 12th, rated satisfied, escalated once."""
    s1 = report(title="S1")
    s2 = report(actor=cast.town_official, title="S2", grid=ladder.a3)
    r1 = report(actor=cast.other_official, grid=ladder.b1, title="R1")
    department = department_save(code="urban", name="综合执法队", region=ladder.town)
    Incident.objects.filter(pk=s1.pk).update(status="closed", closed_at=at(10))
    Incident.objects.filter(pk=s2.pk).update(assignee_department=department)
    Incident.objects.filter(pk=r1.pk).update(
        status="evaluated", closed_at=at(12), satisfaction="satisfied", escalation_count=1
    )
    for case, action, when in (
        (s1, IncidentEvent.Action.ACCEPT, at(2)),
        (s1, IncidentEvent.Action.AUTO_ESCALATE, at(3)),
        (s1, IncidentEvent.Action.REWORK, at(4)),
        (s2, IncidentEvent.Action.ACCEPT, at(5)),
        (r1, IncidentEvent.Action.ACCEPT, at(6)),
    ):
        event = IncidentEvent.objects.create(incident=case, action=action)
        IncidentEvent.objects.filter(pk=event.pk).update(created_at=when)
    return {"s1": s1.code, "s2": s2.code, "r1": r1.code, "department": department}


def test_filters_by_town_and_by_county(client, cast, ladder, cases):
    client.force_login(cast.county_official)

    town = codes(client.get(QUEUE, {"region": ladder.town.pk}))
    other_town = codes(client.get(QUEUE, {"region": ladder.other_town.pk}))
    county = codes(client.get(QUEUE, {"region": ladder.county.pk}))

    assert town == {cases["s1"], cases["s2"]}
    assert other_town == {cases["r1"]}
    assert county == {cases["s1"], cases["s2"], cases["r1"]}


def test_refuses_a_town_outside_the_jurisdiction_and_shows_no_case(client, cast, ladder, cases):
    client.force_login(cast.town_official)

    response = client.get(QUEUE, {"region": ladder.other_town.pk})

    assert codes(response) == set()
    assert set(response.context["filter"].form.errors) == {"region"}


def test_filters_by_assigned_department(client, cast, cases):
    client.force_login(cast.county_official)

    response = client.get(QUEUE, {"assigned_department": cases["department"].pk})

    assert codes(response) == {cases["s2"]}


def test_filters_by_the_local_days_of_closure(client, cast, cases):
    client.force_login(cast.county_official)

    tenth = codes(client.get(QUEUE, {"closed_from": "2026-11-10", "closed_to": "2026-11-10"}))
    from_eleventh = codes(client.get(QUEUE, {"closed_from": "2026-11-11"}))

    assert tenth == {cases["s1"]}
    assert from_eleventh == {cases["r1"]}


def test_filters_by_the_days_of_registration(client, cast, cases):
    client.force_login(cast.county_official)

    early = codes(client.get(QUEUE, {"accepted_from": "2026-11-01", "accepted_to": "2026-11-05"}))
    until_third = codes(client.get(QUEUE, {"accepted_to": "2026-11-03"}))

    assert early == {cases["s1"], cases["s2"]}
    assert until_third == {cases["s1"]}


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("closed", {"s1", "r1"}),
        ("on_time", {"r1"}),
        ("reworked", {"s1"}),
        ("extended", set()),
        ("escalated", {"r1"}),
        ("rated", {"r1"}),
        ("satisfied", {"r1"}),
    ],
)
def test_filters_by_outcome(client, cast, cases, outcome, expected):
    client.force_login(cast.county_official)

    response = client.get(QUEUE, {"outcome": outcome})

    assert codes(response) == {cases[key] for key in expected}


def test_an_unknown_outcome_shows_the_error_and_no_case(client, cast, cases):
    client.force_login(cast.county_official)

    response = client.get(QUEUE, {"outcome": "perfect", "closed_from": "tomorrow"})

    assert codes(response) == set()
    assert set(response.context["filter"].form.errors) == {"outcome", "closed_from"}

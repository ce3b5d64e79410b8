"""督办 as a record: level, reason, deadline and supervising official; the handler and the
handler's superiors are told; a register lists overdue ones first; an overdue supervision
rises one level."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from core.roles import Role
from incidents.models import Incident, IncidentEvent, Level, Supervision
from incidents.services import transitions as t
from incidents.services.supervision import supervisions_escalate_overdue
from members.models import Notification
from tests.conftest import NOW, make_user

pytestmark = pytest.mark.time_machine(NOW, tick=False)
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def dispatched(report, cast):
    incident = t.incident_accept(actor=cast.town_official, incident=report())
    return t.incident_dispatch(actor=cast.town_official, incident=incident, user=cast.member)


def supervise(actor, incident, reason, **fields):
    return t.incident_supervise(
        actor=actor,
        incident=incident,
        on=True,
        note="群众多次反映",
        reason_code=reason("supervision", "repeated-complaints"),
        **fields,
    )


def test_a_supervision_is_a_record_and_the_handler_and_superiors_are_told(
    dispatched, cast, reason
):
    Notification.objects.all().delete()

    supervise(cast.town_official, dispatched, reason, deadline=NOW + 24 * HOUR)

    supervision = Supervision.objects.get()
    assert (supervision.level, supervision.reason.code, supervision.supervisor) == (
        Level.TOWN,
        "repeated-complaints",
        cast.town_official,
    )
    assert (supervision.deadline, supervision.ended_at) == (NOW + 24 * HOUR, None)
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"member_a1", "village_v1"}  # the handler and the grid rung's owner
    event = IncidentEvent.objects.get(incident=dispatched, action="supervise")
    assert event.reason == supervision.reason


def test_without_a_deadline_it_gets_its_levels_limit(dispatched, cast, reason):
    supervise(cast.county_official, dispatched, reason)

    supervision = Supervision.objects.get()
    assert supervision.level == Level.COUNTY
    assert supervision.deadline > NOW


def test_ending_it_closes_the_record(dispatched, cast, reason):
    supervise(cast.town_official, dispatched, reason)

    t.incident_supervise(actor=cast.town_official, incident=dispatched, on=False)

    assert Supervision.objects.get().ended_by == cast.town_official
    assert not Incident.objects.get(pk=dispatched.pk).is_supervised


@pytest.mark.parametrize(
    ("who", "level"), [("town_official", Level.COUNTY), ("other_official", None)]
)
def test_refuses_a_level_above_ones_own_and_another_towns_official(
    dispatched, cast, reason, who, level
):
    with pytest.raises(PermissionDenied):
        supervise(getattr(cast, who), dispatched, reason, level=level)

    assert not Supervision.objects.exists()
    assert not Incident.objects.get(pk=dispatched.pk).is_supervised


def test_an_overdue_supervision_rises_one_level_once(dispatched, cast, reason, ladder):
    supervise(cast.town_official, dispatched, reason, deadline=NOW + HOUR)
    make_user("county_two", Role.COUNTY_OFFICIAL, ladder.county)
    Notification.objects.all().delete()

    early = supervisions_escalate_overdue(now=NOW + HOUR / 2)
    raised = supervisions_escalate_overdue(now=NOW + 2 * HOUR)
    again = supervisions_escalate_overdue(now=NOW + 2 * HOUR)

    assert (early, raised, again) == (0, 1, 0)
    supervision = Supervision.objects.get()
    assert (supervision.level, supervision.escalation_count) == (Level.COUNTY, 1)
    assert supervision.deadline > NOW + 2 * HOUR
    event = IncidentEvent.objects.get(action="supervise_up")
    assert event.breached_deadline == NOW + HOUR
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"official_t", "county_two"}


def test_the_register_lists_overdue_first_and_only_what_one_sees(
    report, cast, reason, client, django_assert_num_queries
):
    cases = [t.incident_accept(actor=cast.town_official, incident=report()) for _ in range(3)]
    supervise(cast.town_official, cases[0], reason, deadline=NOW + 48 * HOUR)
    supervise(cast.town_official, cases[1], reason, deadline=NOW + 2 * HOUR)
    supervise(cast.town_official, cases[2], reason, deadline=NOW + 24 * HOUR)
    Supervision.objects.filter(incident=cases[2]).update(deadline=NOW - HOUR)  # overdue

    client.force_login(cast.town_official)
    with django_assert_num_queries(10):
        response = client.get(reverse("incidents:supervision_register"))
    client.force_login(cast.other_official)
    other = client.get(reverse("incidents:supervision_register"))

    rows = [s.incident.code for s in response.context["page"].object_list]
    assert rows == [cases[2].code, cases[1].code, cases[0].code]
    assert other.context["page"].paginator.count == 0

"""Extensions (延期): asked by the handler, decided one rung up; escalation respects them."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.models import DeadlineExtension, Incident, IncidentEvent, Level
from incidents.services import transitions as t
from incidents.services.errors import IncidentActionRefused
from incidents.services.escalation import incidents_escalate_overdue
from incidents.services.handling import incident_extension_decide, incident_extension_request
from tests.conftest import NOW
from tests.incidents.conftest import events_of

DAY = datetime.timedelta(days=1)


@pytest.fixture
def dispatched(report, cast):
    with time_machine.travel(NOW, tick=False):
        incident = t.incident_accept(actor=cast.town_official, incident=report())
        return t.incident_dispatch(actor=cast.town_official, incident=incident, user=cast.member)


def ask(cast, incident, reason, *, days=3, actor=None):
    with time_machine.travel(NOW, tick=False):
        return incident_extension_request(
            actor=actor or cast.member,
            incident=incident,
            reason_code=reason("extension"),
            note="等待配件",
            new_deadline=incident.deadline + days * DAY,
        )


def test_the_handler_asks_and_the_village_approves_moving_the_deadline(dispatched, cast, reason):
    old_deadline = dispatched.deadline
    extension = ask(cast, dispatched, reason)

    incident_extension_decide(actor=cast.village_staff, extension=extension, approve=True)

    incident = Incident.objects.get(pk=dispatched.pk)
    assert incident.deadline == old_deadline + 3 * DAY
    extension.refresh_from_db()
    assert (extension.status, extension.decided_by, extension.previous_deadline) == (
        "approved",
        cast.village_staff,
        old_deadline,
    )
    assert events_of(incident)[-2:] == ["extend_request", "extend_approve"]
    approve = IncidentEvent.objects.get(incident=incident, action="extend_approve")
    assert approve.reason == reason("extension")


def test_a_refusal_keeps_the_deadline_and_needs_a_remark(dispatched, cast, reason):
    extension = ask(cast, dispatched, reason)

    with pytest.raises(ValidationError):
        incident_extension_decide(actor=cast.town_official, extension=extension, approve=False)
    incident_extension_decide(
        actor=cast.town_official, extension=extension, approve=False, note="理由不充分"
    )

    assert Incident.objects.get(pk=dispatched.pk).deadline == dispatched.deadline
    assert DeadlineExtension.objects.get().status == "refused"
    assert events_of(dispatched)[-2:] == ["extend_request", "extend_refuse"]


@pytest.mark.parametrize("who", ["other_member", "leader", "village_staff", "town_official"])
def test_only_the_handler_may_ask(dispatched, cast, reason, who):
    with pytest.raises(PermissionDenied):
        ask(cast, dispatched, reason, actor=getattr(cast, who))

    assert not DeadlineExtension.objects.exists()
    assert events_of(dispatched) == ["report", "accept", "dispatch"]


@pytest.mark.parametrize("who", ["member", "leader", "other_member", "other_official", "resident"])
def test_only_staff_one_rung_up_decide(dispatched, cast, reason, who):
    extension = ask(cast, dispatched, reason)

    with pytest.raises(PermissionDenied):
        incident_extension_decide(actor=getattr(cast, who), extension=extension, approve=True)

    extension.refresh_from_db()
    assert extension.status == "pending"
    assert Incident.objects.get(pk=dispatched.pk).deadline == dispatched.deadline
    assert events_of(dispatched)[-1] == "extend_request"


def test_refuses_a_second_pending_request_and_a_date_not_later(dispatched, cast, reason):
    with pytest.raises(ValidationError):
        ask(cast, dispatched, reason, days=0)
    ask(cast, dispatched, reason)

    with pytest.raises(IncidentActionRefused):
        ask(cast, dispatched, reason, days=5)

    assert DeadlineExtension.objects.count() == 1


def test_a_decided_extension_cannot_be_decided_again(dispatched, cast, reason):
    extension = ask(cast, dispatched, reason)
    incident_extension_decide(actor=cast.village_staff, extension=extension, approve=True)

    with pytest.raises(IncidentActionRefused):
        incident_extension_decide(
            actor=cast.town_official, extension=extension, approve=False, note="x"
        )

    assert events_of(dispatched).count("extend_approve") == 1
    assert events_of(dispatched).count("extend_refuse") == 0


def test_escalation_waits_for_an_approved_extension(dispatched, cast, reason):
    extension = ask(cast, dispatched, reason, days=3)
    incident_extension_decide(actor=cast.village_staff, extension=extension, approve=True)
    old_deadline = dispatched.deadline

    after_old_deadline = incidents_escalate_overdue(now=old_deadline + datetime.timedelta(hours=1))
    incident = Incident.objects.get(pk=dispatched.pk)
    assert (after_old_deadline.escalated, incident.level) == (0, Level.GRID)

    after_new_deadline = incidents_escalate_overdue(
        now=incident.deadline + datetime.timedelta(hours=1)
    )
    incident.refresh_from_db()
    assert (after_new_deadline.escalated, incident.level) == (1, Level.VILLAGE)


def test_a_refused_extension_lets_escalation_run_at_the_old_deadline(dispatched, cast, reason):
    extension = ask(cast, dispatched, reason, days=3)
    incident_extension_decide(
        actor=cast.village_staff, extension=extension, approve=False, note="不同意"
    )

    result = incidents_escalate_overdue(now=dispatched.deadline + datetime.timedelta(hours=1))

    assert result.escalated == 1

"""Returning a case outside the receiving unit's competence to the dispatcher."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.models import Incident, IncidentEvent
from incidents.services import transitions as t
from incidents.services.errors import IncidentActionRefused
from incidents.services.handling import incident_return
from members.models import Notification
from tests.incidents.conftest import events_of

S = Incident.Status


@pytest.fixture
def to_department(report, cast, department):
    incident = t.incident_accept(actor=cast.town_official, incident=report())
    return t.incident_dispatch(actor=cast.town_official, incident=incident, department=department)


def test_a_department_handler_returns_a_case_to_dispatch(
    to_department, handler, department, reason
):
    code = reason("return", "not-competent")

    incident_return(actor=handler, incident=to_department, reason_code=code, note="属住建部门")

    incident = Incident.objects.get(pk=to_department.pk)
    assert (incident.status, incident.assignee_department, incident.dispatch_rule) == (
        S.ACCEPTED,
        None,
        None,
    )
    event = IncidentEvent.objects.get(incident=incident, action="return")
    assert (event.reason, event.department, event.note, event.actor) == (
        code,
        department,
        "属住建部门",
        handler,
    )
    assert events_of(incident) == ["report", "accept", "dispatch", "return"]
    assert not handler.has_perm("incidents.handle_incident", incident)


def test_the_dispatcher_hears_of_the_return(to_department, handler, cast, reason):
    Notification.objects.all().delete()

    incident_return(
        actor=handler, incident=to_department, reason_code=reason("return"), note="不归我们"
    )

    assert Notification.objects.filter(title__contains="returned").count() == 1
    assert Notification.objects.get().recipient == cast.town_official


def test_the_person_it_was_dispatched_to_may_return_it_while_in_progress(report, cast, reason):
    incident = t.incident_accept(actor=cast.town_official, incident=report())
    incident = t.incident_dispatch(actor=cast.town_official, incident=incident, user=cast.member)
    incident = t.incident_start(actor=cast.member, incident=incident)

    incident_return(actor=cast.member, incident=incident, reason_code=reason("return"), note="x")

    assert Incident.objects.get(pk=incident.pk).status == S.ACCEPTED


@pytest.mark.parametrize(
    "who",
    ["anonymous", "resident", "member", "other_member", "village_staff", "town_official"],
)
def test_refuses_anyone_but_the_receiving_unit_without_change(to_department, cast, who, reason):
    actor = AnonymousUser() if who == "anonymous" else getattr(cast, who)

    with pytest.raises(PermissionDenied):
        incident_return(
            actor=actor, incident=to_department, reason_code=reason("return"), note="x"
        )

    incident = Incident.objects.get(pk=to_department.pk)
    assert incident.status == S.DISPATCHED
    assert events_of(incident) == ["report", "accept", "dispatch"]


def test_needs_a_return_reason_code_and_a_note(to_department, handler, reason):
    with pytest.raises(ValidationError) as missing_code:
        incident_return(actor=handler, incident=to_department, reason_code=None, note="x")
    with pytest.raises(ValidationError) as wrong_kind:
        incident_return(
            actor=handler, incident=to_department, reason_code=reason("suspension"), note="x"
        )
    with pytest.raises(ValidationError) as no_note:
        incident_return(
            actor=handler, incident=to_department, reason_code=reason("return"), note=" "
        )

    assert "reason_code" in missing_code.value.message_dict
    assert "reason_code" in wrong_kind.value.message_dict
    assert "note" in no_note.value.message_dict
    assert events_of(to_department) == ["report", "accept", "dispatch"]


def test_a_handled_case_cannot_be_returned(report, cast, reason):
    incident = t.incident_accept(actor=cast.town_official, incident=report())
    incident = t.incident_dispatch(actor=cast.town_official, incident=incident, user=cast.member)
    incident = t.incident_start(actor=cast.member, incident=incident)
    incident = t.incident_handle(actor=cast.member, incident=incident, note="已清理")

    with pytest.raises(IncidentActionRefused):
        incident_return(
            actor=cast.member, incident=incident, reason_code=reason("return"), note="x"
        )

    assert Incident.objects.get(pk=incident.pk).status == S.HANDLED

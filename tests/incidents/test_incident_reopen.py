"""Reopening a closed, rated or rejected case, with a reason."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.models import Incident, IncidentEvent
from incidents.services import transitions as t
from incidents.services.errors import IncidentActionRefused
from incidents.services.handling import incident_reopen
from tests.conftest import starter_reason
from tests.incidents.conftest import events_of

S = Incident.Status


@pytest.fixture
def closed(report, cast):
    incident = t.incident_accept(actor=cast.town_official, incident=report())
    incident = t.incident_dispatch(actor=cast.town_official, incident=incident, user=cast.member)
    incident = t.incident_start(actor=cast.member, incident=incident)
    incident = t.incident_handle(actor=cast.member, incident=incident, note="已清理")
    return t.incident_verify(actor=cast.town_official, incident=incident, passed=True)


def test_an_official_reopens_a_closed_case_back_to_dispatch(closed, cast, reason):
    incident_reopen(
        actor=cast.town_official,
        incident=closed,
        reason_code=reason("reopen", "recurred"),
        note="垃圾又堆起来了",
    )

    incident = Incident.objects.get(pk=closed.pk)
    assert (incident.status, incident.closed_at, incident.assignee_user) == (
        S.ACCEPTED,
        None,
        None,
    )
    assert not cast.member.has_perm("incidents.handle_incident", incident)
    assert IncidentEvent.objects.get(incident=incident, action="reopen").reason.code == "recurred"


def test_a_rejected_case_may_be_reopened(report, cast, reason):
    rejected = t.incident_reject(
        actor=cast.town_official,
        incident=report(),
        reason="不属实",
        reason_code=starter_reason("reject"),
    )

    incident_reopen(
        actor=cast.town_official, incident=rejected, reason_code=reason("reopen"), note="误判"
    )

    assert Incident.objects.get(pk=rejected.pk).status == S.ACCEPTED


@pytest.mark.parametrize("who", ["member", "other_official", "resident"])
def test_refuses_others_without_change(closed, cast, reason, who):
    with pytest.raises(PermissionDenied):
        incident_reopen(
            actor=getattr(cast, who), incident=closed, reason_code=reason("reopen"), note="x"
        )

    assert Incident.objects.get(pk=closed.pk).status == S.CLOSED
    assert events_of(closed)[-1] == "verify"


def test_an_open_case_cannot_be_reopened_and_a_reason_is_required(report, closed, cast, reason):
    with pytest.raises(IncidentActionRefused):
        incident_reopen(
            actor=cast.town_official, incident=report(), reason_code=reason("reopen"), note="x"
        )
    with pytest.raises(ValidationError):
        incident_reopen(actor=cast.town_official, incident=closed, reason_code=None, note="x")

    assert Incident.objects.get(pk=closed.pk).status == S.CLOSED

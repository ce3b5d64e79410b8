"""A step taken on the case as the caller read it, which another step moved meanwhile:
refused as a conflict when the move took the actor's right away, as a missing right when
the actor never had one. (tests/reliability races the same in real processes.)"""

import pytest
from django.core.exceptions import PermissionDenied

from incidents.models import Incident, Level
from incidents.services import transitions as t
from incidents.services.errors import IncidentActionRefused
from tests.incidents.conftest import events_of


@pytest.fixture
def seen_at_village(report, cast, ladder):
    """A case as village staff read it at their rung, then escalated to the town."""
    case = report()
    Incident.objects.filter(pk=case.pk).update(level=Level.VILLAGE)
    seen = Incident.objects.get(pk=case.pk)
    t.incident_escalate(actor=cast.town_official, incident=seen, reason="超出村级权限")
    return seen


def test_refuses_a_step_whose_case_moved_out_of_the_actors_hands_as_a_conflict(
    seen_at_village, cast
):
    with pytest.raises(IncidentActionRefused) as refusal:
        t.incident_supervise(actor=cast.village_staff, incident=seen_at_village, on=True)

    assert refusal.value.code == "changed"
    assert "changed while this step waited" in refusal.value.message
    assert events_of(seen_at_village) == ["report", "escalate"]


def test_refuses_an_actor_who_never_had_the_right_as_before(seen_at_village, cast):
    with pytest.raises(PermissionDenied):
        t.incident_supervise(actor=cast.other_official, incident=seen_at_village, on=True)

"""A report keeps the acceptance deadline it started with on its event, and the response
rate reads it from there, whatever the case's deadline became later."""

import datetime

import pytest
import time_machine

from assessment.selectors import month_counts
from incidents.models import Category, Incident, IncidentEvent
from incidents.services.reporting import incident_report
from incidents.services.transitions import incident_accept
from tests.conftest import NOW

pytestmark = pytest.mark.time_machine(NOW, tick=False)
NOVEMBER = datetime.date(2026, 11, 1)


def _report(cast, ladder) -> Incident:
    return incident_report(
        actor=cast.member,
        category=Category.objects.get(code="garbage"),
        title="垃圾堆放",
        description="村口垃圾",
        source=Incident.Source.PATROL,
        grid=ladder.a1,
    )


def test_the_report_event_keeps_the_acceptance_deadline(cast, ladder):
    case = _report(cast, ladder)

    report = IncidentEvent.objects.get(incident=case, action="report")
    assert case.deadline is not None
    assert report.deadline_after == case.deadline
    accepted = incident_accept(actor=cast.town_official, incident=case)
    assert accepted.deadline != report.deadline_after  # the handling stage's clock


def test_a_response_after_the_deadline_is_late(cast, ladder):
    in_time, late = _report(cast, ladder), _report(cast, ladder)
    incident_accept(actor=cast.town_official, incident=in_time)
    deadline = IncidentEvent.objects.get(incident=late, action="report").deadline_after
    with time_machine.travel(deadline + datetime.timedelta(minutes=1), tick=False):
        incident_accept(actor=cast.town_official, incident=late)

    counts = month_counts(county=ladder.county, month=NOVEMBER)

    assert counts["towns"][ladder.town.pk]["response"] == (1, 2)

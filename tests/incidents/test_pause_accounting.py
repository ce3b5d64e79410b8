"""Pause accounting: a suspension keeps the working time the stage had left, and a resume
(by hand or on the review date) continues from it; the stage's minutes are stored."""

import datetime

import pytest
import time_machine

from incidents.models import Incident, TimeLimit
from incidents.services import transitions as t
from incidents.services.handling import incident_resume, incident_suspend, incidents_resume_due
from tests.conftest import NOW, SHANGHAI

pytestmark = pytest.mark.time_machine(NOW, tick=False)

# NOW is Monday 17:00; working hours 08:30-12:00 and 13:30-17:30.
TUESDAY_10 = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
THURSDAY_9 = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
REVIEW_ON = THURSDAY_9.date()


@pytest.fixture
def five_hour_case(report, cast, category):
    """Dispatched on Monday at 17:00 with 5 working hours to handle it."""
    TimeLimit.objects.filter(category=category, urgency="ordinary", stage="handling").update(
        amount=5, unit="working_hours"
    )
    incident = t.incident_accept(actor=cast.town_official, incident=report())
    return t.incident_dispatch(actor=cast.town_official, incident=incident, user=cast.member)


def suspend_on_tuesday_at_ten(incident, cast, reason):
    with time_machine.travel(TUESDAY_10, tick=False):
        return incident_suspend(
            actor=cast.town_official,
            incident=incident,
            reason_code=reason("suspension"),
            note="等待预算",
            review_on=REVIEW_ON,
        )


def test_a_suspension_stores_the_working_time_left(five_hour_case, cast, reason):
    suspend_on_tuesday_at_ten(five_hour_case, cast, reason)

    incident = Incident.objects.get(pk=five_hour_case.pk)
    # Monday 17:00-17:30 and Tuesday 08:30-10:00: two hours used, three left.
    assert (incident.stage_minutes_used, incident.stage_minutes_remaining) == (120, 180)
    assert (incident.deadline, incident.yellow_at) == (None, None)


def test_a_case_suspended_with_three_working_hours_left_resumes_with_three(
    five_hour_case, cast, reason
):
    suspended = suspend_on_tuesday_at_ten(five_hour_case, cast, reason)

    with time_machine.travel(THURSDAY_9, tick=False):
        incident_resume(actor=cast.town_official, incident=suspended)

    incident = Incident.objects.get(pk=five_hour_case.pk)
    assert incident.status == Incident.Status.DISPATCHED
    assert incident.deadline == datetime.datetime(2026, 11, 26, 12, 0, tzinfo=SHANGHAI)
    assert (incident.stage_minutes_used, incident.stage_minutes_remaining) == (120, 180)
    # Tuesday 10:00-17:30 (6 h), Wednesday (7.5 h), Thursday 08:30-09:00: 14 h on hold.
    assert incident.stage_minutes_paused == 840
    # 80 % of 5 h is 4 h: two more after the resume, at 11:00 on Thursday.
    assert incident.yellow_at == datetime.datetime(2026, 11, 26, 11, 0, tzinfo=SHANGHAI)


def test_the_review_sweep_continues_the_time_left_too(five_hour_case, cast, reason):
    suspend_on_tuesday_at_ten(five_hour_case, cast, reason)

    assert incidents_resume_due(now=THURSDAY_9) == 1

    incident = Incident.objects.get(pk=five_hour_case.pk)
    assert incident.deadline == datetime.datetime(2026, 11, 26, 12, 0, tzinfo=SHANGHAI)
    assert (incident.stage_minutes_remaining, incident.stage_minutes_paused) == (180, 840)


def test_a_new_stage_starts_its_clock_afresh(five_hour_case, cast, reason):
    suspended = suspend_on_tuesday_at_ten(five_hour_case, cast, reason)
    with time_machine.travel(THURSDAY_9, tick=False):
        resumed = incident_resume(actor=cast.town_official, incident=suspended)
        started = t.incident_start(actor=cast.member, incident=resumed)

    assert (started.stage_minutes_used, started.stage_minutes_paused) == (0, 0)
    assert started.stage_minutes_remaining == 300

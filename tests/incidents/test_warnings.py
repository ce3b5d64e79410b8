"""Traffic lights and warnings (催办): green, yellow at the warning share of the stage's time,
red past the deadline; the beat sweep warns each case once per deadline, and only inside
working hours."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident, IncidentEvent, TimeLimit
from incidents.services import transitions as t
from incidents.services.warnings import incidents_warn_due
from members.models import Notification
from tests.conftest import NOW, SHANGHAI

pytestmark = pytest.mark.time_machine(NOW, tick=False)


def at(day, hour, minute=0):
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def limit(category, urgency, amount, unit, percent=80):
    TimeLimit.objects.filter(category=category, urgency=urgency, stage="handling").update(
        amount=amount, unit=unit, warning_percent=percent
    )


@pytest.fixture
def dispatch(report, cast):
    """Dispatch a new case to the grid member on Monday at 17:00 (NOW)."""

    def _dispatch(urgency="ordinary"):
        incident = t.incident_accept(actor=cast.town_official, incident=report(urgency=urgency))
        return t.incident_dispatch(actor=cast.town_official, incident=incident, user=cast.member)

    return _dispatch


def warnings_of(incident):
    return list(
        IncidentEvent.objects.filter(incident=incident, action="warn").values_list(
            "breached_deadline", flat=True
        )
    )


def test_the_light_turns_yellow_at_the_warning_share_and_red_past_the_deadline(dispatch, category):
    limit(category, "ordinary", 5, "working_hours")
    incident = dispatch()

    # 80 % of 5 working hours: Monday 17:00-17:30 and Tuesday 08:30-12:00.
    assert incident.yellow_at == at(24, 12)
    assert incident.deadline == at(24, 14, 30)
    lights = [incident.light_at(moment) for moment in (at(24, 11), at(24, 13), at(24, 15))]
    assert lights == ["green", "yellow", "red"]
    annotated = [
        Incident.objects.with_light(moment).get(pk=incident.pk).light
        for moment in (at(24, 11), at(24, 13), at(24, 15))
    ]
    assert annotated == lights


def test_the_yellow_share_is_data_per_category_and_stage(dispatch, category):
    limit(category, "ordinary", 5, "working_hours", percent=50)

    incident = dispatch()

    assert incident.yellow_at == at(24, 10, 30)  # 30 min on Monday, 2 h on Tuesday


def test_a_warning_is_sent_once_and_only_in_working_hours(dispatch, category, cast):
    limit(category, "ordinary", 5, "working_hours")
    incident = dispatch()
    Notification.objects.all().delete()

    before = incidents_warn_due(now=at(24, 11, 59))
    lunch = incidents_warn_due(now=at(24, 12, 30))  # yellow, but the office is closed
    first = incidents_warn_due(now=at(24, 13, 30))
    again = incidents_warn_due(now=at(24, 13, 35))

    assert (before.warned, lunch.warned, first.warned, again.warned) == (0, 0, 1, 0)
    assert warnings_of(incident) == [incident.deadline]
    notice = Notification.objects.get()
    assert (notice.recipient, notice.kind, notice.body) == (
        cast.member,
        "warning_digest",
        incident.code,
    )


def test_a_warning_due_at_night_waits_for_the_morning(dispatch, category):
    limit(category, "urgent", 18, "clock_hours")
    incident = dispatch(urgency="urgent")  # due Tuesday 11:00, yellow at 07:24

    night = incidents_warn_due(now=at(24, 7, 30))
    morning = incidents_warn_due(now=at(24, 8, 30))

    assert incident.yellow_at == at(24, 7, 24)
    assert (night.warned, morning.warned) == (0, 1)
    assert warnings_of(incident) == [at(24, 11)]


def test_a_new_deadline_gets_its_own_warning(dispatch, category, cast):
    limit(category, "ordinary", 5, "working_hours")
    incident = dispatch()
    incidents_warn_due(now=at(24, 13, 30))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: at(24, 13, 40))
        started = t.incident_start(actor=cast.member, incident=incident)
    second = incidents_warn_due(now=started.yellow_at + datetime.timedelta(minutes=1))

    assert second.warned == 1
    assert warnings_of(incident) == [incident.deadline, started.deadline]


def test_a_case_already_red_is_left_to_the_escalation(dispatch, category):
    limit(category, "ordinary", 5, "working_hours")
    incident = dispatch()

    result = incidents_warn_due(now=at(24, 15))

    assert (result.warned, result.already_red) == (0, 1)
    assert warnings_of(incident) == []
    assert not Incident.objects.get(pk=incident.pk).is_warning_due


def test_the_sweep_is_set_based(dispatch, category):
    limit(category, "ordinary", 5, "working_hours")

    def run(count, when):
        for _ in range(count):
            dispatch()
        with CaptureQueriesContext(connection) as queries:
            result = incidents_warn_due(now=when)
        return result.warned, len(queries)

    few, few_queries = run(2, at(24, 13, 30))
    many, many_queries = run(12, at(24, 13, 31))

    assert (few, many) == (2, 12)
    assert many_queries == few_queries

"""Suspension (挂账): by town officials and above, out of the overdue counts, back on the
review date (by the beat task's set-based sweep) or by hand."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident, IncidentEvent
from incidents.services import transitions as t
from incidents.services.errors import IncidentActionRefused
from incidents.services.escalation import incidents_escalate_overdue
from incidents.services.handling import incident_resume, incident_suspend, incidents_resume_due
from incidents.tasks import incidents_resume_due_task
from members.models import Notification
from tests.conftest import NOW, SHANGHAI, TODAY
from tests.incidents.conftest import events_of

pytestmark = pytest.mark.time_machine(NOW, tick=False)
S = Incident.Status
REVIEW = TODAY + datetime.timedelta(days=8)
REVIEW_MORNING = datetime.datetime.combine(REVIEW, datetime.time(9), tzinfo=SHANGHAI)


@pytest.fixture
def dispatched(report, cast):
    incident = t.incident_accept(actor=cast.town_official, incident=report())
    return t.incident_dispatch(actor=cast.town_official, incident=incident, user=cast.member)


def suspend(actor, incident, reason, review_on=REVIEW):
    return incident_suspend(
        actor=actor,
        incident=incident,
        reason_code=reason("suspension", "awaiting-budget"),
        note="等待镇财政预算",
        review_on=review_on,
    )


@pytest.mark.parametrize("who", ["town_official", "county_official", "admin"])
def test_officials_of_the_town_or_above_suspend_a_case(dispatched, cast, reason, who):
    suspend(getattr(cast, who), dispatched, reason)

    incident = Incident.objects.get(pk=dispatched.pk)
    assert (incident.status, incident.suspended_from, incident.review_on) == (
        S.SUSPENDED,
        S.DISPATCHED,
        REVIEW,
    )
    event = IncidentEvent.objects.get(incident=incident, action="suspend")
    assert (event.reason.code, event.from_status, event.to_status) == (
        "awaiting-budget",
        S.DISPATCHED,
        S.SUSPENDED,
    )


@pytest.mark.parametrize(
    "who", ["anonymous", "resident", "member", "leader", "village_staff", "other_official"]
)
def test_refuses_anyone_below_the_town_without_change(dispatched, cast, reason, who):
    actor = AnonymousUser() if who == "anonymous" else getattr(cast, who)

    with pytest.raises(PermissionDenied):
        suspend(actor, dispatched, reason)

    incident = Incident.objects.get(pk=dispatched.pk)
    assert (incident.status, incident.review_on) == (S.DISPATCHED, None)
    assert events_of(incident) == ["report", "accept", "dispatch"]


def test_needs_a_review_date_after_today_and_a_suspension_reason(dispatched, cast, reason):
    with pytest.raises(ValidationError):
        suspend(cast.town_official, dispatched, reason, review_on=TODAY)
    with pytest.raises(ValidationError):
        incident_suspend(
            actor=cast.town_official,
            incident=dispatched,
            reason_code=reason("return"),
            note="x",
            review_on=REVIEW,
        )

    assert Incident.objects.get(pk=dispatched.pk).status == S.DISPATCHED


def test_a_reported_case_cannot_be_suspended(report, cast, reason):
    incident = report()

    with pytest.raises(IncidentActionRefused):
        suspend(cast.town_official, incident, reason)

    assert events_of(incident) == ["report"]


def test_a_suspended_case_leaves_the_overdue_list_and_the_sweep(dispatched, cast, reason):
    suspend(cast.town_official, dispatched, reason)
    long_after = dispatched.deadline + datetime.timedelta(days=1)

    result = incidents_escalate_overdue(now=long_after)

    assert not Incident.objects.overdue(long_after).exists()
    assert not Incident.objects.open().filter(pk=dispatched.pk).exists()
    assert result.escalated == result.stalled == 0
    assert events_of(dispatched)[-1] == "suspend"


def test_on_its_review_date_it_comes_back_with_a_new_deadline_once(dispatched, cast, reason):
    suspend(cast.town_official, dispatched, reason)
    Notification.objects.all().delete()

    before = incidents_resume_due(now=REVIEW_MORNING - datetime.timedelta(days=1))
    first = incidents_resume_due(now=REVIEW_MORNING)
    second = incidents_resume_due(now=REVIEW_MORNING)

    incident = Incident.objects.get(pk=dispatched.pk)
    assert (before, first, second) == (0, 1, 0)
    assert (incident.status, incident.suspended_from, incident.review_on) == (
        S.DISPATCHED,
        "",
        None,
    )
    assert incident.deadline > REVIEW_MORNING
    event = IncidentEvent.objects.get(incident=incident, action="resume")
    assert (event.from_status, event.to_status, event.actor) == (S.SUSPENDED, S.DISPATCHED, None)
    assert Notification.objects.filter(kind="resumed_digest").count() == 1


def test_the_review_sweep_is_set_based(report, cast, reason, django_assert_max_num_queries):
    def run(count):
        for _ in range(count):
            incident = t.incident_accept(actor=cast.town_official, incident=report())
            suspend(cast.town_official, incident, reason)
        with CaptureQueriesContext(connection) as queries:
            resumed = incidents_resume_due(now=REVIEW_MORNING + datetime.timedelta(days=1))
        return resumed, len(queries)

    few, few_queries = run(2)
    many, many_queries = run(12)

    assert (few, many) == (2, 12)
    assert many_queries == few_queries


def test_an_official_takes_it_back_by_hand(dispatched, cast, reason):
    suspend(cast.town_official, dispatched, reason)

    incident_resume(actor=cast.town_official, incident=dispatched, note="预算已到位")

    assert Incident.objects.get(pk=dispatched.pk).status == S.DISPATCHED
    with pytest.raises(PermissionDenied):
        incident_resume(actor=cast.village_staff, incident=dispatched)
    assert events_of(dispatched)[-2:] == ["suspend", "resume"]


def test_beat_runs_the_review_task(dispatched, cast, reason):
    suspend(cast.town_official, dispatched, reason)
    entry = settings.CELERY_BEAT_SCHEDULE["incidents-resume-due"]

    with time_machine.travel(REVIEW_MORNING + datetime.timedelta(hours=1)):
        resumed = incidents_resume_due_task.apply().get()

    assert entry["task"] == "incidents.tasks.incidents_resume_due_task"
    assert resumed == 1

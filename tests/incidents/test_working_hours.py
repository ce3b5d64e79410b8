"""Working hours per region: a town's own hours and dated (summer, winter) schedules,
inherited down the ladder and used alike by deadlines, warnings and escalation."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from incidents.models import EscalationLimit, Incident, Level, TimeLimit, WorkingHours
from incidents.services import transitions as t
from incidents.services.escalation import incidents_escalate_overdue
from incidents.services.warnings import incidents_warn_due
from incidents.working_time import WorkingCalendar
from tests.conftest import NOW, SHANGHAI

pytestmark = pytest.mark.time_machine(NOW, tick=False)


def at(day, hour, minute=0):
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def five_hours(category):
    TimeLimit.objects.filter(category=category, urgency="ordinary", stage="handling").update(
        amount=5, unit="working_hours"
    )


@pytest.fixture
def dispatch(report, cast, five_hours):
    def _dispatch():
        incident = t.incident_accept(actor=cast.town_official, incident=report())
        return t.incident_dispatch(actor=cast.town_official, incident=incident, user=cast.member)

    return _dispatch


def test_a_village_inherits_its_towns_own_hours(ladder, dispatch):
    WorkingHours.objects.create(region=ladder.town, periods="08:00-12:00,14:00-18:00")

    incident = dispatch()  # Monday 17:00 in village V1 of the town

    # Monday 17:00-18:00 and Tuesday 08:00-12:00: five hours of the town's day.
    assert incident.deadline == at(24, 12)


def test_a_dated_winter_schedule_of_the_county_holds_in_its_period(ladder, dispatch):
    WorkingHours.objects.create(
        region=ladder.county,
        name="冬令时",
        starts_on=datetime.date(2026, 11, 1),
        ends_on=datetime.date(2027, 3, 31),
        periods="09:00-12:00,13:00-17:00",
    )
    WorkingHours.objects.create(region=ladder.county, periods="08:00-12:00,14:00-18:00")

    incident = dispatch()  # Monday 17:00: the winter day has ended

    assert incident.deadline == at(24, 15)  # Tuesday 09:00-12:00 and 13:00-15:00


def test_another_towns_hours_change_nothing_here(ladder, dispatch):
    WorkingHours.objects.create(region=ladder.other_town, periods="08:00-12:00,14:00-18:00")

    incident = dispatch()

    assert incident.deadline == at(24, 14, 30)  # the platform's hours


def test_a_warning_waits_for_the_end_of_the_towns_longer_lunch(ladder, report, cast, category):
    WorkingHours.objects.create(region=ladder.town, periods="08:00-12:00,14:00-18:00")
    TimeLimit.objects.filter(category=category, urgency="ordinary", stage="handling").update(
        amount=8, unit="working_hours", warning_percent=50
    )
    incident = t.incident_accept(actor=cast.town_official, incident=report())
    incident = t.incident_dispatch(actor=cast.town_official, incident=incident, user=cast.member)
    # Monday 17:00-18:00, Tuesday 08:00-12:00 and 14:00-17:00: due Tuesday 17:00, yellow
    # at half of it, Tuesday 11:00. At 13:45 the platform's offices are open, the town's not.
    assert (incident.deadline, incident.yellow_at) == (at(24, 17), at(24, 11))

    at_default_afternoon = incidents_warn_due(now=at(24, 13, 45))
    in_town_hours = incidents_warn_due(now=at(24, 14))

    assert (at_default_afternoon.warned, in_town_hours.warned) == (0, 1)


def test_escalation_counts_the_new_rung_in_its_regions_hours(ladder, category):
    WorkingHours.objects.create(region=ladder.town, periods="08:00-12:00,14:00-18:00")
    case = Incident.objects.create(
        code="T-000001",
        title="测试",
        description="-",
        category=category,
        town=ladder.town,
        grid=ladder.a1,
        source="patrol",
        level=Level.GRID,
        handling_region=ladder.v1,
        status="accepted",
        deadline=NOW - datetime.timedelta(hours=1),
    )

    incidents_escalate_overdue(now=NOW)

    case.refresh_from_db()
    limit = EscalationLimit.objects.get(level=Level.VILLAGE, urgency="ordinary")
    town_day = WorkingCalendar.around(NOW).for_region(ladder.v1.pk)
    assert case.deadline == town_day.deadline(NOW, limit.amount, limit.unit)
    assert case.deadline != WorkingCalendar.around(NOW).deadline(NOW, limit.amount, limit.unit)


@pytest.mark.parametrize("periods", ["8-12", "12:00-08:00", "13:30-17:30,08:30-12:00", ""])
def test_refuses_malformed_periods(ladder, periods):
    hours = WorkingHours(region=ladder.town, periods=periods)

    with pytest.raises(ValidationError):
        hours.full_clean()

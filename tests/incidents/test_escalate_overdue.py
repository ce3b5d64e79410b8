import datetime
import threading

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from incidents.models import EscalationLimit, Incident, IncidentEvent, Level
from incidents.services.escalation import incidents_escalate_overdue
from incidents.working_time import WorkingCalendar
from members.models import Notification
from tests.conftest import NOW

PAST = NOW - datetime.timedelta(hours=1)


def make_cases(ladder, category, n, *, level=Level.GRID, region=None, urgency="ordinary"):
    region = region or ladder.v1
    start = Incident.objects.count()
    return Incident.objects.bulk_create(
        Incident(
            code=f"T-{start + i:06d}",
            title="测试",
            description="-",
            category=category,
            urgency=urgency,
            town=ladder.town,
            grid=ladder.a1,
            source="patrol",
            level=level,
            handling_region=region,
            status="accepted",
            deadline=PAST,
        )
        for i in range(n)
    )


def expected_deadline(level, urgency="ordinary"):
    limit = EscalationLimit.objects.get(level=level, urgency=urgency)
    return WorkingCalendar.around(NOW).deadline(NOW, limit.amount, limit.unit)


@pytest.mark.parametrize(
    ("level", "region_name", "to_level", "to_region_name"),
    [
        (Level.GRID, "v1", Level.VILLAGE, "v1"),
        (Level.VILLAGE, "v1", Level.TOWN, "town"),
        (Level.TOWN, "town", Level.COUNTY, "county"),
        (Level.COUNTY, "county", Level.PREFECTURE, "city"),
    ],
)
def test_an_overdue_case_climbs_one_rung(
    ladder, category, level, region_name, to_level, to_region_name
):
    [case] = make_cases(ladder, category, 1, level=level, region=getattr(ladder, region_name))

    result = incidents_escalate_overdue(now=NOW)

    case.refresh_from_db()
    assert (result.escalated, result.stalled) == (1, 0)
    assert (case.level, case.handling_region) == (to_level, getattr(ladder, to_region_name))
    assert case.deadline == expected_deadline(to_level)
    assert case.escalation_count == 1
    event = IncidentEvent.objects.get(incident=case)
    assert (event.action, event.from_level, event.to_level, event.breached_deadline) == (
        "auto_escalate",
        level,
        to_level,
        PAST,
    )


def test_at_the_top_a_case_stays_and_is_flagged_once(ladder, category):
    [case] = make_cases(ladder, category, 1, level=Level.PREFECTURE, region=ladder.city)

    first = incidents_escalate_overdue(now=NOW)
    second = incidents_escalate_overdue(now=NOW + datetime.timedelta(minutes=1))

    case.refresh_from_db()
    assert (first.stalled, second.stalled, second.escalated) == (1, 0, 0)
    assert (case.level, case.handling_region, case.is_stalled_at_top) == (
        Level.PREFECTURE,
        ladder.city,
        True,
    )
    assert list(IncidentEvent.objects.values_list("action", flat=True)) == ["stall"]


def test_a_case_not_yet_due_or_closed_is_left_alone(ladder, category):
    due_later, closed = make_cases(ladder, category, 2)
    Incident.objects.filter(pk=due_later.pk).update(deadline=NOW + datetime.timedelta(hours=1))
    Incident.objects.filter(pk=closed.pk).update(status="closed")

    result = incidents_escalate_overdue(now=NOW)

    assert result.escalated == 0
    assert not IncidentEvent.objects.exists()


def test_the_new_level_hears_of_it_in_one_digest(cast, ladder, category):
    make_cases(ladder, category, 3)
    make_cases(ladder, category, 2, level=Level.VILLAGE)

    incidents_escalate_overdue(now=NOW)

    village_digest = Notification.objects.get(recipient=cast.village_staff)
    assert village_digest.kind == "escalation_digest"
    assert village_digest.body.count("\n") == 2  # three case numbers
    town_digest = Notification.objects.get(recipient=cast.town_official)
    assert town_digest.body.count("\n") == 1
    assert not Notification.objects.filter(recipient=cast.other_official).exists()


def test_the_queries_grow_with_batches_not_with_cases(ladder, category, cast):
    def queries_for(n):
        Incident.objects.all().delete()
        make_cases(ladder, category, n)
        with CaptureQueriesContext(connection) as captured:
            incidents_escalate_overdue(now=NOW, batch_size=1000)
        return len(captured.captured_queries)

    assert queries_for(5) == queries_for(300)


def test_batches_pick_up_where_the_last_stopped_and_pass_nothing_over(ladder, category):
    cases = make_cases(ladder, category, 23)
    # Deadlines in runs of three, so that ties straddle the batch boundaries.
    for i, case in enumerate(cases):
        case.deadline = PAST - datetime.timedelta(minutes=i // 3)
    Incident.objects.bulk_update(cases, ["deadline"])

    result = incidents_escalate_overdue(now=NOW, batch_size=4)

    assert (result.escalated, result.batches) == (23, 6)
    assert set(Incident.objects.values_list("escalation_count", flat=True)) == {1}
    assert not Incident.objects.overdue(NOW).exists()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_escalate_each_case_exactly_once(ladder, category):
    cases = make_cases(ladder, category, 400)
    start = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            start.wait()
            results.append(incidents_escalate_overdue(now=NOW, batch_size=50))
        except Exception as error:  # noqa: BLE001 - reported to the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # Which sweeper claims which batch is up to the threads' timing: only the total is sure.
    assert errors == []
    assert len(results) == 2
    assert sum(r.escalated for r in results) == len(cases)
    assert IncidentEvent.objects.filter(action="auto_escalate").count() == len(cases)
    assert set(Incident.objects.values_list("escalation_count", "level")) == {(1, Level.VILLAGE)}


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_event_for_the_same_breach(ladder, category):
    [case] = make_cases(ladder, category, 1)
    IncidentEvent.objects.create(incident=case, action="auto_escalate", breached_deadline=PAST)

    with pytest.raises(IntegrityError):
        IncidentEvent.objects.create(incident=case, action="auto_escalate", breached_deadline=PAST)

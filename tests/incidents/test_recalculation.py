"""Recalculation: entering a calendar year (or changing a limit) moves exactly the deadlines
it changes, with one event each; a dry run lists them and writes nothing; nothing escalates."""

import datetime

import pytest

from incidents.models import (
    CalendarDay,
    CalendarYear,
    Category,
    Incident,
    IncidentEvent,
    TimeLimit,
)
from incidents.services.recalculation import incidents_recalculate_deadlines
from tests.conftest import NOW

pytestmark = pytest.mark.time_machine(NOW, tick=False)


@pytest.fixture
def cases(report, category):
    """At NOW (Monday 23 November 2026): one case due in January 2027 (30 working days to
    accept), one due tomorrow, one counted in clock hours."""
    TimeLimit.objects.filter(category=category, urgency="ordinary", stage="acceptance").update(
        amount=30, unit="working_days"
    )
    sewage = Category.objects.get(code="sewage")
    return {
        "january": report(),
        "tomorrow": report(category=sewage),
        "urgent": report(category=sewage, urgency="urgent"),
    }


def enter_2027_with_a_holiday_on_monday_4_january():
    CalendarYear.objects.create(year=2027, source="国务院办公厅通知（测试）")
    CalendarDay.objects.create(date=datetime.date(2027, 1, 1), kind="holiday", name="元旦")
    CalendarDay.objects.create(date=datetime.date(2027, 1, 4), kind="holiday", name="元旦调休")


def recalculations():
    return list(
        IncidentEvent.objects.filter(action="recalculate").values_list(
            "incident__code", "deadline_before", "deadline_after", "note"
        )
    )


def test_the_fallback_already_keeps_1_january(cases):
    deadline = cases["january"].deadline

    assert deadline.year == 2027
    assert deadline.date() > datetime.date(2027, 1, 4)


def test_a_dry_run_lists_what_would_move_and_writes_nothing(cases):
    enter_2027_with_a_holiday_on_monday_4_january()
    before = cases["january"].deadline

    result = incidents_recalculate_deadlines(dry_run=True)

    assert [(move.code, move.before) for move in result.moved] == [(cases["january"].code, before)]
    assert result.moved[0].after == before + datetime.timedelta(days=1)
    assert Incident.objects.get(pk=cases["january"].pk).deadline == before
    assert recalculations() == []


def test_a_2027_calendar_moves_exactly_the_affected_deadlines_and_writes_their_events(cases):
    enter_2027_with_a_holiday_on_monday_4_january()
    deadlines = {name: case.deadline for name, case in cases.items()}

    result = incidents_recalculate_deadlines(note="2027 entered")
    again = incidents_recalculate_deadlines(note="2027 entered")

    moved = Incident.objects.get(pk=cases["january"].pk)
    assert moved.deadline == deadlines["january"] + datetime.timedelta(days=1)
    assert moved.is_warning_due
    assert recalculations() == [(moved.code, deadlines["january"], moved.deadline, "2027 entered")]
    for name in ("tomorrow", "urgent"):
        assert Incident.objects.get(pk=cases[name].pk).deadline == deadlines[name]
    assert (result.checked, len(result.moved), len(again.moved)) == (3, 1, 0)
    assert result.fallback_years == set()


def test_a_changed_limit_recounts_from_the_stage_start(cases, category):
    TimeLimit.objects.filter(category=category, urgency="ordinary", stage="acceptance").update(
        amount=1
    )

    result = incidents_recalculate_deadlines()

    assert [move.code for move in result.moved] == [cases["january"].code]
    assert Incident.objects.get(pk=cases["january"].pk).deadline == cases["tomorrow"].deadline


def test_it_never_escalates_a_case_it_puts_past_due(cases, category):
    TimeLimit.objects.filter(category=category, urgency="ordinary", stage="acceptance").update(
        amount=1, unit="clock_hours"
    )

    result = incidents_recalculate_deadlines(now=NOW + datetime.timedelta(hours=3))

    incident = Incident.objects.get(pk=cases["january"].pk)
    assert len(result.moved) == 1
    assert incident.deadline == NOW + datetime.timedelta(hours=1)
    assert (incident.level, incident.escalation_count) == (cases["january"].level, 0)
    assert not IncidentEvent.objects.filter(action__in=["auto_escalate", "stall"]).exists()


def test_the_admin_queues_a_recalculation_after_the_commit(
    client, cast, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        "incidents.services.recalculation.current_app.send_task",
        lambda name, **kwargs: sent.append((name, kwargs["kwargs"]["note"])),
    )
    cast.admin.is_staff = True
    cast.admin.save(update_fields=["is_staff"])
    client.force_login(cast.admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/incidents/calendaryear/add/", {"year": 2027, "source": "国务院"}
        )

    assert response.status_code == 302
    assert [name for name, _note in sent] == [
        "incidents.tasks.incidents_recalculate_deadlines_task"
    ]

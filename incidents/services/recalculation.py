"""Recalculation: the stored deadlines of open cases follow a new calendar or new limits.

When a calendar year is entered or changed, a time limit or an escalation limit changes, or
the working hours change, every open case whose clock counts from a stored anchor
(``Incident.clock_from``) is counted again: the stage's limit (or its rung's, after an
escalation) minus the minutes already used, from the anchor, on the calendar as it is now.
An approved extension keeps the date that was granted. A case whose deadline moves gets one
``recalculate`` event with the deadline before and after, and its warning is due again.

Set-based: one calendar and one read of the limits for the whole run; the open cases in
keyset batches of ``BATCH_SIZE``, each batch locked (``SKIP LOCKED``: a case being saved
right now gets its new deadline from that step), updated with one bulk UPDATE and one bulk
INSERT of events. It never escalates nor un-escalates: a case that the new calendar puts
past its deadline escalates at the next sweep, as usual. ``dry_run`` lists what would move
and writes nothing.
"""

import datetime
import logging
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from celery import current_app
from django.db import connection, transaction
from django.db.models import Min, QuerySet
from django.utils import timezone

from incidents.models import Incident, IncidentEvent, TimeLimit
from incidents.publication import public_cases_changed
from incidents.services.bulk import incidents_update_each
from incidents.services.deadlines import Clock, escalation_limits
from incidents.working_time import WorkingCalendar, limit_minutes

logger = logging.getLogger(__name__)
Source = Incident.ClockSource
RECALCULATE_TASK = "incidents.tasks.incidents_recalculate_deadlines_task"
BATCH_SIZE = 5000
FIELDS = (
    "pk",
    "code",
    "status",
    "level",
    "handling_region_id",
    "category_id",
    "urgency",
    "deadline",
    "yellow_at",
    "is_warning_due",
    "clock_from",
    "clock_working",
    "clock_source",
    "stage_minutes_used",
    "stage_minutes_remaining",
    "warning_percent",
)
UPDATED = (
    "deadline",
    "yellow_at",
    "is_warning_due",
    "clock_working",
    "warning_percent",
    "stage_minutes_remaining",
)


@dataclass(frozen=True)
class Move:
    code: str
    before: datetime.datetime | None
    after: datetime.datetime


@dataclass
class RecalculationResult:
    checked: int = 0
    moved: list[Move] = field(default_factory=list)
    batches: int = 0
    # Years counted on the fallback (Monday to Friday and the fixed-date holidays).
    fallback_years: set[int] = field(default_factory=set)


@dataclass
class _Run:
    now: datetime.datetime
    dry_run: bool
    note: str
    calendar: WorkingCalendar
    # (minutes, counted in working time, warning percent)
    stage_limits: dict[tuple[int, str, str], tuple[int, bool, int]]
    escalation_limits: dict[tuple[int, str], tuple[int, bool, int]]
    result: RecalculationResult
    after_pk: int = 0


def incidents_recalculate_deadlines(
    *,
    now: datetime.datetime | None = None,
    dry_run: bool = False,
    note: str = "",
    batch_size: int = BATCH_SIZE,
) -> RecalculationResult:
    now = now or timezone.now()
    running = _running()
    first = running.aggregate(first=Min("clock_from"))["first"] or now
    run = _Run(
        now=now,
        dry_run=dry_run,
        note=note,
        calendar=WorkingCalendar.spanning(first, now),
        stage_limits={
            (category, urgency, stage): (*limit_minutes(amount, unit), percent)
            for category, urgency, stage, amount, unit, percent in TimeLimit.objects.values_list(
                "category_id", "urgency", "stage", "amount", "unit", "warning_percent"
            )
        },
        escalation_limits={
            key: (*limit_minutes(amount, unit), percent)
            for key, (amount, unit, percent) in escalation_limits().items()
        },
        result=RecalculationResult(),
    )
    while _batch(run, batch_size):
        run.result.batches += 1
    run.result.fallback_years = set(run.calendar.fallback_years)
    return run.result


def incidents_recalculate_deadlines_after_commit(*, note: str) -> None:
    """Queue a recalculation once the change that calls for it (a calendar year, a limit,
    working hours) is committed: the admin's pages call this, the worker recalculates."""
    transaction.on_commit(partial(_send, note))


def _send(note: str) -> None:
    try:
        current_app.send_task(RECALCULATE_TASK, kwargs={"note": note}, retry=False)
    except OSError as error:
        logger.warning("Broker unavailable: run manage.py recalculate_deadlines (%s)", error)


def _running() -> QuerySet[Incident]:
    return (
        Incident.objects.open()
        .filter(clock_from__isnull=False, stage_minutes_remaining__isnull=False)
        .exclude(clock_source=Source.EXTENSION)
    )


@transaction.atomic
def _batch(run: _Run, batch_size: int) -> int:
    batch = _running().filter(pk__gt=run.after_pk).order_by("pk")
    if not run.dry_run:
        batch = batch.select_for_update(skip_locked=True)
    rows = list(batch.values_list(*FIELDS, named=True)[:batch_size])
    if not rows:
        return 0
    run.after_pk = rows[-1].pk
    run.result.checked += len(rows)
    changed, events = [], []
    for row in rows:
        clock = _clock(run, row)
        calendar = run.calendar.for_region(row.handling_region_id)
        deadline, yellow_at = clock.deadline(calendar), clock.yellow_at(calendar)
        if (deadline, yellow_at) == (row.deadline, row.yellow_at):
            continue
        moved = deadline != row.deadline
        due = True if moved else row.is_warning_due
        changed.append(
            (row.pk, deadline, yellow_at, due, clock.working, clock.percent, clock.remaining)
        )
        if moved:
            run.result.moved.append(Move(row.code, row.deadline, deadline))
            events.append((row.pk, row.deadline, deadline))
    if changed and not run.dry_run:
        incidents_update_each(changed, UPDATED)
        _insert_events(events, run.note)
        public_cases_changed()
    return len(rows)


def _insert_events(
    moves: list[tuple[int, datetime.datetime | None, datetime.datetime]], note: str
) -> None:
    """One ``recalculate`` event per moved case, with its deadline before and after, in one
    INSERT ... SELECT (no Python object per event)."""
    if not moves:
        return
    rows = ", ".join(["(%s, %s, %s)"] * len(moves))
    params = [value for move in moves for value in move]
    # The names come from the models; every value is a parameter.
    moment = IncidentEvent._meta.get_field("deadline_before").db_type(connection)
    statement = (
        f"WITH v (id, before, after) AS (VALUES {rows})"  # noqa: S608
        f" INSERT INTO {IncidentEvent._meta.db_table} (incident_id, action, from_status,"
        " to_status, from_level, to_level, note, deadline_before, deadline_after, created_at)"
        " SELECT i.id, %s, i.status, i.status, i.level, i.level, %s,"
        f" CAST(v.before AS {moment}), CAST(v.after AS {moment}), %s"
        f" FROM {Incident._meta.db_table} i JOIN v ON i.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement, [*params, IncidentEvent.Action.RECALCULATE, note, timezone.now()]
        )


def _clock(run: _Run, row: Any) -> Clock:
    """The row's clock with the limit that applies now, minus the minutes it used."""
    if row.clock_source == Source.ESCALATION:
        limit = run.escalation_limits.get((row.level, row.urgency))
    else:
        stage = Incident.STAGE_OF_STATUS.get(row.status, "")
        limit = run.stage_limits.get((row.category_id, row.urgency, stage))
    remaining, working, percent = (
        row.stage_minutes_remaining or 0,
        row.clock_working,
        row.warning_percent,
    )
    if limit is not None:
        minutes, working, percent = limit
        remaining = max(0, minutes - row.stage_minutes_used)
    return Clock(
        source=row.clock_source,
        start=row.clock_from or run.now,
        remaining=remaining,
        working=working,
        used=row.stage_minutes_used,
        percent=percent,
    )

"""The escalation sweep: every overdue open case climbs one rung, exactly once per breach.

Set-based, in batches:
1. claim a batch of overdue cases with ``SELECT ... FOR UPDATE SKIP LOCKED`` (a second
   sweeper running at the same moment takes other rows, or none), in deadline order and
   from where the previous batch stopped (a moved case's new deadline lies in the future,
   so nothing is passed over; a case that another transaction held waits for the next
   sweep, a minute later);
2. move them with one UPDATE per (rung, urgency, working hours) group, since every case of a
   group gets the same new deadline: a dozen statements whatever the batch size (times the
   number of distinct working hours of the receiving regions);
3. write their events in one INSERT ... SELECT from the locked rows, before they move (no
   Python object per event); the unique constraint on (case, breached deadline) makes a
   second escalation of the same breach impossible, not merely unlikely;
4. in the same transaction, one digest per receiving region for the officials there (a
   notification row: the outbox that delivery reads), so that every committed batch is
   announced, even when the sweep dies before the next one, and a rolled-back batch is not;
   and the 12345 hotline's outbox rows for the escalated cases that came as its work orders.
"""

import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from grids.models import Region
from incidents.models import Incident, IncidentEvent, Level, is_at_top
from incidents.publication import public_cases_changed
from incidents.services import notify
from incidents.services.deadlines import Limits, escalation_clock_fields, escalation_limits
from incidents.services.hotline_sync import hotline_updates_queue_swept
from incidents.working_time import Schedule, WorkingCalendar

Action = IncidentEvent.Action


@dataclass
class SweepResult:
    escalated: int = 0
    stalled: int = 0
    batches: int = 0
    # The latest deadline claimed so far: the next claim starts there (keyset), so that it
    # does not walk again over the index entries that the earlier batches left behind.
    claimed_up_to: datetime.datetime | None = None
    # Digests written: one per receiving region (and level) and batch.
    digests: int = 0


# Rows claimed per transaction. Measured by bench/escalation.py on 100,000 overdue cases:
# 1,000 a batch took 8.7 s and 5,000 took 7.2 s (the floor: 4.3-5.0 s). A batch holds its
# row locks for about a third of a second, which a person saving one of those cases waits.
BATCH_SIZE = 5000


def incidents_escalate_overdue(
    *, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE
) -> SweepResult:
    now = now or timezone.now()
    limits = escalation_limits()
    calendar = WorkingCalendar.around(now)
    parents: dict[int, int | None] = dict(Region.objects.values_list("pk", "parent_id"))
    result = SweepResult()
    while _sweep_batch(now, batch_size, limits, calendar, parents, result):
        result.batches += 1
    return result


@transaction.atomic
def _sweep_batch(
    now: datetime.datetime,
    batch_size: int,
    limits: Limits,
    calendar: WorkingCalendar,
    parents: dict[int, int | None],
    result: SweepResult,
) -> int:
    overdue = Incident.objects.overdue(now)
    if result.claimed_up_to is not None:
        overdue = overdue.filter(deadline__gte=result.claimed_up_to)
    rows = list(
        overdue.select_for_update(skip_locked=True)
        .order_by("deadline")
        .values_list("pk", "code", "level", "urgency", "handling_region_id", "deadline")[
            :batch_size
        ]
    )
    if not rows:
        return 0
    result.claimed_up_to = rows[-1][-1]
    # Cases of one group share their new deadline: same rung, urgency and working hours.
    groups: dict[tuple[int, str, Schedule], list[int]] = defaultdict(list)
    stalled: list[int] = []
    # {(receiving region id, level): [case codes]}: this batch's digests.
    digests: dict[tuple[int, int], list[str]] = defaultdict(list)
    stalled_digests: dict[tuple[int, int], list[str]] = defaultdict(list)
    for pk, code, level, urgency, region_id, _deadline in rows:
        parent = parents.get(region_id)
        if is_at_top(level, parent):
            stalled.append(pk)
            stalled_digests[(region_id, level)].append(code)
            continue
        to_level = Level.VILLAGE if level > Level.VILLAGE else level - 1
        # Above the grid a case climbs to the parent region (is_at_top: there is one).
        to_region = parent if level <= Level.VILLAGE and parent is not None else region_id
        groups[(level, urgency, calendar.for_region(to_region).schedule)].append(pk)
        digests[(to_region, to_level)].append(code)
    _insert_events([pk for ids in groups.values() for pk in ids], Action.AUTO_ESCALATE)
    _insert_events(stalled, Action.STALL)
    for (level, urgency, schedule), ids in groups.items():
        to_level = Level.VILLAGE if level > Level.VILLAGE else level - 1
        hours = dataclasses.replace(calendar, schedule=schedule)
        changes: dict[str, Any] = {
            **escalation_clock_fields(to_level, urgency, now, limits=limits, calendar=hours),
            "level": to_level,
            "escalation_count": F("escalation_count") + 1,
            "updated_at": now,
        }
        if level <= Level.VILLAGE:
            changes["handling_region_id"] = Subquery(
                Region.objects.filter(pk=OuterRef("handling_region_id")).values("parent_id")[:1]
            )
        Incident.objects.filter(pk__in=ids).update(**changes)
    if stalled:
        Incident.objects.filter(pk__in=stalled).update(is_stalled_at_top=True, updated_at=now)
    public_cases_changed()
    notify.notify_escalation_digests(digests)
    notify.notify_escalation_digests(stalled_digests, stalled=True)
    # Work orders of the 12345 hotline tell it that they climbed, in this transaction.
    hotline_updates_queue_swept([pk for ids in groups.values() for pk in ids])
    result.digests += len(digests) + len(stalled_digests)
    result.escalated += len(rows) - len(stalled)
    result.stalled += len(stalled)
    return len(rows)


def _insert_events(ids: list[int], action: str) -> None:
    """One event per case, read by the database from its locked row before the row moves.

    Portable SQL (PostGIS and SpatiaLite): no Python object per event, no rows sent back.
    """
    if not ids:
        return
    to_level = (
        "level" if action == Action.STALL else "CASE WHEN level > %s THEN %s ELSE level - 1 END"
    )
    params = [action] + ([] if action == Action.STALL else [Level.VILLAGE, Level.VILLAGE])
    placeholders = ", ".join(["%s"] * len(ids))
    # The names come from the models; every value is a parameter.
    statement = (
        f"INSERT INTO {IncidentEvent._meta.db_table} (incident_id, action, from_status,"  # noqa: S608
        " to_status, from_level, to_level, note, breached_deadline, created_at)"
        f" SELECT id, %s, status, status, level, {to_level}, '', deadline, %s"
        f" FROM {Incident._meta.db_table} WHERE id IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, timezone.now(), *ids])

"""The escalation sweep: every overdue open case climbs one rung, exactly once per breach.

Set-based, in batches:
1. claim a batch of overdue cases with ``SELECT ... FOR UPDATE SKIP LOCKED`` (a second
   sweeper running at the same moment takes other rows, or none);
2. move them with one UPDATE per (rung, urgency) group, since every case of a group gets
   the same new deadline: at most a dozen statements whatever the batch size;
3. insert their events in one statement; the unique constraint on (case, breached deadline)
   makes a second escalation of the same breach impossible, not merely unlikely;
4. after the last batch, one digest per receiving region for the officials there.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from grids.models import Region
from incidents.models import Incident, IncidentEvent, Level
from incidents.services import notify
from incidents.services.deadlines import escalation_deadline, escalation_limits
from incidents.services.transitions import is_at_top
from incidents.working_time import WorkingCalendar

Action = IncidentEvent.Action


@dataclass
class SweepResult:
    escalated: int = 0
    stalled: int = 0
    batches: int = 0
    # {(receiving region id, level): [case codes]}, for one digest per region and sweep.
    digests: dict[tuple[int, int], list[str]] = field(default_factory=lambda: defaultdict(list))
    stalled_digests: dict[tuple[int, int], list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )


def incidents_escalate_overdue(
    *, now: datetime.datetime | None = None, batch_size: int = 1000
) -> SweepResult:
    now = now or timezone.now()
    limits = escalation_limits()
    calendar = WorkingCalendar.around(now)
    parents = dict(Region.objects.values_list("pk", "parent_id"))
    result = SweepResult()
    while _sweep_batch(now, batch_size, limits, calendar, parents, result):
        result.batches += 1
    with transaction.atomic():
        notify.notify_escalation_digests(result.digests)
        notify.notify_escalation_digests(result.stalled_digests, stalled=True)
    return result


@transaction.atomic
def _sweep_batch(now, batch_size, limits, calendar, parents, result: SweepResult) -> int:
    rows = list(
        Incident.objects.overdue(now)
        .select_for_update(skip_locked=True)
        .order_by("deadline")
        .values_list("pk", "code", "level", "urgency", "handling_region_id", "deadline", "status")[
            :batch_size
        ]
    )
    if not rows:
        return 0
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    stalled: list[int] = []
    events = []
    for pk, code, level, urgency, region_id, deadline, status in rows:
        if is_at_top(level, parents.get(region_id)):
            stalled.append(pk)
            events.append(_event(pk, Action.STALL, status, level, level, deadline))
            result.stalled_digests[(region_id, level)].append(code)
            continue
        to_level = Level.VILLAGE if level > Level.VILLAGE else level - 1
        to_region = region_id if level > Level.VILLAGE else parents[region_id]
        groups[(level, urgency)].append(pk)
        events.append(_event(pk, Action.AUTO_ESCALATE, status, level, to_level, deadline))
        result.digests[(to_region, to_level)].append(code)
    for (level, urgency), ids in groups.items():
        to_level = Level.VILLAGE if level > Level.VILLAGE else level - 1
        changes = {
            "level": to_level,
            "deadline": escalation_deadline(
                to_level, urgency, now, limits=limits, calendar=calendar
            ),
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
    IncidentEvent.objects.bulk_create(events)
    result.escalated += len(rows) - len(stalled)
    result.stalled += len(stalled)
    return len(rows)


def _event(pk, action, status, from_level, to_level, deadline) -> IncidentEvent:
    return IncidentEvent(
        incident_id=pk,
        action=action,
        from_status=status,
        to_status=status,
        from_level=from_level,
        to_level=to_level,
        breached_deadline=deadline,
    )

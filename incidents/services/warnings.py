"""The warning sweep (催办): each open case is warned once per deadline, when its light turns
yellow, and only inside the receiving unit's working hours.

Set-based, in the escalation's style (incidents.services.escalation):
1. it leaves the cases of a region outside its working hours (its own, or inherited down
   the ladder: ``WorkingHours``): a warning that falls due at night is sent by the first
   sweep of the morning;
2. each batch claims open cases whose warning is due (``is_warning_due`` and ``yellow_at``
   passed) with ``SELECT ... FOR UPDATE SKIP LOCKED``, in ``yellow_at`` order, from where
   the previous batch stopped;
3. one INSERT ... SELECT writes a ``warn`` event per case still before its deadline (the
   warned deadline in ``breached_deadline``: the unique constraint ``one_warning_per_deadline``
   makes a second warning for the same deadline impossible); a case already red is left to
   the escalation without a warning;
4. one UPDATE clears ``is_warning_due``: a new deadline (a new stage, a resume, an
   extension, an escalation, a recalculation) sets it again;
5. after the last batch, one digest per receiving unit: the person or department the case
   is dispatched to, or else the officials of its rung.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from incidents.models import Incident, IncidentEvent
from incidents.services import notify
from incidents.working_time import WorkingCalendar

Action = IncidentEvent.Action
BATCH_SIZE = 5000

# A receiving unit: ("user", id), ("department", id) or ("level", region id, level).
Unit = tuple[str, int] | tuple[str, int, int]


@dataclass
class WarningResult:
    warned: int = 0
    already_red: int = 0
    batches: int = 0
    claimed_up_to: datetime.datetime | None = None
    digests: dict[Unit, list[str]] = field(default_factory=lambda: defaultdict(list))


def incidents_warn_due(
    *, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE
) -> WarningResult:
    now = now or timezone.now()
    result = WarningResult()
    resting = _resting_regions(WorkingCalendar.around(now), now)
    if resting is None:
        return result
    while _warn_batch(now, batch_size, result, resting):
        result.batches += 1
    with transaction.atomic():
        notify.notify_warning_digests(result.digests)
    return result


def _resting_regions(calendar: WorkingCalendar, now: datetime.datetime) -> set[int] | None:
    """The regions outside their working hours now; None when every region is."""
    hours = calendar.region_hours
    if not hours.by_path:  # one set of hours everywhere
        return set() if calendar.is_working_moment(now) else None
    resting = {pk for pk in hours.paths if not calendar.for_region(pk).is_working_moment(now)}
    return None if len(resting) == len(hours.paths) else resting


@transaction.atomic
def _warn_batch(
    now: datetime.datetime, batch_size: int, result: WarningResult, resting: set[int]
) -> int:
    due = Incident.objects.open().filter(is_warning_due=True, yellow_at__lte=now)
    if resting:
        due = due.exclude(handling_region_id__in=resting)
    if result.claimed_up_to is not None:
        due = due.filter(yellow_at__gte=result.claimed_up_to)
    rows = list(
        due.select_for_update(skip_locked=True)
        .order_by("yellow_at")
        .values_list(
            "pk",
            "code",
            "deadline",
            "assignee_user_id",
            "assignee_department_id",
            "handling_region_id",
            "level",
            "yellow_at",
        )[:batch_size]
    )
    if not rows:
        return 0
    result.claimed_up_to = rows[-1][-1]
    warned = []
    for pk, code, deadline, user_id, department_id, region_id, level, _yellow in rows:
        if deadline is None or deadline <= now:
            result.already_red += 1
            continue
        warned.append(pk)
        unit: Unit = (
            ("user", user_id)
            if user_id
            else ("department", department_id)
            if department_id
            else ("level", region_id, level)
        )
        result.digests[unit].append(code)
    _insert_warnings(warned)
    Incident.objects.filter(pk__in=[row[0] for row in rows]).update(is_warning_due=False)
    result.warned += len(warned)
    return len(rows)


def _insert_warnings(ids: list[int]) -> None:
    """One ``warn`` event per case, read from its locked row; a warning already written for
    the same deadline is skipped by the unique constraint."""
    if not ids:
        return
    placeholders = ", ".join(["%s"] * len(ids))
    # The names come from the models; every value is a parameter.
    statement = (
        f"INSERT INTO {IncidentEvent._meta.db_table} (incident_id, action, from_status,"  # noqa: S608
        " to_status, from_level, to_level, note, breached_deadline, created_at)"
        " SELECT id, %s, status, status, level, level, '', deadline, %s"
        f" FROM {Incident._meta.db_table} WHERE id IN ({placeholders})"
        " ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [Action.WARN, timezone.now(), *ids])

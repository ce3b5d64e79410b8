"""督办 as a record: who supervises a case (town, county or city), why, by when.

``incident_supervise`` (incidents.services.transitions) starts and ends a supervision
through ``supervision_start`` and ``supervision_end`` here; the sweep
``supervisions_escalate_overdue`` raises an overdue supervision one level (town → county →
city), set-based like the cases' escalation: claim with ``SKIP LOCKED``, one event per
raise (a unique constraint on the breached supervision deadline makes a second raise of the
same breach impossible), one UPDATE per (level, urgency, working hours) group, one digest
per region whose officials now supervise.
"""

import dataclasses
import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.roles import is_platform_admin
from grids.jurisdiction import jurisdiction_of
from grids.models import Region
from incidents.models import Incident, IncidentEvent, Level, ReasonCode, Supervision
from incidents.services import notify
from incidents.services.deadlines import Limits, escalation_clock, escalation_limits
from incidents.working_time import Schedule, WorkingCalendar
from members.models import User
from members.notifications import notifications_create

SUPERVISION_LEVELS = (Level.TOWN, Level.COUNTY, Level.PREFECTURE)
BATCH_SIZE = 2000


def _actor_level(actor: User) -> int:
    """The highest supervision level the actor may use: their jurisdiction's rung."""
    if is_platform_admin(actor):
        return Level.PREFECTURE
    region = jurisdiction_of(actor)
    level = region.level if region is not None else Level.TOWN
    return max(Level.PREFECTURE, min(level, Level.TOWN))


def supervision_deadline(
    incident: Incident, level: int, now: datetime.datetime
) -> datetime.datetime:
    """The supervision's default deadline: its level's escalation limit from now."""
    clock = escalation_clock(level, incident.urgency, now, limits=escalation_limits())
    if clock is None:
        return now + datetime.timedelta(days=7)
    return clock.deadline(WorkingCalendar.around(now).for_region(incident.town_id))


def supervision_start(
    incident: Incident,
    *,
    actor: User,
    level: int | None,
    reason_code: ReasonCode | None,
    deadline: datetime.datetime | None,
    note: str,
    now: datetime.datetime,
) -> Supervision:
    """Record a supervision of the (locked) case; the caller writes the event."""
    highest = _actor_level(actor)
    level = highest if level is None else level
    if level not in SUPERVISION_LEVELS:
        raise ValidationError({"level": _("Supervise at the town, county or city level.")})
    if level < highest:
        raise PermissionDenied(_("You may not supervise at a level above your own."))
    if reason_code is not None and (
        reason_code.kind != ReasonCode.Kind.SUPERVISION or not reason_code.is_active
    ):
        raise ValidationError({"reason_code": _("This reason does not apply to this step.")})
    if deadline is not None and deadline <= now:
        raise ValidationError({"deadline": _("Choose a supervision deadline after now.")})
    return Supervision.objects.create(
        incident=incident,
        level=level,
        reason=reason_code,
        note=note,
        deadline=deadline or supervision_deadline(incident, level, now),
        supervisor=actor,
        created_at=now,
    )


def supervision_end(incident: Incident, *, actor: User, now: datetime.datetime) -> int:
    return Supervision.objects.filter(incident=incident, ended_at__isnull=True).update(
        ended_at=now, ended_by=actor
    )


def notify_supervision(incident: Incident) -> None:
    """The handler, and the handler's superiors: the officials who own the case's rung (at
    the grid rung, the village's staff)."""
    title = _("Case %(code)s is under supervision") % {"code": incident.code}
    notify.notify_assignees(incident, title)
    notifications_create(
        recipients=notify.officials_of(
            [incident.handling_region_id], min(incident.level, Level.VILLAGE)
        ),
        kind="incident",
        title=title,
        body=incident.title,
        url=notify.incident_url(incident.pk),
    )


def supervisions_escalate_overdue(
    *, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE
) -> int:
    now = now or timezone.now()
    calendar = WorkingCalendar.around(now)
    limits = escalation_limits()
    parents: dict[int, int | None] = dict(Region.objects.values_list("pk", "parent_id"))
    digests: dict[tuple[int, int], list[str]] = defaultdict(list)
    raised = 0
    while batch := _raise_batch(now, batch_size, calendar, limits, parents, digests):
        raised += batch
    with transaction.atomic():
        for (region_id, level), codes in digests.items():
            notifications_create(
                recipients=notify.officials_of([region_id], level),
                kind="supervision_digest",
                title=_("%(count)d supervised cases are overdue: now supervised by you")
                % {"count": len(codes)},
                body="\n".join(codes),
            )
    return raised


@transaction.atomic
def _raise_batch(
    now: datetime.datetime,
    batch_size: int,
    calendar: WorkingCalendar,
    limits: Limits,
    parents: dict[int, int | None],
    digests: dict[tuple[int, int], list[str]],
) -> int:
    rows = list(
        Supervision.objects.filter(
            ended_at__isnull=True, deadline__lt=now, level__gt=Level.PREFECTURE
        )
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("deadline")
        .values_list(
            "pk",
            "incident_id",
            "level",
            "deadline",
            "incident__urgency",
            "incident__town_id",
            "incident__code",
            "incident__status",
            "incident__level",
        )[:batch_size]
    )
    if not rows:
        return 0
    groups: dict[tuple[int, str, Schedule], list[int]] = defaultdict(list)
    events = []
    for pk, incident_id, level, deadline, urgency, town_id, code, status, rung in rows:
        to_level = level - 1
        groups[(to_level, urgency, calendar.for_region(town_id).schedule)].append(pk)
        region = town_id
        for _step in range(Level.TOWN - to_level):
            region = parents.get(region) or region
        digests[(region, to_level)].append(code)
        events.append(
            IncidentEvent(
                incident_id=incident_id,
                action=IncidentEvent.Action.SUPERVISE_UP,
                from_status=status,
                to_status=status,
                from_level=rung,
                to_level=rung,
                note=str(Level(to_level).label),
                breached_deadline=deadline,
            )
        )
    IncidentEvent.objects.bulk_create(events)
    for (to_level, urgency, schedule), ids in groups.items():
        clock = escalation_clock(to_level, urgency, now, limits=limits)
        hours = dataclasses.replace(calendar, schedule=schedule)
        deadline = clock.deadline(hours) if clock else now + datetime.timedelta(days=7)
        Supervision.objects.filter(pk__in=ids).update(
            level=to_level, deadline=deadline, escalation_count=F("escalation_count") + 1
        )
    return len(rows)

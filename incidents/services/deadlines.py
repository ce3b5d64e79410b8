"""Time limits of the catalogue turned into deadlines on the working calendar.

A running stage is a ``Clock``: the minutes it had left when it (re)started, counted from an
anchor in working or clock time, and the minutes it had used before. The case stores the
clock (``Incident.clock_*``, ``stage_minutes_*``), so that a suspension can keep the time
left, a resume continue from it, and a new calendar recount the deadline from the anchor.
"""

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from incidents.models import DEFAULT_WARNING_PERCENT, EscalationLimit, Incident, TimeLimit
from incidents.working_time import WorkingCalendar, limit_minutes

Source = Incident.ClockSource


@dataclass(frozen=True)
class Clock:
    source: str
    start: datetime.datetime
    remaining: int  # minutes left at ``start``
    working: bool
    used: int = 0  # minutes of the stage used before ``start``
    percent: int = DEFAULT_WARNING_PERCENT

    def deadline(self, calendar: WorkingCalendar) -> datetime.datetime:
        return calendar.add_minutes(self.start, self.remaining, self.working)

    def yellow_at(self, calendar: WorkingCalendar) -> datetime.datetime:
        """The moment the used share reaches the warning percentage."""
        threshold = math.ceil((self.used + self.remaining) * self.percent / 100)
        return calendar.add_minutes(self.start, max(0, threshold - self.used), self.working)

    def fields(self, calendar: WorkingCalendar) -> dict[str, Any]:
        """The case's fields for this clock (its paused minutes are left as they are)."""
        return {
            "deadline": self.deadline(calendar),
            "yellow_at": self.yellow_at(calendar),
            "is_warning_due": True,
            "clock_from": self.start,
            "clock_working": self.working,
            "clock_source": self.source,
            "warning_percent": self.percent,
            "stage_minutes_used": self.used,
            "stage_minutes_remaining": self.remaining,
        }


NO_CLOCK: dict[str, Any] = {
    "deadline": None,
    "yellow_at": None,
    "is_warning_due": False,
    "clock_from": None,
    "clock_source": "",
    "stage_minutes_used": 0,
    "stage_minutes_remaining": None,
}


def clock_of(incident: Incident) -> Clock | None:
    """The case's stored clock, or None when no clock runs."""
    if incident.clock_from is None or incident.stage_minutes_remaining is None:
        return None
    return Clock(
        source=incident.clock_source,
        start=incident.clock_from,
        remaining=incident.stage_minutes_remaining,
        working=incident.clock_working,
        used=incident.stage_minutes_used,
        percent=incident.warning_percent,
    )


def stage_clock(incident: Incident, now: datetime.datetime) -> Clock | None:
    """A fresh clock for the stage the case's status is in, from ``now``."""
    stage = incident.stage
    if stage is None:
        return None
    limit = (
        TimeLimit.objects.filter(
            category_id=incident.category_id, urgency=incident.urgency, stage=stage
        )
        .values_list("amount", "unit", "warning_percent")
        .first()
    )
    if limit is None:  # a category without limits for this stage: no clock runs
        return None
    minutes, working = limit_minutes(limit[0], limit[1])
    return Clock(Source.STAGE, now, minutes, working, percent=limit[2])


def stage_clock_fields(
    incident: Incident, now: datetime.datetime, calendar: WorkingCalendar | None = None
) -> dict[str, Any]:
    clock = stage_clock(incident, now)
    if clock is None:
        return {**NO_CLOCK, "stage_minutes_paused": 0}
    calendar = (calendar or WorkingCalendar.around(now)).for_region(incident.handling_region_id)
    return {**clock.fields(calendar), "stage_minutes_paused": 0}


def stage_deadline(
    incident: Incident, now: datetime.datetime, calendar: WorkingCalendar | None = None
) -> datetime.datetime | None:
    """The deadline of the stage the case's status is in, counted from ``now``."""
    clock = stage_clock(incident, now)
    if clock is None:
        return None
    return clock.deadline(
        (calendar or WorkingCalendar.around(now)).for_region(incident.handling_region_id)
    )


Limits = dict[tuple[int, str], tuple[int, str, int]]


def escalation_limits() -> Limits:
    return {
        (level, urgency): (amount, unit, percent)
        for level, urgency, amount, unit, percent in EscalationLimit.objects.values_list(
            "level", "urgency", "amount", "unit", "warning_percent"
        )
    }


def escalation_clock(
    level: int, urgency: str, now: datetime.datetime, *, limits: Limits
) -> Clock | None:
    limit = limits.get((level, urgency))
    if limit is None:
        return None
    minutes, working = limit_minutes(limit[0], limit[1])
    return Clock(Source.ESCALATION, now, minutes, working, percent=limit[2])


def escalation_clock_fields(
    level: int, urgency: str, now: datetime.datetime, *, limits: Limits, calendar: WorkingCalendar
) -> dict[str, Any]:
    """A new rung restarts the clock: its limit from ``now``, nothing used or paused."""
    clock = escalation_clock(level, urgency, now, limits=limits)
    fields = clock.fields(calendar) if clock else dict(NO_CLOCK)
    return {**fields, "stage_minutes_paused": 0}


def escalation_deadline(
    level: int, urgency: str, now: datetime.datetime, *, limits: Limits, calendar: WorkingCalendar
) -> datetime.datetime | None:
    clock = escalation_clock(level, urgency, now, limits=limits)
    return clock.deadline(calendar) if clock else None


def paused_clock_fields(incident: Incident, now: datetime.datetime) -> dict[str, Any]:
    """A suspension keeps the minutes left; the anchor becomes the start of the pause."""
    clock = clock_of(incident)
    if clock is None:
        return {"deadline": None, "yellow_at": None, "is_warning_due": False, "clock_from": now}
    calendar = WorkingCalendar.spanning(clock.start, now).for_region(incident.handling_region_id)
    spent = calendar.minutes_between(clock.start, now, clock.working)
    return {
        "deadline": None,
        "yellow_at": None,
        "is_warning_due": False,
        "clock_from": now,
        "stage_minutes_used": clock.used + min(spent, clock.remaining),
        "stage_minutes_remaining": max(0, clock.remaining - spent),
    }


def resumed_clock_fields(
    incident: Incident, now: datetime.datetime, calendar: WorkingCalendar | None = None
) -> dict[str, Any]:
    """A resume continues the stage with the minutes it had left; the pause is counted.

    ``calendar`` (a sweep's, loaded once) must cover the pause and the year after ``now``.
    """
    if incident.clock_from is None or incident.stage_minutes_remaining is None:
        return stage_clock_fields(incident, now, calendar)
    calendar = (calendar or WorkingCalendar.spanning(incident.clock_from, now)).for_region(
        incident.handling_region_id
    )
    paused = calendar.minutes_between(incident.clock_from, now, incident.clock_working)
    clock = Clock(
        source=incident.clock_source,
        start=now,
        remaining=incident.stage_minutes_remaining,
        working=incident.clock_working,
        used=incident.stage_minutes_used,
        percent=incident.warning_percent,
    )
    return {
        **clock.fields(calendar),
        "stage_minutes_paused": incident.stage_minutes_paused + paused,
    }


def extension_clock_fields(
    incident: Incident, now: datetime.datetime, deadline: datetime.datetime
) -> dict[str, Any]:
    """An approved extension: the time used so far stays, the new deadline is the one asked
    for, and its minutes left are counted on the case's clock."""
    clock = clock_of(incident)
    calendar = WorkingCalendar.spanning(clock.start if clock else now, now).for_region(
        incident.handling_region_id
    )
    working = clock.working if clock else True
    used = clock.used + calendar.minutes_between(clock.start, now, working) if clock else 0
    remaining = calendar.minutes_between(now, deadline, working)
    percent = clock.percent if clock else incident.warning_percent
    extended = Clock(Source.EXTENSION, now, remaining, working, used=used, percent=percent)
    return {**extended.fields(calendar), "deadline": deadline}


def stage_clocks(
    groups: Iterable[tuple[int, str, str]], now: datetime.datetime
) -> dict[tuple[int, str, str], dict[str, Any]]:
    """Fresh stage clock fields from ``now`` for (category id, urgency, status) keys: one
    query for the limits and one calendar, whatever the number of keys (the sweeps' groups)."""
    keys = list(groups)
    limits = {
        (category, urgency, stage): (amount, unit, percent)
        for category, urgency, stage, amount, unit, percent in TimeLimit.objects.filter(
            category_id__in={key[0] for key in keys}
        ).values_list("category_id", "urgency", "stage", "amount", "unit", "warning_percent")
    }
    calendar = WorkingCalendar.around(now)
    result: dict[tuple[int, str, str], dict[str, Any]] = {}
    for key in keys:
        stage = Incident.STAGE_OF_STATUS.get(key[2])
        limit = limits.get((key[0], key[1], stage)) if stage is not None else None
        if limit is None:
            result[key] = {**NO_CLOCK, "stage_minutes_paused": 0}
            continue
        minutes, working = limit_minutes(limit[0], limit[1])
        clock = Clock(Source.STAGE, now, minutes, working, percent=limit[2])
        result[key] = {**clock.fields(calendar), "stage_minutes_paused": 0}
    return result

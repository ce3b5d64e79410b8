"""Time limits of the catalogue turned into deadlines on the working calendar."""

import datetime
from collections.abc import Iterable

from incidents.models import EscalationLimit, Incident, TimeLimit
from incidents.working_time import WorkingCalendar


def stage_deadline(
    incident: Incident, now: datetime.datetime, calendar: WorkingCalendar | None = None
) -> datetime.datetime | None:
    """The deadline of the stage the case's status is in, counted from ``now``."""
    stage = incident.stage
    if stage is None:
        return None
    limit = (
        TimeLimit.objects.filter(
            category_id=incident.category_id, urgency=incident.urgency, stage=stage
        )
        .values_list("amount", "unit")
        .first()
    )
    if limit is None:  # a category without limits for this stage: no clock runs
        return None
    calendar = calendar or WorkingCalendar.around(now)
    return calendar.deadline(now, *limit)


def escalation_limits() -> dict[tuple[int, str], tuple[int, str]]:
    return {
        (level, urgency): (amount, unit)
        for level, urgency, amount, unit in EscalationLimit.objects.values_list(
            "level", "urgency", "amount", "unit"
        )
    }


def escalation_deadline(
    level: int,
    urgency: str,
    now: datetime.datetime,
    *,
    limits: dict[tuple[int, str], tuple[int, str]],
    calendar: WorkingCalendar,
) -> datetime.datetime | None:
    limit = limits.get((level, urgency))
    return calendar.deadline(now, *limit) if limit else None


def stage_deadlines(
    groups: Iterable[tuple[int, str, str]], now: datetime.datetime
) -> dict[tuple[int, str, str], datetime.datetime | None]:
    """Stage deadlines from ``now`` for (category id, urgency, status) keys: one query for
    the limits and one calendar, whatever the number of keys (the sweeps' groups)."""
    stages = {key: Incident.STAGE_OF_STATUS.get(key[2]) for key in groups}
    limits: dict[tuple[int, str, str], tuple[int, str]] = {
        (category, urgency, stage): (amount, unit)
        for category, urgency, stage, amount, unit in TimeLimit.objects.filter(
            category_id__in={key[0] for key in groups}
        ).values_list("category_id", "urgency", "stage", "amount", "unit")
    }
    calendar = WorkingCalendar.around(now)
    result: dict[tuple[int, str, str], datetime.datetime | None] = {}
    for key, stage in stages.items():
        limit = limits.get((key[0], key[1], stage)) if stage is not None else None
        result[key] = calendar.deadline(now, *limit) if limit else None
    return result

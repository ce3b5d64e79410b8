"""Keeping the cockpit's facts (incidents.models.facts) equal to a recount, set-based.

A day's facts are always recomputed whole, in one statement, from the cases and events:
delete the day's rows, insert the grouped counts. Nothing is ever added to a stored
count, so a refresh run twice, or again after it was killed (its transaction rolls
back), leaves the same rows. A transaction-level advisory lock keeps two refreshes (two
workers, or the beat's refresh beside a rebuild) from writing the same days at once.

Which days: every event names its case, and a case counts on the day it was received, on
the day it was closed, and on the days of its events (acceptance, dispatches, returns).
A change to a case writes an event (the services' rule), so the days to recompute are
those of the cases with an event since the watermark. Events are stamped before their
transaction commits: the refresh looks back ``MARGIN`` before its watermark, so that an
event committed late is still seen; a transaction open longer than that is caught by the
nightly rebuild of the recent days. ``case_facts_differences`` recounts and compares.
"""

# The SQL below interpolates table names and the code's own constants; values are parameters.
# ruff: noqa: S608

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from incidents.models import (
    BacklogFact,
    CaseFact,
    CaseFactsWatermark,
    GridMonthFact,
    Incident,
    IncidentEvent,
)

MARGIN = datetime.timedelta(minutes=5)
# Days rebuilt each night, and when there are no facts yet: the cockpit's month and the
# month before, and the history of the recurring problems (dashboard.recurring).
RECENT_DAYS = 40
FIRST_DAYS = 400
CHUNK_DAYS = 31
# pg_advisory_xact_lock's key: "case facts".
LOCK_KEY = 0x63617365_66616374

Action = IncidentEvent.Action
COUNTS = (
    "opened",
    "escalated",
    "closed",
    "on_time",
    "reworked",
    "extended",
    "rated",
    "satisfied",
    "dispatches",
    "auto_dispatches",
    "returns",
    "registered",
    "registered_closed",
)
KEYS = ("day", "town_id", "kind", "source", "category_id", "department_id")
SATISFIED = (Incident.Satisfaction.SATISFIED, Incident.Satisfaction.BASICALLY_SATISFIED)
BREACHES = (Action.AUTO_ESCALATE, Action.STALL)
DISPATCHES = (Action.DISPATCH, Action.AUTO_DISPATCH)


def _strings(values: Iterable[str]) -> str:
    return ", ".join(f"'{value}'" for value in sorted(str(value) for value in values))


def _zeros(names: Iterable[str]) -> str:
    return ", ".join(f"0 AS {name}" for name in names)


CASES = Incident._meta.db_table
EVENTS = IncidentEvent._meta.db_table
CLOSED = _strings(Incident.CLOSED_STATUSES)

# The counts of some days, one row per key; never a row of zeros. {created}, {closed} and
# {evented} stand for the days' time ranges on those columns (_ranges): ranges written out
# let the planner estimate the rows, and probe the indexes rather than hash whole tables.
DAY = "({column} AT TIME ZONE %(tz)s)::date"
FACTS_SELECT = f"""
WITH cells AS (
    SELECT {DAY.format(column="i.created_at")} AS day, i.town_id, i.category_id, i.source,
           i.assignee_department_id AS department_id,
           1 AS opened, (i.escalation_count > 0)::int AS escalated, {_zeros(COUNTS[2:])}
    FROM {CASES} i WHERE {{created}}
    UNION ALL
    SELECT {DAY.format(column="i.closed_at")}, i.town_id, i.category_id, i.source,
           i.assignee_department_id,
           0, 0, 1,
           (NOT EXISTS (SELECT 1 FROM {EVENTS} e WHERE e.incident_id = i.id
                        AND e.action IN ({_strings(BREACHES)})))::int,
           (EXISTS (SELECT 1 FROM {EVENTS} e WHERE e.incident_id = i.id
                    AND e.action = '{Action.REWORK}'))::int,
           (EXISTS (SELECT 1 FROM {EVENTS} e WHERE e.incident_id = i.id
                    AND e.action = '{Action.EXTEND_APPROVE}'))::int,
           (i.satisfaction <> '')::int,
           (i.satisfaction IN ({_strings(SATISFIED)}))::int,
           0, 0, 0, 0, 0
    FROM {CASES} i WHERE i.status IN ({CLOSED}) AND ({{closed}})
    UNION ALL
    SELECT {DAY.format(column="e.created_at")}, i.town_id, i.category_id, i.source,
           i.assignee_department_id,
           {_zeros(COUNTS[:8])},
           (e.action IN ({_strings(DISPATCHES)}))::int,
           (e.action = '{Action.AUTO_DISPATCH}')::int,
           (e.action = '{Action.RETURN}')::int,
           (e.action = '{Action.ACCEPT}')::int,
           (e.action = '{Action.ACCEPT}' AND i.status IN ({CLOSED}))::int
    FROM {EVENTS} e JOIN {CASES} i ON i.id = e.incident_id
    WHERE e.action IN ({_strings((*DISPATCHES, Action.RETURN, Action.ACCEPT))})
      AND ({{evented}})
)
SELECT day, town_id,
       CASE GROUPING(source, category_id, department_id)
           WHEN 3 THEN 'source' WHEN 5 THEN 'category' ELSE 'department' END,
       source, category_id, department_id,
       {", ".join(f"sum({name})::int" for name in COUNTS)}
FROM cells GROUP BY GROUPING SETS (
    (day, town_id, source), (day, town_id, category_id), (day, town_id, department_id)
)
"""


def _ranges(days: list[datetime.date]) -> tuple[dict[str, str], dict[str, Any]]:
    """FACTS_SELECT's three conditions for ``days``, and their parameters: consecutive
    days make one range."""
    spans: list[list[datetime.date]] = []
    for day in sorted(days):
        if spans and spans[-1][1] == day:
            spans[-1][1] = day + datetime.timedelta(days=1)
        else:
            spans.append([day, day + datetime.timedelta(days=1)])
    zone = timezone.get_default_timezone()
    params: dict[str, Any] = {}
    for n, (first, end) in enumerate(spans):
        params[f"from{n}"] = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
        params[f"to{n}"] = datetime.datetime.combine(end, datetime.time.min, tzinfo=zone)

    def condition(column: str) -> str:
        return " OR ".join(
            f"({column} >= %(from{n})s AND {column} < %(to{n})s)" for n in range(len(spans))
        )

    columns = {"created": "i.created_at", "closed": "i.closed_at", "evented": "e.created_at"}
    return {name: condition(column) for name, column in columns.items()}, params


def _facts_select(days: list[datetime.date]) -> tuple[str, dict[str, Any]]:
    conditions, params = _ranges(days)
    return FACTS_SELECT.format(**conditions), _params(**params)


MONTHS_SELECT = f"""
WITH months AS (
    SELECT m::date AS month, (m::timestamp AT TIME ZONE %(tz)s) AS start_at,
           ((m + interval '1 month')::timestamp AT TIME ZONE %(tz)s) AS end_at
    FROM unnest(%(months)s::date[]) AS m
)
SELECT m.month, i.grid_id, i.category_id, count(*)::int
FROM months m JOIN {CASES} i ON i.created_at >= m.start_at AND i.created_at < m.end_at
GROUP BY m.month, i.grid_id, i.category_id
"""

# The local days a case counts on, for the cases with an event since %(since)s; and
# whether the case was received that day (its month's grid counts change).
DIRTY_DAYS = f"""
WITH touched AS (SELECT DISTINCT incident_id AS id FROM {EVENTS} WHERE created_at >= %(since)s)
SELECT (at AT TIME ZONE %(tz)s)::date AS day, bool_or(received)
FROM (
    SELECT i.created_at AS at, true AS received FROM {CASES} i JOIN touched t ON t.id = i.id
    UNION ALL
    SELECT i.closed_at, false FROM {CASES} i JOIN touched t ON t.id = i.id
    WHERE i.closed_at IS NOT NULL
    UNION ALL
    SELECT e.created_at, false FROM {EVENTS} e JOIN touched t ON t.id = e.incident_id
) AS moments
GROUP BY 1
"""

OPEN = _strings(Incident.OPEN_STATUSES)
BACKLOG = BacklogFact._meta.db_table
BACKLOG_INSERT = f"""
INSERT INTO {BACKLOG} (town_id, kind, source, category_id, department_id, open, overdue)
SELECT town_id,
       CASE GROUPING(source, category_id, assignee_department_id)
           WHEN 3 THEN 'source' WHEN 5 THEN 'category' ELSE 'department' END,
       source, category_id, assignee_department_id,
       count(*), count(*) FILTER (WHERE deadline < %(now)s)
FROM {CASES} WHERE status IN ({OPEN})
GROUP BY GROUPING SETS (
    (town_id, source), (town_id, category_id), (town_id, assignee_department_id)
)
"""

FACTS = CaseFact._meta.db_table
MONTH_FACTS = GridMonthFact._meta.db_table


@dataclass(frozen=True)
class Refreshed:
    days: int
    months: int
    current: bool  # False: there are no facts yet (rebuild_case_facts makes them)


def _params(**params: Any) -> dict[str, Any]:
    return {"tz": settings.TIME_ZONE, **params}


def facts_kept() -> bool:
    """The facts' statements are PostgreSQL's (GROUPING SETS, advisory locks, AT TIME
    ZONE). On the embedded SpatiaLite database of ``make run`` no facts are kept: the
    refresh and rebuilds do nothing, and the cockpit counts from the cases, as it does
    wherever facts do not cover a period."""
    return connection.vendor == "postgresql"


def _lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _recompute_days(days: list[datetime.date]) -> None:
    if not days:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FACTS} WHERE day = ANY(%s::date[])", [days])
        select, params = _facts_select(days)
        cursor.execute(f"INSERT INTO {FACTS} ({', '.join((*KEYS, *COUNTS))}) {select}", params)


def _recompute_months(months: list[datetime.date]) -> None:
    if not months:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MONTH_FACTS} WHERE month = ANY(%s::date[])", [months])
        cursor.execute(
            f"INSERT INTO {MONTH_FACTS} (month, grid_id, category_id, cases) {MONTHS_SELECT}",
            _params(months=months),
        )


def _recount_backlog(now: datetime.datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {BACKLOG}")
        cursor.execute(BACKLOG_INSERT, {"now": now})


def case_facts_refresh(*, now: datetime.datetime | None = None) -> Refreshed:
    """Recompute the days (and the months) touched by the events since the watermark,
    then move the watermark to ``now``. One transaction; beat runs it every minute."""
    now = now or timezone.now()
    if not facts_kept():
        return Refreshed(days=0, months=0, current=False)
    with transaction.atomic():
        _lock()
        watermark = CaseFactsWatermark.objects.select_for_update().filter(pk=1).first()
        if watermark is None:
            return Refreshed(days=0, months=0, current=False)
        with connection.cursor() as cursor:
            cursor.execute(DIRTY_DAYS, _params(since=watermark.current_at - MARGIN))
            touched = cursor.fetchall()
        days = sorted(day for day, _received in touched if day >= watermark.covers_from)
        months = sorted(
            {day.replace(day=1) for day, received in touched if received}
            - {day.replace(day=1) for day, _received in touched if day < watermark.covers_from}
        )
        _recompute_days(days)
        _recompute_months(months)
        _recount_backlog(now)
        watermark.current_at = max(watermark.current_at, now)
        watermark.save(update_fields=["current_at"])
    return Refreshed(days=len(days), months=len(months), current=True)


def _days(first: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((end - first).days)]


def _months(first: datetime.date, end: datetime.date) -> list[datetime.date]:
    months = []
    month = first.replace(day=1)
    while month < end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def case_facts_rebuild(
    *,
    since: datetime.date,
    now: datetime.datetime | None = None,
    progress: Callable[[datetime.date, datetime.date], None] | None = None,
) -> int:
    """Recompute every day from the first of ``since``'s month to today, a chunk of days
    per transaction, then the months; the facts cover those days from then on. A rebuild
    killed midway leaves whole days behind and the watermark as it was. Returns the days
    (none where no facts are kept: facts_kept)."""
    if not facts_kept():
        return 0
    now = now or timezone.now()
    first = since.replace(day=1)
    end = timezone.localdate(now) + datetime.timedelta(days=1)
    days = _days(first, end)
    for start in range(0, len(days), CHUNK_DAYS):
        chunk = days[start : start + CHUNK_DAYS]
        with transaction.atomic():
            _lock()
            _recompute_days(chunk)
        if progress:
            progress(chunk[0], chunk[-1])
    with transaction.atomic():
        _lock()
        _recompute_months(_months(first, end))
        _recount_backlog(now)
        watermark = CaseFactsWatermark.objects.select_for_update().filter(pk=1).first()
        if watermark is None:
            CaseFactsWatermark.objects.create(
                pk=1, covers_from=first, current_at=now, rebuilt_at=now
            )
        else:
            watermark.covers_from = min(watermark.covers_from, first)
            watermark.rebuilt_at = now
            watermark.save(update_fields=["covers_from", "rebuilt_at"])
    return len(days)


def case_facts_rebuild_recent(*, now: datetime.datetime | None = None) -> int:
    """The nightly rebuild: the last RECENT_DAYS days, or FIRST_DAYS when there are no
    facts yet."""
    now = now or timezone.now()
    days = RECENT_DAYS if CaseFactsWatermark.objects.filter(pk=1).exists() else FIRST_DAYS
    return case_facts_rebuild(
        since=timezone.localdate(now) - datetime.timedelta(days=days), now=now
    )


def case_facts_differences(
    *, since: datetime.date, until: datetime.date, limit: int = 20
) -> list[str]:
    """The stored facts of the days [since, until] (and the months that start in them)
    that differ from a recount, each as a line: ``stored`` rows missing from the
    recount, ``recount`` rows missing from the store. Empty when they are equal."""
    days = _days(since, until + datetime.timedelta(days=1))
    months = [
        month for month in _months(since, until + datetime.timedelta(days=1)) if month >= since
    ]
    columns = ", ".join((*KEYS, *COUNTS))
    recount, params = _facts_select(days)
    checks = (
        (f"SELECT {columns} FROM {FACTS} WHERE day = ANY(%(days)s::date[])", recount),
        (
            f"SELECT month, grid_id, category_id, cases FROM {MONTH_FACTS} "
            "WHERE month = ANY(%(months)s::date[])",
            MONTHS_SELECT,
        ),
    )
    lines: list[str] = []
    with connection.cursor() as cursor:
        for stored, recount in checks:
            cursor.execute(
                f"""
                WITH stored AS ({stored}), recount AS ({recount})
                (SELECT 'stored' AS side, * FROM (SELECT * FROM stored EXCEPT ALL
                                                  SELECT * FROM recount) AS s)
                UNION ALL
                (SELECT 'recount', * FROM (SELECT * FROM recount EXCEPT ALL
                                           SELECT * FROM stored) AS r)
                LIMIT %(limit)s
                """,
                {**params, "days": days, "months": months, "limit": limit},
            )
            lines += [" ".join(str(value) for value in row) for row in cursor.fetchall()]
    return lines[:limit]

"""Reads of the assessment: a month's counts from the event log, schemes and bulletins.

``month_counts`` is the formula of README.md ("Monthly assessment"): one query whatever the
number of cases, a row per case that counts, summed here. It reads the log as of the
month's end: only events before the first moment of the next month count, so closing a
month on the 1st or on the 5th gives the same numbers (except a rating, read from the case
row: see README.md).
"""

import datetime
from collections import defaultdict

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from assessment.models import AssessmentScheme, Bulletin, BulletinEntry, Indicator
from grids.models import Region
from incidents.models import Department, Incident, IncidentEvent

Action = IncidentEvent.Action
# A first response to a report: accepted, rejected with a reason, or merged into a case.
RESPONSES = (Action.ACCEPT, Action.REJECT, Action.MERGE)
DISPATCHES = (Action.DISPATCH, Action.AUTO_DISPATCH)
BREACHES = (Action.AUTO_ESCALATE, Action.STALL)
SATISFIED = (Incident.Satisfaction.SATISFIED, Incident.Satisfaction.BASICALLY_SATISFIED)

# (numerator, denominator) per indicator.
Counts = dict[str, tuple[int, int]]


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The month's first moment and the next month's, local time (Asia/Shanghai)."""
    zone = timezone.get_current_timezone()
    following = (month.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return (
        datetime.datetime.combine(month.replace(day=1), datetime.time.min, tzinfo=zone),
        datetime.datetime.combine(following, datetime.time.min, tzinfo=zone),
    )


def previous_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _case_facts(county: Region, start: datetime.datetime, end: datetime.datetime) -> QuerySet:
    """One row per case that counts for some indicator of the month: the facts of its
    events before the month's end, in one GROUP BY over the events (no query per case)."""
    in_month = Q(created_at__gte=start, created_at__lt=end)
    relevant = IncidentEvent.objects.filter(
        (Q(action__in=(Action.ACCEPT, Action.VERIFY, Action.EVALUATE)) & in_month)
        | Q(action=Action.REPORT, deadline_after__gte=start, deadline_after__lt=end)
    ).values("incident_id")
    return (
        IncidentEvent.objects.filter(
            created_at__lt=end, incident__in=relevant, incident__town__parent=county
        )
        .values("incident_id", "incident__town_id", "incident__satisfaction")
        .annotate(
            response_deadline=Min("deadline_after", filter=Q(action=Action.REPORT)),
            first_response=Min("created_at", filter=Q(action__in=RESPONSES)),
            accepted=Count("pk", filter=Q(action=Action.ACCEPT) & in_month),
            closed=Count("pk", filter=Q(action=Action.VERIFY) & in_month),
            rated=Count("pk", filter=Q(action=Action.EVALUATE) & in_month),
            breaches=Count("pk", filter=Q(action__in=BREACHES)),
            last_closing=Max("created_at", filter=Q(action=Action.VERIFY)),
            last_reopening=Max("created_at", filter=Q(action=Action.REOPEN)),
            **_last_dispatch_unit(end),
        )
        .order_by()
    )


def _last_dispatch_unit(end: datetime.datetime) -> dict:
    """The department of the case's last dispatch before the month's end: on PostgreSQL
    the first of an ordered array (``units``, in the same pass), on SpatiaLite a subquery
    (``unit``)."""
    if connection.vendor == "postgresql":
        return {
            "units": ArrayAgg(
                "department_id", filter=Q(action__in=DISPATCHES), order_by=("-created_at", "-id")
            )
        }
    last = (
        IncidentEvent.objects.filter(
            incident=OuterRef("incident_id"), action__in=DISPATCHES, created_at__lt=end
        )
        .order_by("-created_at", "-id")
        .values("department_id")[:1]
    )
    return {"unit": Subquery(last)}


def _parts(row: dict, start: datetime.datetime, end: datetime.datetime) -> Counts:
    """The case's (meets, counts) per indicator, 0 or 1 each (README.md's table)."""
    deadline, first_response = row["response_deadline"], row["first_response"]
    due = deadline is not None and start <= deadline < end
    responded = due and first_response is not None and first_response <= deadline
    accepted = row["accepted"] > 0
    closing, reopening = row["last_closing"], row["last_reopening"]
    resolved = accepted and closing is not None and (reopening is None or reopening <= closing)
    rating = row["incident__satisfaction"]
    rated = row["rated"] > 0 and rating != ""
    closed = row["closed"] > 0
    return {
        Indicator.RESPONSE: (int(responded), int(due)),
        Indicator.RESOLUTION: (int(resolved), int(accepted)),
        Indicator.SATISFACTION: (int(rated and rating in SATISFIED), int(rated)),
        Indicator.ON_TIME: (int(closed and row["breaches"] == 0), int(closed)),
    }


def month_counts(*, county: Region, month: datetime.date) -> dict[str, dict]:
    """Numerator and denominator of every indicator, per town and per department."""
    start, end = month_bounds(month)
    towns: dict[int, Counts] = defaultdict(dict)
    departments: dict[int, Counts] = defaultdict(dict)
    for row in _case_facts(county, start, end).iterator(chunk_size=2000):
        parts = _parts(row, start, end)
        _add(towns[row["incident__town_id"]], parts)
        unit = row["units"][0] if row.get("units") else row.get("unit")
        if unit is not None:
            _add(departments[unit], {k: v for k, v in parts.items() if k != "response"})
    return {"towns": dict(towns), "departments": dict(departments)}


def _add(total: Counts, parts: Counts) -> None:
    for indicator, (part, whole) in parts.items():
        before = total.get(indicator, (0, 0))
        total[indicator] = (before[0] + part, before[1] + whole)


def county_units(county: Region, department_ids: set[int]) -> dict[str, list]:
    """The towns of the county (every one, ranked or not) and the departments that had
    cases in the month, with their names (two queries)."""
    towns = list(
        Region.objects.filter(parent=county, level=Region.Level.TOWN)
        .order_by("code")
        .values_list("pk", "name")
    )
    # Each town has its own departments of the same names: the town names them apart.
    departments = [
        (pk, f"{region}{name}")
        for pk, region, name in Department.objects.filter(pk__in=department_ids)
        .order_by("region__path", "code")
        .values_list("pk", "region__name", "name")
    ]
    return {"towns": towns, "departments": departments}


def scheme_history(county: Region) -> QuerySet[AssessmentScheme]:
    return (
        AssessmentScheme.objects.filter(county=county)
        .select_related("created_by")
        .prefetch_related("indicators")
        .order_by("-version")
    )


def bulletin_lines(bulletin: Bulletin) -> dict[str, list[BulletinEntry]]:
    """The bulletin's lines, towns and departments, in rank order (one query)."""
    lines: dict[str, list[BulletinEntry]] = {"town": [], "department": []}
    for entry in bulletin.entries.order_by("kind", "rank", "name").only(
        "kind", "name", "score", "rank", "is_bottom", "parts", "bulletin_id"
    ):
        lines[entry.kind].append(entry)
    for kind in lines:
        lines[kind].sort(key=lambda entry: (entry.rank is None, entry.rank or 0, entry.name))
    return lines

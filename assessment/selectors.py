"""Reads of the assessment: a month's counts from the event log, schemes and bulletins.

``month_counts`` is the formula of README.md ("Monthly assessment"), one query whatever the
number of cases. It reads the log as of the month's end: only events before the first
moment of the next month count, so closing a month on the 1st or on the 5th gives the same
numbers (except a rating, read from the case row: see README.md).
"""

import datetime
from collections import defaultdict

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
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


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _per_case(county: Region, start: datetime.datetime, end: datetime.datetime) -> QuerySet:
    events = IncidentEvent.objects.filter(incident=OuterRef("pk"))
    before_end = events.filter(created_at__lt=end)
    in_month = events.filter(created_at__gte=start, created_at__lt=end)
    return (
        Incident.objects.filter(town__parent=county)
        .annotate(
            response_deadline=Subquery(
                events.filter(action=Action.REPORT)
                .order_by("created_at", "pk")
                .values("deadline_after")[:1]
            ),
            last_closing=Subquery(
                before_end.filter(action=Action.VERIFY)
                .order_by("-created_at", "-pk")
                .values("created_at")[:1]
            ),
            unit=Subquery(
                before_end.filter(action__in=DISPATCHES)
                .order_by("-created_at", "-pk")
                .values("department_id")[:1]
            ),
            is_due=_flag(Q(response_deadline__gte=start, response_deadline__lt=end)),
            is_responded=Exists(
                events.filter(action__in=RESPONSES, created_at__lte=OuterRef("response_deadline"))
            ),
            is_accepted=Exists(in_month.filter(action=Action.ACCEPT)),
            is_closed=Exists(in_month.filter(action=Action.VERIFY)),
            is_rated=_flag(Exists(in_month.filter(action=Action.EVALUATE)) & ~Q(satisfaction="")),
            is_breached=Exists(before_end.filter(action__in=BREACHES)),
            is_reopened=Exists(
                before_end.filter(action=Action.REOPEN, created_at__gt=OuterRef("last_closing"))
            ),
        )
        .filter(Q(is_due=True) | Q(is_accepted=True) | Q(is_closed=True) | Q(is_rated=True))
    )


def month_counts(*, county: Region, month: datetime.date) -> dict[str, dict]:
    """Numerator and denominator of every indicator, per town and per department."""
    start, end = month_bounds(month)
    rows = (
        _per_case(county, start, end)
        .values("town_id", "unit")
        .annotate(
            due=Count("pk", filter=Q(is_due=True)),
            responded=Count("pk", filter=Q(is_due=True, is_responded=True)),
            accepted=Count("pk", filter=Q(is_accepted=True)),
            resolved=Count(
                "pk", filter=Q(is_accepted=True, last_closing__isnull=False, is_reopened=False)
            ),
            rated=Count("pk", filter=Q(is_rated=True)),
            satisfied=Count("pk", filter=Q(is_rated=True, satisfaction__in=SATISFIED)),
            closed=Count("pk", filter=Q(is_closed=True)),
            on_time=Count("pk", filter=Q(is_closed=True, is_breached=False)),
        )
        .order_by()
    )
    towns: dict[int, Counts] = defaultdict(dict)
    departments: dict[int, Counts] = defaultdict(dict)
    for row in rows:
        parts: Counts = {
            Indicator.RESPONSE: (row["responded"], row["due"]),
            Indicator.RESOLUTION: (row["resolved"], row["accepted"]),
            Indicator.SATISFACTION: (row["satisfied"], row["rated"]),
            Indicator.ON_TIME: (row["on_time"], row["closed"]),
        }
        _add(towns[row["town_id"]], parts)
        if row["unit"] is not None:
            _add(departments[row["unit"]], {k: v for k, v in parts.items() if k != "response"})
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
    departments = list(
        Department.objects.filter(pk__in=department_ids)
        .order_by("region__path", "code")
        .values_list("pk", "name")
    )
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

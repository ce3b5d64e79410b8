"""Workload per grid: households, residents, cases per month, patrol hours and members of
each active grid an official oversees, against the town's median (members.redivision).

Two queries whatever the number of grids: the grids with their figures (correlated
subqueries), then the households of every active grid of their towns for the medians
(an official of a village still compares its grids with the whole town).
"""

import datetime

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from core.figures import Row
from incidents.models import Incident
from members.actors import Actor
from members.models import GridAssignment, GridSplitProposal, PatrolLog
from members.permissions import grids_redivided_by
from members.redivision import OVERLOAD_FACTOR, is_overloaded, town_medians

CASE_MONTHS = 3  # cases per month: the mean of the last three months (90 days)
PATROL_DAYS = 30  # patrol hours: the last 30 days


def grid_workload(user: Actor, *, now: datetime.datetime) -> list[Row]:
    """One row per active grid the user oversees: overloaded grids first, then by code."""
    today = now.date()
    cases = (
        Incident.objects.filter(
            grid=OuterRef("pk"),
            created_at__gte=now - datetime.timedelta(days=30 * CASE_MONTHS),
            created_at__lt=now,
        )
        .order_by()
        .values("grid")
        .annotate(count=Count("pk"))
        .values("count")
    )
    walked = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
    patrols = (
        PatrolLog.objects.filter(
            grid=OuterRef("pk"),
            started_at__gte=now - datetime.timedelta(days=PATROL_DAYS),
            started_at__lt=now,
            ended_at__isnull=False,
        )
        .order_by()
        .values("grid")
        .annotate(total=Sum(walked))
        .values("total")
    )
    members = (
        GridAssignment.objects.filter(grid=OuterRef("pk"), starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today))
        .order_by()
        .values("grid")
        .annotate(count=Count("member", distinct=True))
        .values("count")
    )
    proposal = GridSplitProposal.objects.filter(
        grid=OuterRef("pk"), status=GridSplitProposal.Status.PROPOSED
    ).values("pk")[:1]
    rows = list(
        grids_redivided_by(user)
        .filter(is_active=True)
        .annotate(
            cases=Coalesce(Subquery(cases), Value(0), output_field=IntegerField()),
            patrol_time=Subquery(patrols, output_field=DurationField()),
            member_count=Coalesce(Subquery(members), Value(0), output_field=IntegerField()),
            open_proposal=Subquery(proposal, output_field=IntegerField()),
        )
        .values(
            "pk",
            "code",
            "name",
            "households",
            "population",
            "cases",
            "patrol_time",
            "member_count",
            "open_proposal",
            "village__name",
            "village__parent_id",
            "village__parent__name",
        )
        .order_by("code")
    )
    medians = town_medians({int(row["village__parent_id"] or 0) for row in rows})
    result: list[Row] = []
    for row in rows:
        median = medians.get(int(row["village__parent_id"] or 0), 0.0)
        patrol_time = row["patrol_time"]
        result.append(
            {
                "id": row["pk"],
                "code": row["code"],
                "name": row["name"],
                "village": row["village__name"],
                "town": row["village__parent__name"],
                "households": row["households"],
                "residents": row["population"],
                "cases_per_month": row["cases"] / CASE_MONTHS,
                "patrol_hours": patrol_time.total_seconds() / 3600 if patrol_time else 0.0,
                "members": row["member_count"],
                "median": median,
                "load": row["households"] / median if median else None,
                "overloaded": is_overloaded(row["households"], median),
                "open_proposal": row["open_proposal"],
            }
        )
    result.sort(key=lambda row: (not row["overloaded"], row["code"]))
    return result


def workload_rule() -> dict:
    return {"factor": OVERLOAD_FACTOR, "case_months": CASE_MONTHS, "patrol_days": PATROL_DAYS}

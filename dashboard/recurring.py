"""Recurring problems (每月一题): what keeps coming back, shown on the cockpit.

The rule (README.md, "The cockpit"): a (category, grid) pair is a recurring problem of a
month when its cases reported in that month number at least
``max(MIN_CASES, mean + SD_FACTOR × sd)``, where mean and sd (population standard
deviation) are over its counts of the ``HISTORY_MONTHS`` months before, months without a
case counting 0. A pair seen for the first time needs ``MIN_CASES`` cases; a pair that
always has many needs markedly more than usual. A running month counts up to today.
"""

import datetime
import math
import statistics
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dashboard.cockpit import facts_cover
from dashboard.periods import Period
from grids.models import Grid, Region
from incidents.models import Category, GridMonthFact

HISTORY_MONTHS = 6
MIN_CASES = 3
SD_FACTOR = 2
SHOWN = 20


def _months_before(first: datetime.date, months: int) -> datetime.date:
    for _ in range(months):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return first


def recurring_problems(
    cases: QuerySet, current: Period, *, region: Region | None = None
) -> list[dict]:
    """The pairs that stand out in the month of ``current`` (which starts on a month's
    first day), most above their threshold first. Three queries: the counts by month,
    category and grid; the names of the categories and of the grids listed.

    With ``region`` (the cockpit's, whose cases are all in ``cases``) the counts come
    from the facts when they cover the history (a fourth query asks), lagging the cases
    by at most the refresh's interval."""
    first = current.start
    history_start = _months_before(first, HISTORY_MONTHS)
    if region is not None and facts_cover(history_start):
        rows = _fact_rows(region, history_start, first)
    else:
        rows = _case_rows(cases, history_start, current)
    by_pair: dict[tuple[int, int], dict[datetime.date, int]] = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = timezone.localtime(month).date()
        counts = by_pair.setdefault((row["category_id"], row["grid_id"]), {})
        counts[month] = counts.get(month, 0) + row["count"]
    return _standing_out(by_pair, current)


def _fact_rows(region: Region, history_start: datetime.date, first: datetime.date) -> QuerySet:
    """The months of the pairs with at least MIN_CASES cases this month (no other can
    stand out), from the monthly facts."""
    in_region = Q(grid__village__path__startswith=region.path)
    candidate = GridMonthFact.objects.filter(
        month=first,
        cases__gte=MIN_CASES,
        grid=OuterRef("grid"),
        category=OuterRef("category"),
    )
    return (
        GridMonthFact.objects.filter(
            in_region, Exists(candidate), month__gte=history_start, month__lte=first
        )
        .values("month", "category_id", "grid_id")
        .annotate(count=F("cases"))
        .order_by()
    )


def _case_rows(cases: QuerySet, history_start: datetime.date, current: Period) -> QuerySet:
    first = current.start
    return (
        cases.filter(
            created_at__gte=Period(start=history_start, end=first).start_at,
            created_at__lt=current.end_at,
        )
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
        .values("month", "category_id", "grid_id")
        .annotate(count=Count("pk"))
        .order_by()
    )


def _clearly_below(count: int, history: list[int]) -> bool:
    """Whether ``count`` is below the pair's threshold by more than a float's rounding
    could hide: a quick test in floats before statistics' exact (and slow) one, which at
    a million cases would otherwise run for thousands of pairs."""
    mean = sum(history) / len(history)
    spread = math.sqrt(sum((value - mean) ** 2 for value in history) / len(history))
    return count < max(MIN_CASES, mean + SD_FACTOR * spread) - 1e-6


def _standing_out(
    by_pair: dict[tuple[int, int], dict[datetime.date, int]], current: Period
) -> list[dict]:
    first = current.start
    months = [_months_before(first, n) for n in range(HISTORY_MONTHS, 0, -1)]
    problems: list[dict[str, Any]] = []
    for (category_id, grid_id), by_month in by_pair.items():
        count = by_month.get(first, 0)
        if count < MIN_CASES:
            continue
        history = [by_month.get(month, 0) for month in months]
        if _clearly_below(count, history):
            continue
        mean = statistics.fmean(history)
        threshold = max(float(MIN_CASES), mean + SD_FACTOR * statistics.pstdev(history))
        if count >= threshold:
            problems.append(
                {
                    "category_id": category_id,
                    "grid_id": grid_id,
                    "count": count,
                    "history": history,
                    "mean": mean,
                    "threshold": threshold,
                    "query": urlencode(
                        {
                            "category": category_id,
                            "grid": grid_id,
                            "created_from": first.isoformat(),
                            "created_to": current.last_day.isoformat(),
                        }
                    ),
                }
            )
    problems.sort(key=lambda p: (-(p["count"] - p["threshold"]), -p["count"], p["grid_id"]))
    return _named(problems[:SHOWN])


def _named(problems: list[dict]) -> list[dict]:
    categories = dict(Category.objects.values_list("pk", "name"))
    grids = {
        row["pk"]: row
        for row in Grid.objects.filter(
            pk__in=[problem["grid_id"] for problem in problems] or [0]
        ).values("pk", "name", "village__name", "village__parent__name")
    }
    for problem in problems:
        grid = grids[problem["grid_id"]]
        problem.update(
            category=categories[problem["category_id"]],
            grid=grid["name"],
            village=grid["village__name"],
            town=grid["village__parent__name"],
        )
    return problems

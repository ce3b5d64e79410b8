"""The cockpit of a county (one row per town) or a prefecture city (one row per county).

Every indicator of the dashboard (dashboard.selectors, dashboard.kpis), for the chosen
month and the same span of the month before, with the change, per unit and broken down by
source, category group and assigned department. Two grouped queries give all of it: the
cases by (unit, source, category group, department) with a count per indicator and period,
and the acceptance, dispatch and return events the same way; every table is a sum of those
cells. The units, groups and departments are named by three more queries, whatever the
number of towns or cases. When the facts (incidents.models.facts) cover the two months,
a query over the day facts and one over the backlog facts replace those two.

Every count carries the queue's filters that select exactly the cases it counts
(incidents.filters.IncidentQueueFilter); rates link their two counts. Dispatches and
returns are events, not cases (a case can be returned twice), so they have no link.
"""

import datetime
import functools
import json
import operator
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db import connections, router
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.figures import Row, rate
from dashboard.kpis import DISPATCHES
from dashboard.periods import Period
from dashboard.satisfaction import SATISFIED
from grids.models import Region
from grids.permissions import grids_visible_to
from grids.selectors import GEOJSON_PRECISION
from incidents.models import (
    BacklogFact,
    CaseFact,
    CaseFactsWatermark,
    Category,
    CategoryGroup,
    Department,
    Incident,
    IncidentEvent,
)
from incidents.permissions import incidents_visible_to
from members.actors import Actor

Action = IncidentEvent.Action
BREACHES = (Action.AUTO_ESCALATE, Action.STALL)
PERIODS = ("now", "before")  # the chosen period and the one it is compared with
KEYS = ("unit", "source", "group", "department")
# The counters summed from the facts: every one of COUNTERS.
FACT_COUNTS = (
    "opened",
    "escalated",
    "registered",
    "registered_closed",
    "closed",
    "on_time",
    "reworked",
    "extended",
    "rated",
    "satisfied",
    "dispatches",
    "auto_dispatches",
    "returns",
)


def month_periods(month: datetime.date, today: datetime.date) -> tuple[Period, Period]:
    """The month (up to today when it is running) and the month before: the same days of
    it (1–2 December beside 1–2 November) while the month runs, the whole of it once the
    month is over."""
    first = month.replace(day=1)
    next_first = (first + datetime.timedelta(days=32)).replace(day=1)
    current = Period(start=first, end=min(next_first, today + datetime.timedelta(days=1)))
    before_first = (first - datetime.timedelta(days=1)).replace(day=1)
    before_end = first
    if current.end < next_first:
        before_end = min(before_first + datetime.timedelta(days=current.days), first)
    return current, Period(start=before_first, end=before_end)


@dataclass(frozen=True)
class Counter:
    """A count of cases (or of events, with no drill-down), and the queue's filters for
    it in a period (None: it is not a count of cases)."""

    key: str
    drill: Callable[[Period], dict[str, str]] | None


def _opened(period: Period) -> dict[str, str]:
    return {"created_from": period.start.isoformat(), "created_to": period.last_day.isoformat()}


def _closed(period: Period, outcome: str = "") -> dict[str, str]:
    params = {"closed_from": period.start.isoformat(), "closed_to": period.last_day.isoformat()}
    return {**params, "outcome": outcome} if outcome else params


def _registered(period: Period, outcome: str = "") -> dict[str, str]:
    params = {
        "accepted_from": period.start.isoformat(),
        "accepted_to": period.last_day.isoformat(),
    }
    return {**params, "outcome": outcome} if outcome else params


COUNTERS = {
    counter.key: counter
    for counter in (
        Counter("opened", _opened),
        Counter("escalated", lambda p: {**_opened(p), "outcome": "escalated"}),
        Counter("registered", _registered),
        Counter("registered_closed", lambda p: _registered(p, "closed")),
        Counter("closed", _closed),
        Counter("on_time", lambda p: _closed(p, "on_time")),
        Counter("reworked", lambda p: _closed(p, "reworked")),
        Counter("extended", lambda p: _closed(p, "extended")),
        Counter("rated", lambda p: _closed(p, "rated")),
        Counter("satisfied", lambda p: _closed(p, "satisfied")),
        Counter("dispatches", None),
        Counter("auto_dispatches", None),
        Counter("returns", None),
    )
}
NOW_COUNTERS = {"open": {"open": "on"}, "overdue": {"overdue": "on"}}


@dataclass(frozen=True)
class Indicator:
    key: str
    label: Promise
    count: str  # the counter shown, or the numerator of a rate
    of: str = ""  # the denominator of a rate
    now_only: bool = False  # a state now: no period to compare with
    better: int = 0  # 1: a rise is good news, -1: a fall is, 0: neither

    @property
    def is_rate(self) -> bool:
        return bool(self.of)


INDICATORS = (
    Indicator("received", _("Cases received"), "opened"),
    Indicator("registered", _("Cases registered"), "registered"),
    Indicator("closure_rate", _("Closure rate"), "registered_closed", "registered", better=1),
    Indicator("closed", _("Closed"), "closed"),
    Indicator("on_time_rate", _("On-time closure rate"), "on_time", "closed", better=1),
    Indicator("rework_rate", _("Rework rate"), "reworked", "closed", better=-1),
    Indicator("extension_rate", _("Extension rate"), "extended", "closed", better=-1),
    Indicator("return_rate", _("Return rate"), "returns", "dispatches", better=-1),
    Indicator(
        "auto_dispatch_rate",
        _("Automatic dispatch rate"),
        "auto_dispatches",
        "dispatches",
        better=1,
    ),
    Indicator("escalation_rate", _("Escalation rate"), "escalated", "opened", better=-1),
    Indicator("satisfaction_rate", _("Satisfaction rate"), "satisfied", "rated", better=1),
    Indicator("open_now", _("Open now"), "open", now_only=True),
    Indicator("overdue_now", _("Overdue now"), "overdue", now_only=True),
)


def _in(period: Period, field: str = "created_at") -> Q:
    return Q(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})


def _closed_in(period: Period) -> Q:
    return Q(status__in=sorted(Incident.CLOSED_STATUSES)) & _in(period, "closed_at")


def _has(*actions: str) -> Q:
    return Q(Exists(IncidentEvent.objects.filter(incident=OuterRef("pk"), action__in=actions)))


def _unit_field(region: Region) -> str:
    """The case's column that names its row: its town in a county, the town's county in
    a prefecture city."""
    return "town_id" if region.level == Region.Level.COUNTY else "town__parent_id"


def cockpit_cases(user: Actor, region: Region) -> QuerySet[Incident]:
    return incidents_visible_to(user).filter(grid__village__path__startswith=region.path)


def _case_cells(
    cases: QuerySet, unit: str, periods: dict[str, Period], now: datetime.datetime
) -> list[Row]:
    counts: dict[str, Any] = {}
    for tag, period in periods.items():
        opened, closed = _in(period), _closed_in(period)
        counts |= {
            f"opened_{tag}": Count("pk", filter=opened),
            f"escalated_{tag}": Count("pk", filter=opened & Q(escalation_count__gt=0)),
            f"closed_{tag}": Count("pk", filter=closed),
            f"on_time_{tag}": Count("pk", filter=closed & ~_has(*BREACHES)),
            f"reworked_{tag}": Count("pk", filter=closed & _has(Action.REWORK)),
            f"extended_{tag}": Count("pk", filter=closed & _has(Action.EXTEND_APPROVE)),
            f"rated_{tag}": Count("pk", filter=closed & ~Q(satisfaction="")),
            f"satisfied_{tag}": Count("pk", filter=closed & Q(satisfaction__in=SATISFIED)),
        }
    backlog = Q(status__in=Incident.OPEN_STATUSES)
    counts |= {
        "open": Count("pk", filter=backlog),
        "overdue": Count("pk", filter=backlog & Q(deadline__lt=now)),
    }
    wanted = backlog
    for period in periods.values():
        wanted |= _in(period) | _closed_in(period)
    return list(
        cases.filter(wanted)
        .values(
            k_unit=F(unit),
            k_group=F("category__group_id"),
            k_department=F("assignee_department_id"),
            k_source=F("source"),
        )
        .annotate(**counts)
        .order_by()
    )


def facts_cover(first: datetime.date) -> bool:
    """Whether the facts (incidents.models.facts) cover every day from ``first`` on."""
    covers_from = CaseFactsWatermark.objects.values_list("covers_from", flat=True).first()
    return covers_from is not None and covers_from <= first


SETS = ("unit", "source", "group", "department")


def _fact_sums(region: Region, periods: dict[str, Period]) -> dict[Hashable, dict]:
    """The counts of _case_cells and _event_cells, summed from the facts: the region's
    day facts of the two periods' days, and its backlog facts (open and overdue at the
    last refresh). Two queries, a row per unit and source, category group or department
    (the facts' dimensions, incidents.models.facts)."""
    select: list[str] = []
    params: list[Any] = []
    for tag, period in periods.items():
        for name in FACT_COUNTS:
            select.append(
                f"COALESCE(SUM(f.{name}) FILTER (WHERE f.day >= %s AND f.day < %s), 0) "
                f"AS {name}_{tag}"
            )
            params += [period.start, period.end]
    days = " OR ".join(["(f.day >= %s AND f.day < %s)"] * len(periods))
    day_params = [value for period in periods.values() for value in (period.start, period.end)]
    sums: dict[Hashable, dict] = {name: {} for name in (*SETS, "total")}
    _add_dimensions(sums, region, CaseFact, select, params, f"({days}) AND ", day_params)
    backlog = ["SUM(f.open) AS open", "SUM(f.overdue) AS overdue"]
    # A backlog row of cases on hold only (no open case) is no unit of the cockpit.
    _add_dimensions(sums, region, BacklogFact, backlog, [], "f.open > 0 AND ", [])
    return sums


def _add_dimensions(
    sums: dict[Hashable, dict],
    region: Region,
    model: type[CaseFact] | type[BacklogFact],
    select: list[str],
    params: list[Any],
    condition: str,
    condition_params: list[Any],
) -> None:
    """Add to ``sums`` the region's rows of a facts table: a source row counts for its
    unit, its source and the total; a category row for its group; a department row for
    its department."""
    unit = "t.id" if region.level == Region.Level.COUNTY else "t.parent_id"
    statement = (
        f"SELECT f.kind, {unit}, f.source, c.group_id, f.department_id, {', '.join(select)} "  # noqa: S608
        f"FROM {model._meta.db_table} f JOIN {Region._meta.db_table} t ON t.id = f.town_id "
        f"LEFT JOIN {Category._meta.db_table} c ON c.id = f.category_id "
        f"WHERE {condition}f.kind IN ('source', 'category', 'department') "
        "AND f.town_id = ANY(ARRAY("
        f"SELECT id FROM {Region._meta.db_table} WHERE left(path, length(%s)) = %s)) "
        "GROUP BY 1, 2, 3, 4, 5"
    )
    names = [expression.rsplit(" AS ", 1)[1] for expression in select]

    def add(name: str, key: Hashable, counts: dict) -> None:
        total = sums[name].setdefault(key, {})
        for counter, value in counts.items():
            total[counter] = total.get(counter, 0) + value

    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(statement, [*params, *condition_params, region.path, region.path])
        for kind, unit_id, source, group, department, *numbers in cursor.fetchall():
            counts = dict(zip(names, numbers, strict=True))
            if kind == CaseFact.Kind.SOURCE:
                add("unit", unit_id, counts)
                add("source", source, counts)
                add("total", None, counts)
            elif kind == CaseFact.Kind.CATEGORY:
                add("group", group, counts)
            elif kind == CaseFact.Kind.DEPARTMENT:
                add("department", department, counts)


def _event_cells(cases: QuerySet, unit: str, periods: dict[str, Period]) -> list[Row]:
    counts: dict[str, Any] = {}
    accepted = Q(action=Action.ACCEPT)
    closed_now = Q(incident__status__in=sorted(Incident.CLOSED_STATUSES))
    for tag, period in periods.items():
        within = _in(period)
        counts |= {
            f"dispatches_{tag}": Count("pk", filter=within & Q(action__in=DISPATCHES)),
            f"auto_dispatches_{tag}": Count("pk", filter=within & Q(action=Action.AUTO_DISPATCH)),
            f"returns_{tag}": Count("pk", filter=within & Q(action=Action.RETURN)),
            f"registered_{tag}": Count("incident", filter=within & accepted, distinct=True),
            f"registered_closed_{tag}": Count(
                "incident", filter=within & accepted & closed_now, distinct=True
            ),
        }
    first = min(period.start_at for period in periods.values())
    last = max(period.end_at for period in periods.values())
    return list(
        IncidentEvent.objects.filter(
            incident__in=cases.values("pk"),
            created_at__gte=first,
            created_at__lt=last,
            action__in=(*DISPATCHES, Action.RETURN, Action.ACCEPT),
        )
        .values(
            k_unit=F(f"incident__{unit}"),
            k_group=F("incident__category__group_id"),
            k_department=F("incident__assignee_department_id"),
            k_source=F("incident__source"),
        )
        .annotate(**counts)
        .order_by()
    )


ALIASES = ("k_unit", "k_source", "k_group", "k_department")


def _cells(case_rows: Iterable[Row], event_rows: Iterable[Row]) -> list[dict]:
    """Case and event counts merged per (unit, source, group, department)."""
    cells: dict[tuple, dict] = {}
    for row in (*case_rows, *event_rows):
        key = tuple(row[alias] for alias in ALIASES)
        cell = cells.setdefault(key, dict(zip(KEYS, key, strict=True)))
        for name, value in row.items():
            if name not in ALIASES:
                cell[name] = cell.get(name, 0) + value
    return list(cells.values())


def _sum(cells: Iterable[dict], key: Callable[[dict], Hashable]) -> dict:
    totals: dict = {}
    for cell in cells:
        total = totals.setdefault(key(cell), {})
        for name, value in cell.items():
            if name not in KEYS:
                total[name] = total.get(name, 0) + value
    return totals


@functools.lru_cache(maxsize=4096)
def _encoded(items: tuple[tuple[str, str], ...]) -> str:
    return urlencode(items)


def _figure(value: int, params: dict[str, str] | None, base: dict[str, str], queue: str) -> dict:
    """The count and its link; the filters' parts are encoded once (a page has thousands
    of links, and the same drill-down recurs in every row)."""
    if params is None:
        return {"value": value, "url": ""}
    base_items, params_items = tuple(base.items()), tuple(params.items())
    if set(base) & set(params):
        return {"value": value, "url": f"{queue}?{urlencode({**base, **params})}"}
    return {"value": value, "url": f"{queue}?{_encoded(base_items)}&{_encoded(params_items)}"}


def _row(
    name: str,
    totals: dict,
    base: dict[str, str],
    periods: dict[str, Period],
    queue: str,
) -> dict:
    """One row of a table: per indicator, the figure now, before, and the change."""

    def count(key: str, tag: str) -> dict:
        if key in NOW_COUNTERS:
            return _figure(totals.get(key, 0), NOW_COUNTERS[key], base, queue)
        counter = COUNTERS[key]
        params = counter.drill(periods[tag]) if counter.drill else None
        return _figure(totals.get(f"{key}_{tag}", 0), params, base, queue)

    cells = []
    for indicator in INDICATORS:
        figures: dict[str, dict | None] = {}
        for tag in PERIODS:
            if indicator.now_only and tag != "now":
                figures[tag] = None
                continue
            part = count(indicator.count, tag)
            if indicator.is_rate:
                whole = count(indicator.of, tag)
                figures[tag] = {
                    "rate": rate(part["value"], whole["value"]),
                    "part": part,
                    "whole": whole,
                }
            else:
                figures[tag] = part
        change = _change(indicator, figures)
        trend = (
            ""
            if not change or not indicator.better
            else ("good" if (change > 0) == (indicator.better > 0) else "bad")
        )
        cells.append({"indicator": indicator, **figures, "change": change, "trend": trend})
    return {"name": name, "cells": cells}


def _change(indicator: Indicator, figures: dict) -> float | int | None:
    """The change from before to now: a difference of counts, or of rates (in points of
    percentage, as a share: 0.05 is five points)."""
    now, before = figures["now"], figures["before"]
    if now is None or before is None:
        return None
    if indicator.is_rate:
        if now["rate"] is None or before["rate"] is None:
            return None
        return now["rate"] - before["rate"]
    return now["value"] - before["value"]


def cockpit_figures(
    user: Actor,
    region: Region,
    current: Period,
    previous: Period,
    *,
    queue_url: str,
    now: datetime.datetime,
    use_facts: bool = True,
) -> dict:
    """Every table of the cockpit. Six queries, whatever the number of units or cases.

    The counts come from the facts when they cover both periods (they lag the cases by
    at most the refresh's interval: open and overdue are as at the last refresh), else
    from the cases and events, as they do with ``use_facts=False``.
    """
    periods = {"now": current, "before": previous}
    unit = _unit_field(region)
    cases = cockpit_cases(user, region)
    if use_facts and facts_cover(previous.start):
        sums = _fact_sums(region, periods)
    else:
        cells = _cells(_case_cells(cases, unit, periods, now), _event_cells(cases, unit, periods))
        sums = {name: _sum(cells, operator.itemgetter(name)) for name in SETS}
        sums["total"] = _sum(cells, lambda _cell: None)
    sums["department"].pop(None, None)
    units = list(Region.objects.filter(parent=region).order_by("code").values("pk", "name"))
    groups = list(CategoryGroup.objects.order_by("order", "name").values("pk", "name"))
    # A county's towns each have their own 综合行政执法队: a department is named with its town.
    departments = {
        pk: f"{name} · {region_name}"
        for pk, name, region_name in Department.objects.filter(
            pk__in=list(sums["department"]) or [0]
        )
        .order_by("region__path", "name")
        .values_list("pk", "name", "region__name")
    }
    whole = {"region": str(region.pk)}

    def table(rows: Iterable[tuple[str, dict, dict[str, str]]]) -> list[dict]:
        return [_row(name, totals, base, periods, queue_url) for name, totals, base in rows]

    by_unit, by_source, by_group, by_department = (sums[name] for name in SETS)
    total = sums["total"].get(None, {})
    return {
        "region": region,
        "current": current,
        "previous": previous,
        "indicators": INDICATORS,
        "total": _row(str(region.name), total, whole, periods, queue_url),
        "units": table(
            (row["name"], by_unit.get(row["pk"], {}), {"region": str(row["pk"])}) for row in units
        ),
        "sources": table(
            (str(label), by_source.get(value, {}), {**whole, "source": value})
            for value, label in Incident.Source.choices
        ),
        "groups": table(
            (row["name"], by_group.get(row["pk"], {}), {**whole, "category_group": str(row["pk"])})
            for row in groups
            if row["pk"] in by_group
        ),
        "departments": table(
            (name, by_department[pk], {**whole, "assigned_department": str(pk)})
            for pk, name in departments.items()
        ),
    }


def heat_map(user: Actor, region: Region, cases: QuerySet, period: Period) -> dict:
    """The region's active grids as GeoJSON polygons, each with the number of cases
    reported in the period (the cases the user sees); one query."""
    counted = (
        cases.filter(
            grid=OuterRef("pk"),
            created_at__gte=period.start_at,
            created_at__lt=period.end_at,
        )
        .order_by()
        .values("grid")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        grids_visible_to(user)
        .filter(Q(village__path__startswith=region.path), is_active=True)
        .annotate(
            cases=Coalesce(Subquery(counted), Value(0), output_field=IntegerField()),
            geometry=AsGeoJSON("boundary", precision=GEOJSON_PRECISION),
        )
        .values("pk", "code", "name", "village__name", "cases", "geometry")
        .order_by("code")
    )
    features = [
        {
            "type": "Feature",
            "id": row["pk"],
            "geometry": json.loads(row["geometry"]),
            "properties": {
                "code": row["code"],
                "name": row["name"],
                "village": row["village__name"],
                "cases": row["cases"],
            },
        }
        for row in rows
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "max": max((f["properties"]["cases"] for f in features), default=0),
        "total": sum(f["properties"]["cases"] for f in features),
    }

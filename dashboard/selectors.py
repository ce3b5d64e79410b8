"""The officials' dashboard: every figure of the page, scoped to what the user may see.

Definitions (``period`` is local dates [start, end), Asia/Shanghai; see dashboard.forms):

- opened: cases whose ``created_at`` falls in the period.
- closed: cases with status closed or evaluated whose ``closed_at`` falls in the period.
- on-time closure rate: of the cases closed in the period, the share that never breached a
  deadline, i.e. that have no ``auto_escalate`` and no ``stall`` event. A case that an
  official escalated by hand, without a breach, still counts as on time.
- average handling time: mean of ``closed_at - created_at`` over the cases closed in the period.
- escalation rate: of the cases opened in the period, the share escalated at least once
  (``escalation_count > 0``: by hand or by the overdue sweep).
- rework rate: of the cases handled to the end in the period (= closed in the period), the
  share that was sent back for rework at least once (a ``rework`` event).
- satisfaction: the ratings of the cases closed in the period that the reporter has rated;
  the satisfied share counts "satisfied" and "basically satisfied".
- survey satisfaction (beside it): the newest survey of the jurisdiction with a satisfaction
  question, its share of answers 4 or 5 (surveys.selectors.dashboard_survey_satisfaction).
- open now / overdue now: open cases today, and those of them past their deadline
  (cases overdue at the top of the ladder included: they are the most overdue of all).
- trend: per local day, the cases opened and the cases closed.
- breakdowns (category, village, grid, assigned department): opened and closed in the
  period, closed on time, and overdue now; grids are the 20 with most cases opened.
- indicators of case handling (received, registered, closure, extension, return and
  automatic dispatch rates, reasons, returns per unit): dashboard.kpis; rankings of
  villages, grids and departments: ``unit_rankings`` (a minimum sample of closed cases).
- member workload: members with an open assignment to a grid the user sees: open cases
  assigned to them, patrols started in the period and their hours, and the patrol
  authenticity flags stored by members.services.authenticity: of the period's judged
  patrols, how many carry a flag. A member is ranked only with ``MEMBER_MIN_PATROLS``
  judged patrols, and flagged when ``MEMBER_FLAGGED_SHARE`` of them carry a flag.

Each function issues a fixed number of queries, whatever the number of cases; the page's
total is asserted by tests/dashboard/test_dashboard_view.py and measured by
bench/dashboard.py.
"""

import datetime
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from core.figures import Row, rate
from core.roles import GRID_ROLES, MANAGER_ROLES, user_roles
from dashboard.cockpit import facts_cover
from dashboard.kpis import dashboard_kpis
from dashboard.periods import Period
from dashboard.satisfaction import SATISFIED
from grids.jurisdiction import ScopeKind, jurisdiction_of, scope_of
from grids.models import Grid, Region
from grids.permissions import assigned_grids, grids_visible_to
from grids.selectors import grid_geojson_for_user
from incidents.models import (
    BacklogFact,
    CallBack,
    CaseFact,
    Category,
    Department,
    Incident,
    IncidentEvent,
    Supervision,
)
from incidents.permissions import (
    assisted_incident_ids,
    incidents_visible_to,
    shared_incident_ids,
)
from incidents.selectors import QUEUE_ORDERINGS
from members.actors import Actor
from members.authenticity import member_verdict
from members.models import GridAssignment, GridMember, PatrolFlag, User
from members.permissions import patrol_logs_visible_to
from members.selectors import visit_coverage_by_grid
from surveys.selectors import dashboard_survey_satisfaction

BREACH_ACTIONS = (IncidentEvent.Action.AUTO_ESCALATE, IncidentEvent.Action.STALL)
# The last finding is shown beside the flags; it no longer flags a member by itself.
QUIET_DAYS = 28
TOP_GRIDS = 20
OVERDUE_LIST_SIZE = 20


def _opened(period: Period) -> Q:
    return Q(created_at__gte=period.start_at, created_at__lt=period.end_at)


def _closed(period: Period) -> Q:
    return Q(
        status__in=sorted(Incident.CLOSED_STATUSES),
        closed_at__gte=period.start_at,
        closed_at__lt=period.end_at,
    )


def _open_overdue(now: datetime.datetime) -> Q:
    return Q(status__in=Incident.OPEN_STATUSES, deadline__lt=now)


def _has_event(*actions: str) -> Exists:
    return Exists(IncidentEvent.objects.filter(incident=OuterRef("pk"), action__in=actions))


def dashboard_figures(
    user: Actor,
    period: Period,
    *,
    now: datetime.datetime | None = None,
    use_facts: bool = True,
) -> dict:
    """All figures of the dashboard page except the map (see ``dashboard_map``).

    The period's counts come from the day facts (incidents.models.facts) when they cover
    the period and the user sees exactly the cases of whole towns (``_facts_scope``): one
    query over the facts; else, and with ``use_facts=False``, from the cases (opened by
    status and day; the cells by category, grid and department; closed by day). The
    figures of now (open, overdue, traffic lights, supervision, on hold) then come from
    the backlog facts, as at their last refresh (a minute ago at most; ``now`` is then
    the refresh's moment for them), in one more query.
    """
    now = now or timezone.now()
    cases = incidents_visible_to(user)
    scope = _facts_scope(user, period) if use_facts else None
    if scope is not None:
        counts = _counts_from_facts(scope, period)
        # The same cases as incidents_visible_to's, without its other grants (there are
        # none outside the path): the lists below read them with a simpler plan.
        cases = Incident.objects.filter(grid__village__path__startswith=scope)
    else:
        counts = _counts_from_cases(cases, period, now)
    dims = counts["dims"]
    names = _names(dims)
    # A fact may still name a category, grid or department deleted since its day (their
    # keys have no constraint): it is left out until the nightly rebuild drops it.
    for name, known in (("category", "categories"), ("grid", "grids")):
        dims[name] = {key: sums for key, sums in dims[name].items() if key in names[known]}
    dims["department"] = {
        key: sums
        for key, sums in dims["department"].items()
        if key is None or key in names["departments"]
    }
    total = dims["total"].get(None, dict.fromkeys(SUMMED, 0))
    by_village = _by_village(dims["grid"], names)
    grid_rows = _grid_rows(dims["grid"], names)
    by_department = _by_department(dims["department"], names)
    return {
        "period": period,
        "now": now,
        "headline": _headline(counts["by_status"], counts["escalated"], counts["handling"], total),
        "trend": _trend(period, counts["opened_per_day"], counts["closed_per_day"]),
        "by_category": _by_category(dims["category"], names),
        "by_village": by_village,
        "by_grid": _top_grids(grid_rows),
        "by_department": by_department,
        "overdue": overdue_cases(cases, now),
        "workload": member_workload(user, cases, period, now),
        # As of the period's last day, or today while the period runs.
        "visit_coverage": visit_coverage_by_grid(
            grids_visible_to(user), min(period.last_day, timezone.localdate(now))
        ),
        "survey_satisfaction": dashboard_survey_satisfaction(user),
        "callbacks": callback_figures(cases, period),
        "kpis": dashboard_kpis(cases, period, totals=total, steps=counts["steps"]),
        "rankings": unit_rankings(villages=by_village, grids=grid_rows, departments=by_department),
    }


def callback_figures(cases: QuerySet, period: Period) -> dict:
    """回访率: of the call-backs that dissatisfied ratings opened in the period, the share
    recorded as done, and of those the ones done by their deadline. One query."""
    figures = CallBack.objects.filter(
        incident__in=cases.values("pk"),
        created_at__gte=period.start_at,
        created_at__lt=period.end_at,
    ).aggregate(
        opened=Count("pk"),
        done=Count("pk", filter=Q(closed_at__isnull=False)),
        on_time=Count("pk", filter=Q(closed_at__lte=F("due_at"))),
    )
    return {**figures, "rate": rate(figures["done"], figures["opened"])}


def _opened_by_status_and_day(cases: QuerySet, period: Period) -> list[dict]:
    return list(
        cases.filter(_opened(period))
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("status", "day")
        .annotate(count=Count("pk"), escalated=Count("pk", filter=Q(escalation_count__gt=0)))
        .order_by()
    )


FACT_KEYS = ("category_id", "grid_id", "assignee_department_id")
RATED = tuple(f"rated_{value}" for value in Incident.Satisfaction.values)
PERIOD_SUMMED = ("opened", "closed", "on_time", "reworked", *RATED, "extended")
NOW_SUMMED = (
    "open",
    "green",
    "yellow",
    "overdue",
    "stalled",
    "supervised",
    "supervision_overdue",
    "suspended",
)
SUMMED = (*PERIOD_SUMMED, *NOW_SUMMED)
DIMENSIONS = ("category", "grid", "department")
BACKLOG = Q(status__in=Incident.OPEN_STATUSES)
SUSPENDED = Q(status=Incident.Status.SUSPENDED)


def _now_counts(now: datetime.datetime) -> dict[str, Count]:
    """The counts of the open cases now (and of those on hold): always from the cases."""
    backlog = BACKLOG
    return {
        "open": Count("pk", filter=backlog),
        # The traffic lights of the open cases (Incident.light_at), red being overdue.
        "green": Count(
            "pk",
            filter=backlog
            & Q(deadline__gte=now)
            & (Q(yellow_at__isnull=True) | Q(yellow_at__gt=now)),
        ),
        "yellow": Count("pk", filter=backlog & Q(deadline__gte=now, yellow_at__lte=now)),
        "overdue": Count("pk", filter=backlog & Q(deadline__lt=now)),
        "stalled": Count("pk", filter=backlog & Q(is_stalled_at_top=True)),
        "supervised": Count("pk", filter=backlog & Q(is_supervised=True)),
        "supervision_overdue": Count(
            "pk",
            filter=backlog
            & Q(
                Exists(
                    Supervision.objects.filter(
                        incident=OuterRef("pk"), ended_at__isnull=True, deadline__lt=now
                    )
                )
            ),
        ),
        # For the handling indicators (dashboard.kpis): the cases on hold now.
        "suspended": Count("pk", filter=SUSPENDED),
    }


def _cells(cases: QuerySet, period: Period, now: datetime.datetime) -> list[dict]:
    """One GROUP BY over every case that counts for any figure, by category, grid and
    department: the finest grain that all breakdowns and the headline are sums of."""
    opened, closed = _opened(period), _closed(period)
    return list(
        cases.filter(opened | closed | BACKLOG | SUSPENDED)
        .values(*FACT_KEYS)
        .annotate(
            opened=Count("pk", filter=opened),
            closed=Count("pk", filter=closed),
            on_time=Count("pk", filter=closed & ~Q(_has_event(*BREACH_ACTIONS))),
            reworked=Count("pk", filter=closed & Q(_has_event(IncidentEvent.Action.REWORK))),
            handling=Sum(
                ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField()),
                filter=closed,
            ),
            **{
                f"rated_{value}": Count("pk", filter=closed & Q(satisfaction=value))
                for value in Incident.Satisfaction.values
            },
            # For the handling indicators (dashboard.kpis): extensions among the closed.
            extended=Count(
                "pk", filter=closed & Q(_has_event(IncidentEvent.Action.EXTEND_APPROVE))
            ),
            **_now_counts(now),
        )
        .order_by()
    )


BACKLOG_SUMS = f"""
SELECT f.kind, f.category_id, f.department_id, f.grid_id,
       {", ".join(f"SUM(f.{name})" for name in NOW_SUMMED)}
FROM {BacklogFact._meta.db_table} f
WHERE f.kind IN (%(source)s, %(category)s, %(department)s, %(grid)s)
  AND f.town_id = ANY(ARRAY(SELECT id FROM {Region._meta.db_table}
                            WHERE left(path, length(%(path)s)) = %(path)s))
GROUP BY 1, 2, 3, 4
"""  # noqa: S608 (table names and the code's own column names; values are parameters)


def _backlog_from_facts(path: str) -> list[tuple]:
    """The backlog facts of the towns under ``path``: per kind and key, NOW_SUMMED."""
    Kind = CaseFact.Kind
    with connections[router.db_for_read(BacklogFact)].cursor() as cursor:
        cursor.execute(
            BACKLOG_SUMS,
            {
                "source": Kind.SOURCE,
                "category": Kind.CATEGORY,
                "department": Kind.DEPARTMENT,
                "grid": Kind.GRID,
                "path": path,
            },
        )
        return cursor.fetchall()


def _counts_from_cases(cases: QuerySet, period: Period, now: datetime.datetime) -> dict:
    """Every count of the page but those of the lists, from the cases: three queries (the
    handling indicators' event counts are then dashboard.kpis's own query)."""
    opened_rows = _opened_by_status_and_day(cases, period)
    cells = _cells(cases, period, now)
    closed_per_day = _closed_per_day(cases, period)
    by_status: dict[str, int] = {}
    opened_per_day: dict[datetime.date, int] = {}
    for row in opened_rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["count"]
        opened_per_day[row["day"]] = opened_per_day.get(row["day"], 0) + row["count"]
    handled = [row["handling"] for row in cells if row["handling"] is not None]
    return {
        "dims": {
            "category": _sum(cells, lambda row: row["category_id"]),
            "grid": _sum(cells, lambda row: row["grid_id"]),
            "department": _sum(cells, lambda row: row["assignee_department_id"]),
            "total": _sum(cells, lambda row: None),
        },
        "by_status": by_status,
        "escalated": sum(row["escalated"] for row in opened_rows),
        "handling": sum(handled, datetime.timedelta()),
        "opened_per_day": opened_per_day,
        "closed_per_day": closed_per_day,
        "steps": None,
    }


def _facts_scope(user: Actor, period: Period) -> str | None:
    """The path of the regions whose towns' facts hold exactly the cases ``user`` sees
    (incidents_visible_to), when the facts cover ``period``; else None (count the cases).

    That is a manager of a town or a region above it (or a platform administrator: every
    town) who sees no case outside it: none reported, shared, assisted or in an assigned
    grid elsewhere. Two queries at most (the watermark, and whether such a case exists).
    """
    scope = scope_of(user)
    if scope.kind is ScopeKind.ALL:
        path = ""
    elif scope.kind is not ScopeKind.SUBTREE or not isinstance(user, User):
        return None
    else:
        roles = user_roles(user)
        jurisdiction = jurisdiction_of(user) if roles & MANAGER_ROLES else None
        if jurisdiction is None or jurisdiction.level > Region.Level.TOWN:
            return None
        path = jurisdiction.path
    if not facts_cover(period.start):
        return None
    if path and isinstance(user, User) and _sees_cases_elsewhere(user, path):
        return None
    return path


def _sees_cases_elsewhere(user: User, path: str) -> bool:
    """Whether ``user`` sees a case outside the regions under ``path`` by one of
    incidents_visible_to's other grants (reported, shared, assisted, an assigned grid).
    One query: an EXISTS per grant, each an index probe (OR-ed in one WHERE, they would
    scan every case)."""
    grants = [Q(reporter=user), *_alternatives(shared_incident_ids(user))]
    grants += _alternatives(assisted_incident_ids(user))
    if user_roles(user) & GRID_ROLES:
        grants.append(Q(grid__in=assigned_grids(user)))
    parts = [
        Incident.objects.filter(grant)
        .exclude(grid__village__path__startswith=path)
        .values("pk")[:1]
        .query.sql_with_params()
        for grant in grants
    ]
    with connections[router.db_for_read(Incident)].cursor() as cursor:
        cursor.execute(
            "SELECT " + " OR ".join(f"EXISTS ({sql})" for sql, _params in parts),
            [param for _sql, params in parts for param in params],
        )
        return bool(cursor.fetchone()[0])


def _alternatives(condition: Q) -> list[Q]:
    """The parts of an OR of conditions (the condition itself when it is not one)."""
    if condition.connector != Q.OR or condition.negated:
        return [condition]
    return [child if isinstance(child, Q) else Q(child) for child in condition.children]


# The day facts of the towns under a path, summed per dimension over a period; a source
# row is summed per day (the trend), the others over the whole period.
FACT_COLUMNS = (
    "opened",
    "escalated",
    "closed",
    "on_time",
    "reworked",
    "extended",
    *RATED,
    "handling",
    "dispatches",
    "auto_dispatches",
    "returns",
    "auto_returns",
    "registered",
    "registered_closed",
)
FACTS_SUMS = f"""
SELECT f.kind, CASE WHEN f.kind = %(source)s THEN f.day END, f.category_id, f.department_id,
       f.grid_id, f.status, {", ".join(f"SUM(f.{name})" for name in FACT_COLUMNS)}
FROM {CaseFact._meta.db_table} f
WHERE f.day >= %(start)s AND f.day < %(end)s
  AND f.town_id = ANY(ARRAY(SELECT id FROM {Region._meta.db_table}
                            WHERE left(path, length(%(path)s)) = %(path)s))
GROUP BY 1, 2, 3, 4, 5, 6
"""  # noqa: S608 (table names and the code's own column names; values are parameters)


def _counts_from_facts(path: str, period: Period) -> dict:
    """The counts of ``_counts_from_cases`` from the facts of the towns under ``path``:
    the period's from the day facts, those of now from the backlog facts. Two queries."""
    with connections[router.db_for_read(CaseFact)].cursor() as cursor:
        cursor.execute(
            FACTS_SUMS,
            {
                "source": CaseFact.Kind.SOURCE,
                "start": period.start,
                "end": period.end,
                "path": path,
            },
        )
        rows = cursor.fetchall()
    Kind = CaseFact.Kind
    dims: dict[str, dict] = {name: {} for name in (*DIMENSIONS, "total")}
    by_status: dict[str, int] = {}
    opened_per_day: dict[datetime.date, int] = {}
    closed_per_day: dict[datetime.date, int] = {}
    steps = dict.fromkeys(
        ("dispatches", "auto_dispatches", "returns", "registered", "registered_closed"), 0
    )
    steps["auto_returned"] = 0
    escalated, handling = 0, 0
    dimension = {Kind.CATEGORY: "category", Kind.DEPARTMENT: "department", Kind.GRID: "grid"}
    for kind, day, category, department, grid, status, *numbers in rows:
        counts = dict(zip(FACT_COLUMNS, numbers, strict=True))
        if kind == Kind.STATUS:
            if counts["opened"]:
                by_status[status] = by_status.get(status, 0) + counts["opened"]
            continue
        if kind == Kind.SOURCE:
            if counts["opened"]:
                opened_per_day[day] = counts["opened"]
            if counts["closed"]:
                closed_per_day[day] = counts["closed"]
            escalated += counts["escalated"]
            handling += counts["handling"]
            for step in steps:
                steps[step] += counts["auto_returns" if step == "auto_returned" else step]
            _add(dims["total"], None, counts)
        elif counts["opened"] or counts["closed"]:
            # A unit counts when a case of it was received or closed in the period (or is
            # open now, below); a row of events only does not make it a unit of the page.
            key = {"category": category, "department": department, "grid": grid}
            _add(dims[dimension[kind]], key[dimension[kind]], counts)
    for kind, category, department, grid, *numbers in _backlog_from_facts(path):
        counts = dict(zip(NOW_SUMMED, numbers, strict=True))
        if kind == Kind.SOURCE:
            _add(dims["total"], None, counts)
        else:
            key = {"category": category, "department": department, "grid": grid}
            _add(dims[dimension[kind]], key[dimension[kind]], counts)
    return {
        "dims": dims,
        "by_status": by_status,
        "escalated": escalated,
        "handling": datetime.timedelta(microseconds=int(handling)),
        "opened_per_day": opened_per_day,
        "closed_per_day": closed_per_day,
        "steps": steps,
    }


def _add(totals: dict, key: Hashable, counts: dict) -> None:
    """Add ``counts``' SUMMED fields (zero when absent) to ``totals[key]``."""
    total = totals.setdefault(key, dict.fromkeys(SUMMED, 0))
    for field in SUMMED:
        total[field] += counts.get(field, 0)


def _closed_per_day(cases: QuerySet, period: Period) -> dict[datetime.date, int]:
    return dict(
        cases.filter(_closed(period))
        .annotate(day=TruncDate("closed_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("day", "count")
    )


def _names(dims: dict) -> dict:
    """Names of the categories, grids and departments that occur: one query each."""
    categories = {
        row["pk"]: row
        for row in Category.objects.values("pk", "name", "order", "group__name", "group__order")
    }
    grids = {
        row["pk"]: row
        for row in Grid.objects.filter(pk__in=set(dims["grid"])).values(
            "pk", "code", "name", "village__code", "village__name"
        )
    }
    departments = dict(
        Department.objects.filter(pk__in=set(dims["department"]) - {None}).values_list(
            "pk", "name"
        )
    )
    return {"categories": categories, "grids": grids, "departments": departments}


def _sum(rows: Iterable[Row], key: Callable[[Row], Hashable]) -> dict:
    """Sum the rows' SUMMED fields by ``key(row)``."""
    totals: dict = {}
    for row in rows:
        group = key(row)
        total = totals.get(group)
        if total is None:
            totals[group] = {field: row[field] for field in SUMMED}
        else:
            for field in SUMMED:
                total[field] += row[field]
    return totals


def _headline(
    by_status: dict[str, int], escalated: int, handling: datetime.timedelta, total: dict
) -> dict:
    """``by_status``: the cases opened in the period by their status now; ``handling``: the
    sum of the handling times of the cases closed in it; ``total``: the sums (SUMMED)."""
    opened = sum(by_status.values())
    ratings = [
        {"value": value, "label": label, "count": total[f"rated_{value}"]}
        for value, label in Incident.Satisfaction.choices
    ]
    rated = sum(rating["count"] for rating in ratings)
    satisfied = sum(rating["count"] for rating in ratings if rating["value"] in SATISFIED)
    return {
        "opened": opened,
        "closed": total["closed"],
        "closed_on_time": total["on_time"],
        "on_time_rate": rate(total["on_time"], total["closed"]),
        "average_handling": handling / total["closed"] if total["closed"] else None,
        "escalated": escalated,
        "escalation_rate": rate(escalated, opened),
        "reworked": total["reworked"],
        "rework_rate": rate(total["reworked"], total["closed"]),
        "ratings": ratings,
        "rated": rated,
        "satisfied": satisfied,
        "satisfaction_rate": rate(satisfied, rated),
        "open_now": total["open"],
        "overdue_now": total["overdue"],
        "green_now": total["green"],
        "yellow_now": total["yellow"],
        "stalled_now": total["stalled"],
        "supervised_now": total["supervised"],
        "supervision_overdue_now": total["supervision_overdue"],
        "statuses": [
            {"value": value, "label": label, "count": by_status[value]}
            for value, label in Incident.Status.choices
            if value in by_status
        ],
    }


def _trend(
    period: Period,
    opened: dict[datetime.date, int],
    closed: dict[datetime.date, int],
) -> list[dict]:
    days = (period.start + datetime.timedelta(days=n) for n in range(period.days))
    return [
        {"day": day, "opened": opened.get(day, 0), "closed": closed.get(day, 0)} for day in days
    ]


def _rows(totals: dict, describe: Callable[[Any], dict]) -> list[dict]:
    """Breakdown rows: the sums, the on-time rate, and what ``describe(key)`` says of the key."""
    return [
        {
            **describe(key),
            "opened": total["opened"],
            "closed": total["closed"],
            "on_time": total["on_time"],
            "on_time_rate": rate(total["on_time"], total["closed"]),
            "overdue": total["overdue"],
        }
        for key, total in totals.items()
    ]


def _by_category(totals: dict, names: dict) -> list[dict]:
    categories = names["categories"]

    def describe(pk: int) -> dict:
        category = categories[pk]
        return {
            "name": category["name"],
            "group": category["group__name"],
            "sort": (category["group__order"], category["order"], category["name"]),
        }

    rows = _rows(totals, describe)
    return sorted(rows, key=lambda row: row["sort"])


def _by_village(grid_totals: dict, names: dict) -> list[dict]:
    grids = names["grids"]

    def describe(code: str) -> dict:
        return {"name": villages[code], "code": code}

    villages = {grid["village__code"]: grid["village__name"] for grid in grids.values()}
    by_village: dict = {}
    for pk, total in grid_totals.items():
        _add(by_village, grids[pk]["village__code"], total)
    rows = _rows(by_village, describe)
    return sorted(rows, key=lambda row: row["code"])


def _grid_rows(grid_totals: dict, names: dict) -> list[dict]:
    """Every grid with a case that counts, unsorted (the breakdown and the ranking)."""
    grids = names["grids"]

    def describe(pk: int) -> dict:
        grid = grids[pk]
        return {"name": grid["name"], "code": grid["code"], "village": grid["village__name"]}

    return _rows(grid_totals, describe)


def _top_grids(grid_rows: list[dict]) -> list[dict]:
    """The ``TOP_GRIDS`` grids with most cases opened in the period (then most overdue)."""
    rows = sorted(grid_rows, key=lambda row: (-row["opened"], -row["overdue"], row["code"]))
    return rows[:TOP_GRIDS]


def _by_department(department_totals: dict, names: dict) -> list[dict]:
    """Departments are judged like grids: the cases dispatched to them, on time or not."""
    departments = names["departments"]
    dispatched = {pk: total for pk, total in department_totals.items() if pk is not None}
    rows = _rows(dispatched, lambda pk: {"name": departments[pk]})
    return sorted(rows, key=lambda row: (-row["opened"], row["name"]))


def unit_rankings(*, villages: list[dict], grids: list[dict], departments: list[dict]) -> dict:
    """The breakdown rows of villages, grids (all of them) and departments by on-time
    closure rate, best first, listing only units with at least ``KPI_RANKING_MIN_CASES``
    cases closed in the period (the rate's sample, one at least: a unit without a closed
    case has no rate), so that one quick case does not top the table. No query."""
    minimum = max(settings.KPI_RANKING_MIN_CASES, 1)

    def ranked(rows: list[dict]) -> list[dict]:
        sample = [row for row in rows if row["closed"] >= minimum]
        return sorted(sample, key=lambda row: (-row["on_time_rate"], -row["closed"], row["name"]))

    return {
        "minimum": minimum,
        "villages": ranked(villages),
        "grids": ranked(grids),
        "departments": ranked(departments),
    }


def overdue_cases(cases: QuerySet, now: datetime.datetime) -> list[Incident]:
    """The ``OVERDUE_LIST_SIZE`` open cases longest past their deadline, supervised first
    (then the newest first among those due at the same moment, as in the queue)."""
    return list(
        cases.filter(_open_overdue(now))
        .select_related("category", "grid", "handling_region", "assignee_department")
        .only(
            "code",
            "title",
            "status",
            "level",
            "deadline",
            "is_supervised",
            "is_stalled_at_top",
            "escalation_count",
            "category__name",
            "grid__name",
            "handling_region__name",
            "assignee_department__name",
        )
        # The queue's "due" order, which its index of the open cases reads in order.
        .order_by(*QUEUE_ORDERINGS["due"].order_by())[:OVERDUE_LIST_SIZE]
    )


def member_workload(
    user: Actor, cases: QuerySet, period: Period, now: datetime.datetime
) -> list[dict]:
    """Three queries: the members with their open cases, their grids, their patrols."""
    visible_grids = grids_visible_to(user)
    open_assigned = (
        cases.filter(status__in=Incident.OPEN_STATUSES, assignee_user=OuterRef("user_id"))
        .order_by()
        .values("assignee_user")
        .annotate(count=Count("pk"))
        .values("count")
    )
    members = list(
        GridMember.objects.filter(
            pk__in=GridAssignment.objects.filter(
                grid__in=visible_grids, ends_on__isnull=True
            ).values("member")
        )
        .annotate(
            open_assigned=Coalesce(Subquery(open_assigned), Value(0), output_field=IntegerField())
        )
        .values(
            "pk",
            "user__username",
            "user__first_name",
            "user__last_name",
            "employment",
            "open_assigned",
        )
        .order_by("user__username")
    )
    grids_of: dict[int, list[str]] = {}
    for member_id, name in (
        GridAssignment.objects.filter(grid__in=visible_grids, ends_on__isnull=True)
        .order_by("grid__code")
        .values_list("member_id", "grid__name")
    ):
        grids_of.setdefault(member_id, []).append(name)
    quiet_since = now - datetime.timedelta(days=QUIET_DAYS)
    patrols = _patrol_figures(user, period, since=min(period.start_at, quiet_since))
    rows = []
    for member in members:
        figures = patrols.get(member["pk"], {})
        last_finding = figures.get("last_finding")
        hours = figures.get("walked")
        judged, flagged = figures.get("judged", 0), figures.get("flagged", 0)
        verdict = member_verdict(judged=judged, flagged=flagged)
        rows.append(
            {
                "id": member["pk"],
                "username": member["user__username"],
                "name": f"{member['user__last_name']}{member['user__first_name']}"
                or member["user__username"],
                "employment": member["employment"],
                "grids": grids_of.get(member["pk"], []),
                "open_assigned": member["open_assigned"],
                "patrols": figures.get("patrols", 0),
                "patrol_hours": hours.total_seconds() / 3600 if hours else 0.0,
                "judged": judged,
                "flagged": flagged,
                "flagged_share": flagged / judged if judged else None,
                "last_finding": last_finding,
                "quiet": last_finding is None or last_finding < quiet_since,
                "ranked": verdict != "too_few",
                "hollow": verdict == "flagged",
            }
        )
    # Flagged members first, most doubtful first; then the ranked; too few patrols last.
    rows.sort(
        key=lambda row: (
            not row["hollow"],
            not row["ranked"],
            -(row["flagged_share"] or 0),
            -row["open_assigned"],
            row["username"],
        )
    )
    return rows


def _patrol_figures(user: Actor, period: Period, *, since: datetime.datetime) -> dict[int, Row]:
    """Per member: patrols and hours in the period, those judged by the authenticity rules
    (members.authenticity) and those of them with a stored flag, and the last finding."""
    in_period = Q(started_at__gte=period.start_at, started_at__lt=period.end_at)
    ended = Q(ended_at__isnull=False)
    judged = in_period & Q(assessed_at__isnull=False)
    has_flag = Exists(PatrolFlag.objects.filter(patrol=OuterRef("pk")))
    rows = (
        patrol_logs_visible_to(user)
        .filter(started_at__gte=since)
        .values("member_id")
        .annotate(
            patrols=Count("pk", filter=in_period),
            walked=Sum(
                ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField()),
                filter=in_period & ended,
            ),
            judged=Count("pk", filter=judged),
            flagged=Count("pk", filter=judged & Q(has_flag)),
            last_finding=Max("started_at", filter=~Q(findings="")),
        )
        .order_by()
    )
    return {row["member_id"]: row for row in rows}


def dashboard_map(user: Actor) -> dict:
    """The map's grid boundaries: one query. Its cases are read by the box in view
    (dashboard.maps), points or clusters, never capped."""
    return {"grids": grid_geojson_for_user(user)}

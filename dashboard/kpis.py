"""The indicators towns publish, from the event log and the stored statuses, by SQL
aggregates (the formulas are documented in README.md, "Case handling indicators").

``period`` is local dates [start, end). Events count when their ``created_at`` falls in
the period; "closed in the period" is as in dashboard.selectors (status closed or
evaluated, ``closed_at`` in the period). Three queries, whatever the number of cases; the
case counts come from the dashboard's facts.
"""

from django.db.models import Count, Q, QuerySet

from core.figures import rate
from dashboard.periods import Period
from incidents.models import Incident, IncidentEvent, ReasonCode

Action = IncidentEvent.Action
DISPATCHES = (Action.DISPATCH, Action.AUTO_DISPATCH)
# The steps whose reasons the dashboard breaks down, and the reason kind of each.
REASONED_ACTIONS = {
    Action.REJECT: ReasonCode.Kind.REJECT,
    Action.REWORK: ReasonCode.Kind.REWORK,
    Action.RETURN: ReasonCode.Kind.RETURN,
    Action.EXTEND_REQUEST: ReasonCode.Kind.EXTENSION,
    Action.SUSPEND: ReasonCode.Kind.SUSPENSION,
    Action.REOPEN: ReasonCode.Kind.REOPEN,
}


def _in_period(period: Period, field: str = "created_at") -> Q:
    return Q(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})


def _events(cases: QuerySet, period: Period) -> QuerySet:
    return IncidentEvent.objects.filter(_in_period(period), incident__in=cases.values("pk"))


def dashboard_kpis(
    cases: QuerySet, period: Period, *, totals: dict, steps: dict | None = None
) -> dict:
    """受理/立案 counts, closure, extension, return and automatic dispatch rates, the
    breakdown of each reasoned step by reason, and returns per receiving unit.

    ``totals`` are the case counts that dashboard.selectors sums from its facts (one pass
    over the cases for every figure): ``opened`` (received in the period), ``closed``
    (closed in the period), ``extended`` (of those, with an approved extension) and
    ``suspended`` (on hold now). ``steps``: the event counts of ``_event_counts`` when
    the caller has them (from the facts, dashboard.selectors); else one query counts them.
    """
    if steps is None:
        steps = _event_counts(cases, period)
    return {
        "received": totals["opened"],
        "registered": steps["registered"],
        "registered_closed": steps["registered_closed"],
        "closure_rate": rate(steps["registered_closed"], steps["registered"]),
        "closed": totals["closed"],
        "extended": totals["extended"],
        "extension_rate": rate(totals["extended"], totals["closed"]),
        "suspended_now": totals["suspended"],
        "dispatches": steps["dispatches"],
        "auto_dispatches": steps["auto_dispatches"],
        "auto_dispatch_rate": rate(steps["auto_dispatches"], steps["dispatches"]),
        "returns": steps["returns"],
        "return_rate": rate(steps["returns"], steps["dispatches"]),
        "auto_returned": steps["auto_returned"],
        "reasons": reason_breakdown(cases, period),
        "returns_by_unit": returns_by_unit(cases, period),
    }


def _event_counts(cases: QuerySet, period: Period) -> dict:
    """One aggregate over the period's dispatches, returns and acceptances (立案: the cases
    accepted in the period, and how many of them are closed now)."""
    returned = Q(action=Action.RETURN)
    accepted = Q(action=Action.ACCEPT)
    return (
        _events(cases, period)
        .filter(action__in=(*DISPATCHES, Action.RETURN, Action.ACCEPT))
        .aggregate(
            dispatches=Count("pk", filter=Q(action__in=DISPATCHES)),
            auto_dispatches=Count("pk", filter=Q(action=Action.AUTO_DISPATCH)),
            returns=Count("pk", filter=returned),
            auto_returned=Count("pk", filter=returned & Q(dispatch_rule__isnull=False)),
            registered=Count("incident", filter=accepted, distinct=True),
            registered_closed=Count(
                "incident",
                filter=accepted & Q(incident__status__in=sorted(Incident.CLOSED_STATUSES)),
                distinct=True,
            ),
        )
    )


def reason_breakdown(cases: QuerySet, period: Period) -> list[dict]:
    """Per reasoned step, its events in the period by reason (most frequent first)."""
    rows = (
        _events(cases, period)
        .filter(action__in=REASONED_ACTIONS, reason__isnull=False)
        .values("action", "reason__code", "reason__name")
        .annotate(count=Count("pk"))
        .order_by()
    )
    labels = dict(Action.choices)
    steps: dict[str, dict] = {}
    for row in rows:
        step = steps.setdefault(
            row["action"],
            {"action": row["action"], "label": str(labels[row["action"]]), "reasons": []},
        )
        step["reasons"].append(
            {"code": row["reason__code"], "name": row["reason__name"], "count": row["count"]}
        )
    order = list(REASONED_ACTIONS)
    for step in steps.values():
        step["reasons"].sort(key=lambda reason: (-reason["count"], reason["code"]))
        step["total"] = sum(reason["count"] for reason in step["reasons"])
    return sorted(steps.values(), key=lambda step: order.index(step["action"]))


def returns_by_unit(cases: QuerySet, period: Period) -> list[dict]:
    """Returns per receiving unit: the department that sent a case back, or the person
    (village staff, grid member) when it was dispatched to a person. Departments also
    show how many cases were dispatched to them in the period, and their return rate."""
    rows = (
        _events(cases, period)
        .filter(Q(action=Action.RETURN) | Q(action__in=DISPATCHES, department__isnull=False))
        .values(
            "action",
            "department_id",
            "department__name",
            "actor_id",
            "actor__username",
            "actor__last_name",
            "actor__first_name",
        )
        .annotate(count=Count("pk"), automatic=Count("pk", filter=Q(dispatch_rule__isnull=False)))
        .order_by()
    )
    units: dict[tuple, dict] = {}
    for row in rows:
        if row["department_id"]:
            key, name = ("department", row["department_id"]), row["department__name"]
        else:
            key = ("person", row["actor_id"])
            full_name = f"{row['actor__last_name'] or ''}{row['actor__first_name'] or ''}"
            name = full_name or row["actor__username"] or "—"
        unit = units.setdefault(
            key, {"name": name, "kind": key[0], "dispatched": 0, "returned": 0, "auto": 0}
        )
        if row["action"] == Action.RETURN:
            unit["returned"] += row["count"]
            unit["auto"] += row["automatic"]
        else:
            unit["dispatched"] += row["count"]
    result = [unit for unit in units.values() if unit["returned"]]
    for unit in result:
        unit["return_rate"] = (
            rate(unit["returned"], unit["dispatched"]) if unit["kind"] == "department" else None
        )
    return sorted(result, key=lambda unit: (-unit["returned"], unit["name"]))

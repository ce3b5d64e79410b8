"""Reads shared by the case pages: the queue, its figures, and what a user may do now."""

import datetime
from collections.abc import Callable, Collection

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.functional import Promise

from core.keyset import Key, Ordering
from core.roles import is_official, is_platform_admin
from grids.jurisdiction import jurisdiction_of
from grids.models import Grid, covering_paths
from grids.permissions import assigned_grids
from incidents import permissions
from incidents.models import (
    CallBack,
    DeadlineExtension,
    Department,
    Incident,
    ReturnArbitration,
    Supervision,
    is_at_top,
)
from incidents.querysets import IncidentQuerySet
from members.actors import Actor
from members.models import User
from members.selectors import grid_people

Status = Incident.Status
# Whether a user may take a step on a case (incidents.permissions).
Check = Callable[[Actor, Incident], bool]

# The order of the action forms on the case page.
ACTIONS = (
    "accept",
    "reject",
    "dispatch",
    "start",
    "handle",
    "assist_report",
    "verify",
    "return",
    "extend",
    "extend_decide",
    "arbitrate",
    "escalate",
    "supervise",
    "suspend",
    "resume",
    "reopen",
    "merge",
)

# Steps that move the status: (target status, statuses it may start from, or None for
# any the table allows, the permission that decides who may take it).
STATUS_STEPS: dict[str, tuple[str, frozenset[str] | None, Check]] = {
    # accepted is also where returns and reopenings lead; dispatched also where resuming
    # leads: the table's edges are shared, so these steps name where they start.
    "accept": (Status.ACCEPTED, frozenset({Status.REPORTED}), permissions.can_manage),
    "reject": (Status.REJECTED, None, permissions.can_manage),
    "dispatch": (
        Status.DISPATCHED,
        frozenset({Status.ACCEPTED, Status.DISPATCHED}),
        permissions.can_manage,
    ),
    # start and rework share the edge to "in progress"; start leaves "dispatched" only.
    "start": (Status.IN_PROGRESS, frozenset({Status.DISPATCHED}), permissions.can_handle),
    "handle": (Status.HANDLED, None, permissions.can_handle),
    "verify": (Status.CLOSED, None, permissions.can_verify),
    "merge": (Status.MERGED, None, permissions.can_manage),
}

# Who may take each action at all, whatever the case's state (a wrong state is a refusal).
ACTION_CHECKS: dict[str, Check] = {
    "accept": permissions.can_manage,
    "reject": permissions.can_manage,
    "dispatch": permissions.can_manage,
    "start": permissions.can_handle,
    "handle": permissions.can_handle,
    "verify": permissions.can_verify,
    "escalate": permissions.can_escalate,
    "supervise": permissions.can_manage,
    "merge": permissions.can_manage,
    "return": permissions.can_return,
    "assist_report": permissions.can_assist,
    "extend": permissions.can_request_extension,
    "extend_decide": permissions.can_decide_extension,
    # incidents.services.cohandling.arbitration_decide: the official one rung up.
    "arbitrate": permissions.can_decide_extension,
    "suspend": permissions.can_suspend,
    "resume": permissions.can_suspend,
    "reopen": permissions.can_reopen,
}


# Steps off the happy path: whether the case's state allows each, given whether an
# extension waits for a decision, and who may take it.
def _in_handling(incident: Incident, pending: bool) -> bool:
    return incident.status in Incident.HANDLING_STATUSES


def _in_handling_and_none_pending(incident: Incident, pending: bool) -> bool:
    return incident.status in Incident.HANDLING_STATUSES and not pending


def _extension_pending(incident: Incident, pending: bool) -> bool:
    return pending


def _suspendable(incident: Incident, pending: bool) -> bool:
    return incident.status in Incident.SUSPENDABLE_STATUSES


def _suspended(incident: Incident, pending: bool) -> bool:
    return incident.status == Status.SUSPENDED


def _reopenable(incident: Incident, pending: bool) -> bool:
    return incident.status in Incident.REOPENABLE_STATUSES


HANDLING_STEPS: dict[str, tuple[Callable[[Incident, bool], bool], Check]] = {
    "return": (_in_handling, permissions.can_return),
    "assist_report": (_in_handling, permissions.can_assist),
    "extend": (_in_handling_and_none_pending, permissions.can_request_extension),
    "extend_decide": (_extension_pending, permissions.can_decide_extension),
    "suspend": (_suspendable, permissions.can_suspend),
    "resume": (_suspended, permissions.can_suspend),
    "reopen": (_reopenable, permissions.can_reopen),
}

# The case page's joins (the page's and the API's): every label it shows, none of the
# polygons but the grid's.
CASE_RELATED = (
    "category",
    "category__group",
    "grid",
    "grid__village",
    "town",
    "handling_region",
    "reporter",
    "assignee_user",
    "assignee_department",
    "duplicate_of",
)
CASE_DEFERRED = ("town__boundary", "handling_region__boundary", "grid__village__boundary")
# Lists never load boundaries: a grid's polygon can weigh more than the whole row.
LIST_DEFERRED = (
    "grid__boundary",
    "grid__village__boundary",
    "handling_region__boundary",
    "town__boundary",
)


def _step_allowed(incident: Incident, target: str, sources: frozenset[str] | None) -> bool:
    if target not in Incident.TRANSITIONS[incident.status]:
        return False
    return sources is None or incident.status in sources


def incident_available_actions(
    user: Actor, incident: Incident, *, pending: bool | None = None
) -> list[str]:
    """The action forms the case page offers this user now, in page order.

    The services stay the judges (a race may still refuse a step); this only decides
    what to show, from the same permission functions and Incident.TRANSITIONS.
    ``pending``: whether an extension waits, when the caller has looked it up already.
    """
    if not user.is_authenticated:
        return []
    if pending is None:
        pending = incident.status in Incident.HANDLING_STATUSES and has_pending_extension(incident)
    available = []
    for action in ACTIONS:
        if action in HANDLING_STEPS:
            state_allows, check = HANDLING_STEPS[action]
            allowed = state_allows(incident, pending) and check(user, incident)
        elif action in STATUS_STEPS:
            target, sources, check = STATUS_STEPS[action]
            allowed = _step_allowed(incident, target, sources) and check(user, incident)
        elif action == "arbitrate":
            # The permission first: only the official above pays for the lookup.
            allowed = permissions.can_decide_extension(user, incident) and (
                has_pending_arbitration(incident)
            )
        elif action == "escalate":
            allowed = (
                incident.is_open
                and not is_at_top(incident.level, incident.handling_region.parent_id)
                and permissions.can_escalate(user, incident)
            )
        else:  # supervise
            allowed = incident.is_open and permissions.can_manage(user, incident)
        if allowed:
            available.append(action)
    return available


def has_pending_extension(incident: Incident) -> bool:
    return DeadlineExtension.objects.filter(
        incident=incident, status=DeadlineExtension.Status.PENDING
    ).exists()


def incident_pending_extension(incident: Incident) -> DeadlineExtension | None:
    """The extension waiting for a decision (at most one: a constraint says so)."""
    return (
        DeadlineExtension.objects.filter(
            incident=incident, status=DeadlineExtension.Status.PENDING
        )
        .select_related("reason", "requested_by")
        .first()
    )


def has_pending_arbitration(incident: Incident) -> bool:
    return ReturnArbitration.objects.filter(
        incident=incident, status=ReturnArbitration.Status.PENDING
    ).exists()


def incident_pending_arbitration(incident: Incident) -> ReturnArbitration | None:
    """The second return waiting for the official above (at most one: a unit cannot
    return the case again while it waits)."""
    return (
        ReturnArbitration.objects.filter(
            incident=incident, status=ReturnArbitration.Status.PENDING
        )
        .select_related("reason", "department", "returning_user", "requested_by")
        .order_by("pk")
        .first()
    )


def incident_action_permitted(user: Actor, incident: Incident, action: str) -> bool:
    return ACTION_CHECKS[action](user, incident)


def incidents_for_case_page(user: Actor) -> QuerySet[Incident]:
    """The cases a user sees (the funnel), with the labels a case's page or API answer shows."""
    return (
        permissions.incidents_visible_to(user).select_related(*CASE_RELATED).defer(*CASE_DEFERRED)
    )


def incident_queue(user: Actor, now: datetime.datetime) -> QuerySet[Incident]:
    """The cases a user sees, ready for a list: supervised first, then by due time."""
    return (
        permissions.incidents_visible_to(user)
        .select_related(
            "category", "category__group", "grid", "grid__village", "handling_region", "town"
        )
        .defer(*LIST_DEFERRED)
        .with_light(now)
        .annotate(
            is_overdue=Case(
                When(
                    status__in=sorted(Incident.OPEN_STATUSES), deadline__lt=now, then=Value(True)
                ),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by(*QUEUE_ORDERINGS[QUEUE_DEFAULT_ORDER].order_by())
    )


# The queue's sort options, as keyset orderings (core.keyset): the id last, so each case
# has one place. Indexes of the same shape: incidents/migrations/0027_queue_indexes.
QUEUE_DEFAULT_ORDER = "due"
NO_DEADLINE = Incident.NO_DEADLINE
QUEUE_ORDERINGS = {
    "due": Ordering(
        "due",
        (
            Key("is_supervised", descending=True, boolean=True),
            Key("deadline", null_as=NO_DEADLINE),
            Key("created_at", descending=True),
            Key("id", descending=True),
        ),
    ),
    "newest": Ordering("newest", (Key("created_at", descending=True), Key("id", descending=True))),
}


# The queue's counts per status stop at this many cases of a status (shown as "1000+"):
# an exact count reads every case the filter matches (1.7 s over a million), a bounded one
# at most this many index entries per status, whatever the size of the county.
STATUS_COUNT_CAP = 1000
_STATUS_SLOT = "\x00status\x00"  # stands for each status while the filter's SQL is built


def incident_status_counts(
    incidents: QuerySet[Incident],
    cap: int = STATUS_COUNT_CAP,
    statuses: Collection[str] | None = None,
) -> list[tuple[str, str | Promise, int]]:
    """(status, label, count) for each status, in the table's order, each count cut at
    ``cap + 1`` (more than ``cap``: show "cap+").

    One statement of one bounded ``COUNT(*) FROM (... LIMIT cap + 1)`` per status. The
    filter's query is compiled once, with a stand-in for the status that each copy
    replaces by its own parameter: the planner sees every status's value, so a rare one
    reads its few rows from the status's index (a plan made once for any status scanned the
    table for the statuses no case has). ``statuses``, when given, are the only ones the
    filter lets through (IncidentQueueFilter.statuses): the others count 0 without a
    subquery, since the planner does not see that, say, "closed" among open cases finds
    nothing, and reads the whole table to be sure (370 ms at a million cases)."""
    wanted = [value for value in Status.values if statuses is None or value in statuses]
    bounded = incidents.filter(status=_STATUS_SLOT).order_by().values("pk")[: cap + 1]
    try:
        statement, params = bounded.query.get_compiler(using=incidents.db).as_sql()
    except EmptyResultSet:  # a filter that matches nothing (an invalid one): no query
        wanted = []
    figures: dict[str, int] = {}
    if wanted:
        slot = list(params).index(_STATUS_SLOT)
        parts, arguments = [], []
        for index, value in enumerate(wanted):
            # The statement is the ORM's own; every value travels in the parameters.
            parts.append(f"(SELECT COUNT(*) FROM ({statement}) AS bounded_{index})")  # noqa: S608
            arguments.extend([*params[:slot], value, *params[slot + 1 :]])
        with connections[incidents.db].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), arguments)
            figures = dict(zip(wanted, cursor.fetchone(), strict=True))
    return [(value, label, int(figures.get(value, 0))) for value, label in Status.choices]


def dispatch_departments(incident: Incident) -> QuerySet[Department]:
    """Active departments of the case's town or of a region above it."""
    return (
        Department.objects.filter(
            is_active=True, region__path__in=covering_paths(incident.town.path)
        )
        .select_related("region")
        .order_by("-region__path", "name")
    )


def dispatch_people(incident: Incident) -> QuerySet[User]:
    """The grid's members and the staff whose jurisdiction covers the case's village."""
    members = grid_people(incident.grid, "patrol_grid")
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=members.values("pk"))
            | Q(jurisdiction__path__in=covering_paths(incident.grid.village.path))
        )
        .select_related("jurisdiction")
        .defer("jurisdiction__boundary")
        .order_by("jurisdiction__path", "username")
    )


# The columns the grid member's lists show: no polygons, no personal data.
MEMBER_LIST_FIELDS = (
    "code",
    "title",
    "status",
    "urgency",
    "deadline",
    "yellow_at",
    "is_supervised",
    "created_at",
    "category__name",
    "grid__name",
)


def _member_list(
    incidents: IncidentQuerySet[Incident], now: datetime.datetime | None = None
) -> QuerySet[Incident]:
    """Soonest deadline first; supervised cases lead (as on every list of cases); each with
    its light."""
    return (
        incidents.with_light(now or timezone.now())
        .select_related("category", "grid")
        .only(*MEMBER_LIST_FIELDS)
        .order_by("-is_supervised", F("deadline").asc(nulls_last=True), "pk")
    )


def incidents_open_for_member(
    user: Actor, now: datetime.datetime | None = None
) -> QuerySet[Incident]:
    """A grid member's open cases: those of their grids, shared with them, or reported by
    them, except those waiting for their check (listed apart)."""
    open_cases = permissions.incidents_visible_to(user).open().exclude(status=Status.HANDLED)
    return _member_list(open_cases, now)


def incidents_to_verify_for_member(
    user: Actor, now: datetime.datetime | None = None
) -> QuerySet[Incident]:
    """Handled cases of the member's grids: the on-the-spot check is the grid member's
    (permissions.can_verify grants it through the grid's patrol permission)."""
    return _member_list(
        Incident.objects.filter(status=Status.HANDLED, grid__in=assigned_grids(user)), now
    )


def bulk_departments(user: Actor) -> QuerySet[Department]:
    """Departments a manager may dispatch to in bulk: those of the jurisdiction, above it
    and below it (each case's own town is checked again by the service)."""
    departments = (
        Department.objects.filter(is_active=True)
        .select_related("region")
        .defer("region__boundary")
        .order_by("region__path", "name")
    )
    if is_platform_admin(user):
        return departments
    jurisdiction = jurisdiction_of(user)
    if jurisdiction is None:
        return departments.none()
    path = jurisdiction.path
    return departments.filter(
        Q(region__path__startswith=path) | Q(region__path__in=covering_paths(path))
    )


def supervision_register(user: Actor, now: datetime.datetime) -> QuerySet[Supervision]:
    """The running supervisions of the cases a user sees: overdue first, then by deadline."""
    return (
        Supervision.objects.filter(
            ended_at__isnull=True, incident__in=permissions.incidents_visible_to(user)
        )
        .select_related("incident", "incident__handling_region", "reason", "supervisor")
        .annotate(
            is_overdue=Case(
                When(deadline__lt=now, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-is_overdue", "deadline", "pk")
    )


CALLBACKS_SHOWN = 20


def callbacks_open_for(user: Actor) -> list[CallBack]:
    """The open call-backs of the cases a user may call back about, soonest due first."""
    if not is_official(user):
        return []
    return list(
        CallBack.objects.filter(
            closed_at__isnull=True,
            incident__in=permissions.incidents_visible_to(user).values("pk"),
        )
        .select_related("incident")
        .only("pk", "due_at", "created_at", "incident__id", "incident__code", "incident__title")
        .order_by("due_at", "pk")[:CALLBACKS_SHOWN]
    )


def callback_of(incident: Incident) -> CallBack | None:
    """The case's open call-back, or else its latest one."""
    return (
        CallBack.objects.filter(incident=incident)
        .select_related("closed_by")
        .order_by(F("closed_at").desc(nulls_first=True), "-pk")
        .first()
    )


def incidents_of_patrol(user: Actor, patrol_id: int) -> QuerySet[Incident]:
    """The cases reported from a patrol that the user may see, newest first."""
    return (
        permissions.incidents_visible_to(user)
        .filter(patrol_id=patrol_id)
        .select_related("category", "grid")
        .defer(*LIST_DEFERRED)
        .order_by("-created_at", "-pk")
    )


def hotline_grids(user: Actor) -> QuerySet[Grid]:
    """The active grids a hotline operator may file a call in: its jurisdiction's."""
    grids = Grid.objects.active().select_related("village")
    if is_platform_admin(user):
        return grids
    jurisdiction = jurisdiction_of(user)
    if jurisdiction is None:
        return grids.none()
    return grids.under(jurisdiction.path)


def hotline_calls_recent(user: Actor, limit: int = 10) -> list[Incident]:
    """The calls this operator filed last, newest first (one query)."""
    return list(
        permissions.incidents_visible_to(user)
        .filter(source=Incident.Source.HOTLINE, reporter_id=user.pk)
        .select_related("category", "grid", "hotline_order")
        .only(
            "code",
            "status",
            "created_at",
            "reporter_phone_masked",
            "category__name",
            "grid__name",
            "hotline_order__order_id",
        )
        .order_by("-created_at", "-pk")[:limit]
    )

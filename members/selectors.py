"""Reads of the grid member's workspace: grids, patrols, notifications, households.

Each starts from the access funnel (members.permissions, grids.permissions) and loads only
the columns its page shows: never a boundary, never a ciphertext.
"""

import datetime
import uuid
from typing import Any, cast

from django.contrib.gis.db.models.functions import Length
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from guardian.shortcuts import get_users_with_perms

from grids.models import Grid
from grids.permissions import assigned_grids
from members.actors import Actor
from members.models import (
    GridAssignment,
    GridMember,
    Household,
    HouseholdEdit,
    HouseholdVisit,
    Notification,
    PatrolFlag,
    PatrolLog,
    Resident,
    ResidentTag,
    User,
)
from members.permissions import (
    grid_members_overseen_by,
    households_visible_to,
    patrol_logs_visible_to,
)

RECENT_PATROLS = 10
# Masked columns only: the lookup never decrypts anything.
RESIDENT_LIST_FIELDS = (
    "household_id",
    "name",
    "gender",
    "id_number_masked",
    "phone_masked",
)


def grid_people(grid: Grid, permission: str) -> QuerySet[User]:
    """The accounts granted ``permission`` on the grid ("patrol_grid": its members,
    "lead_grid": its leaders) by their own open assignment; groups' grants aside."""
    users = get_users_with_perms(grid, only_with_perms_in=[permission], with_group_users=False)
    # guardian returns users as a queryset when asked without attach_perms.
    return cast(QuerySet[User], users)


def member_grids(user: Actor) -> QuerySet[Grid]:
    """The grids a member patrols, for choices and the map; without their boundaries."""
    return assigned_grids(user).select_related("village").only("code", "name", "village__name")


def patrol_running_for(user: User) -> PatrolLog | None:
    return (
        patrol_logs_visible_to(user)
        .filter(member__user=user, ended_at__isnull=True)
        .select_related("grid")
        .defer("grid__boundary")
        .first()
    )


def patrols_recent_for(user: User) -> list[PatrolLog]:
    return list(
        patrol_logs_visible_to(user)
        .filter(member__user=user, ended_at__isnull=False)
        .select_related("grid")
        .only("started_at", "ended_at", "findings", "client_key", "grid__name")
        .order_by("-started_at")[:RECENT_PATROLS]
    )


def patrol_get_own(user: User, client_key: uuid.UUID) -> PatrolLog:
    """One of the user's own patrols by its key; anyone else's answers DoesNotExist."""
    return (
        patrol_logs_visible_to(user)
        .filter(member__user=user)
        .select_related("grid")
        .defer("grid__boundary")
        .get(client_key=client_key)
    )


def notifications_for(user: User) -> QuerySet[Notification]:
    """The user's own inbox, newest first (the workspace's pages and the API)."""
    return (
        Notification.objects.filter(recipient=user)
        .only("kind", "title", "body", "url", "created_at", "read_at")
        .order_by("-created_at", "-id")
    )


def notifications_unread_for(user: User, limit: int) -> list[Notification]:
    return list(notifications_for(user).filter(read_at__isnull=True)[:limit])


def _masked_residents() -> Prefetch:
    residents = Resident.objects.only(*RESIDENT_LIST_FIELDS).prefetch_related("tags")
    return Prefetch("residents", queryset=residents.order_by("id"))


def households_lookup(
    user: Actor, *, query: str = "", grid: Grid | None = None
) -> QuerySet[Household]:
    """Households the user may see, by code or address, with their residents masked."""
    households = households_visible_to(user).select_related("grid").defer("grid__boundary")
    if query:
        households = households.filter(
            Q(code__startswith=query)
            | Q(address__icontains=query)
            | Q(residents__name__icontains=query)
        ).distinct()
    if grid is not None:
        households = households.filter(grid=grid)
    return households.prefetch_related(_masked_residents()).order_by("code")


def household_get_for_user(user: Actor, pk: int | str) -> Household:
    return households_lookup(user).get(pk=pk)


def patrol_of(user: User, client_key: uuid.UUID | None) -> PatrolLog | None:
    """The user's own patrol with this key, if there is one (a report made on patrol)."""
    if client_key is None:
        return None
    return PatrolLog.objects.filter(client_key=client_key, member__user=user).first()


def patrol_summary(user: User, client_key: uuid.UUID) -> PatrolLog:
    """One of the user's own patrols with its length in metres (``distance``) and the
    number of cases reported from it."""
    return (
        patrol_logs_visible_to(user)
        .filter(member__user=user)
        .select_related("grid")
        .defer("grid__boundary")
        .annotate(distance=Length("route"))
        .get(client_key=client_key)
    )


def member_get_for_review(user: Actor, pk: int | str) -> GridMember:
    """A member whose patrols the official may review; DoesNotExist otherwise."""
    try:
        return grid_members_overseen_by(user).select_related("user").get(pk=int(pk))
    except ValueError as error:
        raise GridMember.DoesNotExist from error


def member_review_grids(member: GridMember) -> QuerySet[Grid]:
    """The grids the member is assigned to now (for the map's GeoJSON)."""
    return Grid.objects.filter(
        pk__in=GridAssignment.objects.filter(member=member, ends_on__isnull=True).values("grid")
    ).order_by("code")


def member_review_patrols(
    member: GridMember, *, since: datetime.datetime, limit: int
) -> list[PatrolLog]:
    """The member's patrols since a moment, newest first, with their flags; two queries."""
    return list(
        PatrolLog.objects.filter(member=member, started_at__gte=since)
        .select_related("grid")
        .defer("grid__boundary")
        .prefetch_related(Prefetch("flags", queryset=PatrolFlag.objects.order_by("kind")))
        .order_by("-started_at")[:limit]
    )


# The register kept from the field: key households and their visits.


def _with_visit_figures(
    households: QuerySet[Household], as_of: datetime.date | None = None
) -> QuerySet[Any]:
    """Each household with ``visit_every`` (the shortest required interval among its
    residents' key groups; None: no required visits) and ``last_visit`` (a date, on or
    before ``as_of`` when given)."""
    every = (
        ResidentTag.objects.filter(residents__household=OuterRef("pk"), visit_every_days__gt=0)
        .order_by("visit_every_days")
        .values("visit_every_days")[:1]
    )
    visits = HouseholdVisit.objects.filter(household=OuterRef("pk"))
    if as_of is not None:
        visits = visits.filter(visited_on__lte=as_of)
    last = visits.order_by("-visited_on").values("visited_on")[:1]
    return households.annotate(visit_every=Subquery(every), last_visit=Subquery(last))


def _visited_in_time(today: datetime.date, intervals: list[int]) -> Q:
    """Visited within the household's own interval: one condition per interval that the
    key groups use (a handful), so that the database compares plain dates."""
    condition = Q(pk__in=[])
    for days in intervals:
        condition |= Q(visit_every=days, last_visit__gte=today - datetime.timedelta(days=days))
    return condition


def _intervals() -> list[int]:
    days = ResidentTag.objects.filter(visit_every_days__gt=0).values_list(
        "visit_every_days", flat=True
    )
    return sorted({int(value) for value in days if value})


def visits_overdue_for(user: Actor, today: datetime.date) -> list[Household]:
    """The key households of the member's grids whose interval has passed since their last
    visit (or never visited), the longest waiting first; each with ``due_on``. Two queries."""
    households = _with_visit_figures(
        households_visible_to(user)
        .filter(grid__in=assigned_grids(user))
        .select_related("grid")
        .only("code", "address", "grid__name")
    ).filter(visit_every__isnull=False)
    overdue = list(
        # Never visited spelled out: NOT on a NULL comparison is NULL, not true.
        households.filter(
            Q(last_visit__isnull=True) | ~_visited_in_time(today, _intervals())
        ).order_by(F("last_visit").asc(nulls_first=True), "code")
    )
    for household in overdue:
        household.due_on = (
            household.last_visit + datetime.timedelta(days=household.visit_every)
            if household.last_visit
            else None
        )
    return overdue


def visit_coverage_by_grid(grids: QuerySet[Grid], as_of: datetime.date) -> list[dict]:
    """Per grid with key households, on the day ``as_of``: its key households, those
    visited within their interval, and the share; the lowest share first. Two queries."""
    rows = (
        _with_visit_figures(Household.objects.filter(grid__in=grids), as_of)
        .filter(visit_every__isnull=False)
        .values("grid_id", "grid__code", "grid__name")
        .annotate(
            key=Count("pk"),
            covered=Count("pk", filter=_visited_in_time(as_of, _intervals())),
        )
        .order_by("grid__code")
    )
    coverage = [
        {
            "grid_id": row["grid_id"],
            "code": row["grid__code"],
            "name": row["grid__name"],
            "key": row["key"],
            "covered": row["covered"],
            "share": row["covered"] / row["key"],
        }
        for row in rows
    ]
    return sorted(coverage, key=lambda row: (row["share"], row["code"]))


def household_register(user: Actor, pk: int | str) -> Household:
    """One household of the member's grids with its residents (masked), its visits and
    its edit log: a fixed number of queries."""
    edits = HouseholdEdit.objects.select_related("actor", "resident").only(
        "at",
        "action",
        "changes",
        "actor__username",
        "actor__first_name",
        "actor__last_name",
        "resident__name",
        "household_id",
    )
    visits = HouseholdVisit.objects.select_related("member__user").only(
        "visited_on",
        "purpose",
        "notes",
        "household_id",
        "member__user__username",
        "member__user__first_name",
        "member__user__last_name",
    )
    return (
        _with_visit_figures(households_lookup(user))
        .prefetch_related(
            Prefetch("edits", queryset=edits.order_by("-at", "-id")),
            Prefetch("visits", queryset=visits.order_by("-visited_on", "-id")),
        )
        .get(pk=pk)
    )

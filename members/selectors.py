"""Reads of the grid member's workspace: grids, patrols, notifications, households.

Each starts from the access funnel (members.permissions, grids.permissions) and loads only
the columns its page shows: never a boundary, never a ciphertext.
"""

import datetime
import uuid
from typing import cast

from django.contrib.gis.db.models.functions import Length
from django.db.models import Prefetch, Q, QuerySet
from guardian.shortcuts import get_users_with_perms

from grids.models import Grid
from grids.permissions import assigned_grids
from members.actors import Actor
from members.models import (
    GridAssignment,
    GridMember,
    Household,
    Notification,
    PatrolFlag,
    PatrolLog,
    Resident,
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

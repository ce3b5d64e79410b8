"""The access funnel for people and their records: every page and query starts here.

Each funnel names how its rows hang on the ladder (``_scoped``): staff see what lies under
their jurisdiction, grid members what belongs to their grids or to themselves, residents
their own records, platform administrators everything. The anonymous user sees nothing.
"""

from collections.abc import Callable
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from core.roles import GRID_ROLES, is_official, user_roles
from grids.jurisdiction import Scope, ScopeKind, scope_of
from grids.models import Grid
from grids.permissions import assigned_grids
from members.actors import Actor
from members.models import (
    GridAssignment,
    GridMember,
    GridSplitProposal,
    Household,
    PatrolLog,
    PersonalDataAccess,
    Resident,
)

Row = TypeVar("Row", bound=Model)


def _scoped(
    rows: QuerySet[Row],
    scope: Scope,
    *,
    path: str,
    grids: Callable[[], Q] | None = None,
    own: Callable[[], Q] | None = None,
) -> QuerySet[Row]:
    """``rows`` cut to the scope: all of them, those under the jurisdiction (``path``: the
    lookup of a region's path), those ``grids`` selects for grid members and ``own`` for
    residents; none for anyone else."""
    if scope.kind is ScopeKind.ALL:
        return rows
    if scope.kind is ScopeKind.SUBTREE:
        return rows.filter(**{f"{path}__startswith": scope.path})
    condition = {ScopeKind.GRIDS: grids, ScopeKind.OWN: own}.get(scope.kind)
    return rows.filter(condition()) if condition is not None else rows.none()


def grid_members_visible_to(user: Actor) -> QuerySet[GridMember]:
    if not user.is_authenticated:
        return GridMember.objects.none()
    return _scoped(
        GridMember.objects.all(),
        scope_of(user),
        path="user__jurisdiction__path",
        grids=lambda: Q(user=user),
    )


def grid_members_overseen_by(user: Actor) -> QuerySet[GridMember]:
    """The members whose patrols an official reviews: those with an open assignment to a
    grid under the official's jurisdiction (village staff and above; not department
    handlers, grid leaders or members). Platform administrators review every member."""
    if not is_official(user):
        return GridMember.objects.none()
    scope = scope_of(user)
    if scope.kind is ScopeKind.ALL:
        return GridMember.objects.all()
    if scope.kind is not ScopeKind.SUBTREE:
        return GridMember.objects.none()
    assigned = GridAssignment.objects.filter(
        ends_on__isnull=True, grid__village__path__startswith=scope.path
    )
    return GridMember.objects.filter(pk__in=assigned.values("member"))


def grids_redivided_by(user: Actor) -> QuerySet[Grid]:
    """The grids whose workload an official reads and whose split the official may propose,
    accept or discard: those under the jurisdiction of an official (village staff and
    above); every grid for platform administrators; none for anyone else."""
    if not is_official(user):
        return Grid.objects.none()
    scope = scope_of(user)
    if scope.kind is ScopeKind.ALL:
        return Grid.objects.all()
    if scope.kind is ScopeKind.SUBTREE:
        return Grid.objects.under(scope.path)
    return Grid.objects.none()


def split_proposals_visible_to(user: Actor) -> QuerySet[GridSplitProposal]:
    return GridSplitProposal.objects.filter(grid__in=grids_redivided_by(user))


def _may_see_register(user: Actor, scope: Scope) -> bool:
    """Jurisdiction roles see the register only with its view permission (department
    handlers do not); residents see their own records, grid members their grids'."""
    return scope.kind is not ScopeKind.SUBTREE or user.has_perm("members.view_resident")


def households_visible_to(user: Actor) -> QuerySet[Household]:
    scope = scope_of(user)
    if not user.is_authenticated or not _may_see_register(user, scope):
        return Household.objects.none()
    return _scoped(
        Household.objects.all(),
        scope,
        path="grid__village__path",
        grids=lambda: Q(grid__in=assigned_grids(user)),
        own=lambda: Q(residents__user=user),
    )


def residents_visible_to(user: Actor) -> QuerySet[Resident]:
    scope = scope_of(user)
    if not user.is_authenticated or not _may_see_register(user, scope):
        return Resident.objects.none()
    return _scoped(
        Resident.objects.all(),
        scope,
        path="household__grid__village__path",
        grids=lambda: Q(household__grid__in=assigned_grids(user)),
        own=lambda: Q(user=user),
    )


def patrol_logs_visible_to(user: Actor) -> QuerySet[PatrolLog]:
    if not user.is_authenticated:
        return PatrolLog.objects.none()
    return _scoped(
        PatrolLog.objects.all(),
        scope_of(user),
        path="grid__village__path",
        grids=lambda: Q(member__user=user),
    )


def access_log_visible_to(user: Actor) -> QuerySet[PersonalDataAccess]:
    """Officials with the view permission read the log of their jurisdiction."""
    if not user.has_perm("members.view_personaldataaccess"):
        return PersonalDataAccess.objects.none()
    return _scoped(PersonalDataAccess.objects.all(), scope_of(user), path="grid__village__path")


def can_reveal_personal_data(user: Actor, resident: Resident) -> bool:
    return (
        user.has_perm("members.reveal_personal_data")
        and residents_visible_to(user).filter(pk=resident.pk).exists()
    )


def can_reveal_phone(user: Actor, resident: Resident) -> bool:
    """Whoever may reveal personal data, and the grid members of the resident's grid: they
    call the households they look after."""
    if can_reveal_personal_data(user, resident):
        return True
    return (
        is_grid_member(user)
        and assigned_grids(user).filter(pk=resident.household.grid_id).exists()
    )


def is_grid_member(user: Actor) -> bool:
    """Grid members and leaders with an active member record: the workspace's users."""
    if not (user.is_authenticated and user.is_active) or not user_roles(user) & GRID_ROLES:
        return False
    member = getattr(user, "grid_member", None)
    return member is not None and member.is_active

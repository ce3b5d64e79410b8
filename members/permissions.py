"""The access funnel for people and their records: every page and query starts here.

Each funnel turns the anonymous user away first: what follows filters on the account.
"""

from django.db.models import QuerySet

from core.roles import GRID_ROLES, user_roles
from grids.jurisdiction import Scope, ScopeKind, scope_of
from grids.permissions import assigned_grids
from members.actors import Actor
from members.models import GridMember, Household, PatrolLog, PersonalDataAccess, Resident


def grid_members_visible_to(user: Actor) -> QuerySet[GridMember]:
    if not user.is_authenticated:
        return GridMember.objects.none()
    scope = scope_of(user)
    if scope.kind is ScopeKind.ALL:
        return GridMember.objects.all()
    if scope.kind is ScopeKind.SUBTREE:
        return GridMember.objects.filter(user__jurisdiction__path__startswith=scope.path)
    if scope.kind is ScopeKind.GRIDS:
        return GridMember.objects.filter(user=user)
    return GridMember.objects.none()


def _may_see_register(user: Actor, scope: Scope) -> bool:
    """Jurisdiction roles see the register only with its view permission (department
    handlers do not); residents see their own records, grid members their grids'."""
    return scope.kind is not ScopeKind.SUBTREE or user.has_perm("members.view_resident")


def households_visible_to(user: Actor) -> QuerySet[Household]:
    if not user.is_authenticated:
        return Household.objects.none()
    scope = scope_of(user)
    if not _may_see_register(user, scope):
        return Household.objects.none()
    if scope.kind is ScopeKind.ALL:
        return Household.objects.all()
    if scope.kind is ScopeKind.SUBTREE:
        return Household.objects.filter(grid__village__path__startswith=scope.path)
    if scope.kind is ScopeKind.GRIDS:
        return Household.objects.filter(grid__in=assigned_grids(user))
    if scope.kind is ScopeKind.OWN:
        return Household.objects.filter(residents__user=user)
    return Household.objects.none()


def residents_visible_to(user: Actor) -> QuerySet[Resident]:
    if not user.is_authenticated:
        return Resident.objects.none()
    scope = scope_of(user)
    if not _may_see_register(user, scope):
        return Resident.objects.none()
    if scope.kind is ScopeKind.ALL:
        return Resident.objects.all()
    if scope.kind is ScopeKind.SUBTREE:
        return Resident.objects.filter(household__grid__village__path__startswith=scope.path)
    if scope.kind is ScopeKind.GRIDS:
        return Resident.objects.filter(household__grid__in=assigned_grids(user))
    if scope.kind is ScopeKind.OWN:
        return Resident.objects.filter(user=user)
    return Resident.objects.none()


def patrol_logs_visible_to(user: Actor) -> QuerySet[PatrolLog]:
    if not user.is_authenticated:
        return PatrolLog.objects.none()
    scope = scope_of(user)
    if scope.kind is ScopeKind.ALL:
        return PatrolLog.objects.all()
    if scope.kind is ScopeKind.SUBTREE:
        return PatrolLog.objects.filter(grid__village__path__startswith=scope.path)
    if scope.kind is ScopeKind.GRIDS:
        return PatrolLog.objects.filter(member__user=user)
    return PatrolLog.objects.none()


def access_log_visible_to(user: Actor) -> QuerySet[PersonalDataAccess]:
    """Officials with the view permission read the log of their jurisdiction."""
    if not user.has_perm("members.view_personaldataaccess"):
        return PersonalDataAccess.objects.none()
    scope = scope_of(user)
    if scope.kind is ScopeKind.ALL:
        return PersonalDataAccess.objects.all()
    if scope.kind is ScopeKind.SUBTREE:
        return PersonalDataAccess.objects.filter(grid__village__path__startswith=scope.path)
    return PersonalDataAccess.objects.none()


def can_reveal_personal_data(user: Actor, resident: Resident) -> bool:
    return (
        user.has_perm("members.reveal_personal_data")
        and residents_visible_to(user).filter(pk=resident.pk).exists()
    )


def is_grid_member(user: Actor) -> bool:
    """Grid members and leaders with an active member record: the workspace's users."""
    if not (user.is_authenticated and user.is_active) or not user_roles(user) & GRID_ROLES:
        return False
    member = getattr(user, "grid_member", None)
    return member is not None and member.is_active

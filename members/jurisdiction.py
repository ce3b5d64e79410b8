"""What part of the ladder a user may see: the one question every scoping selector asks.

``scope_of(user)`` answers it once per user object (cached on the instance), so a page
that scopes several querysets pays for the user's groups once.
"""

from dataclasses import dataclass
from enum import Enum

from members.roles import GRID_ROLES, JURISDICTION_ROLES, Role


class ScopeKind(Enum):
    NONE = "none"
    OWN = "own"  # residents: their own records
    GRIDS = "grids"  # grid members and leaders: the grids they are assigned to
    SUBTREE = "subtree"  # staff: their jurisdiction and everything under it
    ALL = "all"  # platform administrators


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    region: object | None = None  # the jurisdiction Region for SUBTREE


def user_roles(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_cache = cached
    return cached


def scope_of(user) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope(ScopeKind.NONE)
    roles = user_roles(user)
    if user.is_superuser or Role.PLATFORM_ADMIN in roles:
        return Scope(ScopeKind.ALL)
    if roles & JURISDICTION_ROLES and user.jurisdiction_id is not None:
        return Scope(ScopeKind.SUBTREE, user.jurisdiction)
    if roles & GRID_ROLES:
        return Scope(ScopeKind.GRIDS)
    if Role.RESIDENT in roles:
        return Scope(ScopeKind.OWN)
    return Scope(ScopeKind.NONE)

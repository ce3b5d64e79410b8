"""What part of the ladder a user may see: the one question every scoping funnel asks.

The ladder is this app's; the roles are core's (auth groups); the jurisdiction is a field of
the account (members.User), which sits above this app, so it is read here by name.
``scope_of`` asks for the user's groups once per user object (core.roles.user_roles keeps
them on the instance), so a page that scopes several querysets pays for them once.
"""

from dataclasses import dataclass
from enum import Enum

from core.roles import GRID_ROLES, JURISDICTION_ROLES, AnyUser, Role, is_platform_admin, user_roles
from grids.models import Region


class ScopeKind(Enum):
    NONE = "none"
    OWN = "own"  # residents: their own records
    GRIDS = "grids"  # grid members and leaders: the grids they are assigned to
    SUBTREE = "subtree"  # staff: their jurisdiction and everything under it
    ALL = "all"  # platform administrators


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    # SUBTREE: the jurisdiction's path; what lies under it is in sight.
    path: str = ""


def jurisdiction_of(user: AnyUser) -> Region | None:
    """The node of the ladder a staff account answers for (``members.User.jurisdiction``);
    None for anyone without one, the anonymous user included."""
    region: Region | None = getattr(user, "jurisdiction", None)
    return region


def jurisdiction_covers(user: AnyUser, path: str) -> bool:
    """Whether the user's jurisdiction is the region at ``path`` or a region above it."""
    region = jurisdiction_of(user)
    return region is not None and path.startswith(region.path)


def scope_of(user: AnyUser) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return Scope(ScopeKind.NONE)
    if is_platform_admin(user):
        return Scope(ScopeKind.ALL)
    roles = user_roles(user)
    if roles & JURISDICTION_ROLES:
        region = jurisdiction_of(user)
        if region is not None:
            return Scope(ScopeKind.SUBTREE, region.path)
    if roles & GRID_ROLES:
        return Scope(ScopeKind.GRIDS)
    # Hotline operators, like residents, see what they filed themselves.
    if Role.RESIDENT in roles or Role.HOTLINE_OPERATOR in roles:
        return Scope(ScopeKind.OWN)
    return Scope(ScopeKind.NONE)

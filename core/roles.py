"""The roles of the platform, and the questions every app asks of them.

Each role is an auth Group of the same code name. The groups and their model permissions
are created by data migrations (``members/migrations/0002_roles.py`` and later ones); this
module names them and answers, in one place for every app, which roles a user holds and
whether the user is a platform administrator or an official.
"""

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db import models
from django.utils.translation import gettext_lazy as _

# Whoever asks: an account (members.User, an AbstractUser) or Django's anonymous user.
# The layers below members know accounts only through Django's auth.
AnyUser = AbstractUser | AnonymousUser


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    GRID_MEMBER = "grid_member", _("Grid member")
    GRID_LEADER = "grid_leader", _("Grid leader")
    VILLAGE_STAFF = "village_staff", _("Village or community staff")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")
    TOWN_OFFICIAL = "town_official", _("Town official")
    COUNTY_OFFICIAL = "county_official", _("County-level city official")
    CITY_OFFICIAL = "city_official", _("Prefecture city official")
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")
    HOTLINE_OPERATOR = "hotline_operator", _("Hotline operator (12345)")


# Roles that see everything under their jurisdiction (a Region subtree).
JURISDICTION_ROLES = frozenset(
    {
        Role.VILLAGE_STAFF,
        Role.DEPARTMENT_HANDLER,
        Role.TOWN_OFFICIAL,
        Role.COUNTY_OFFICIAL,
        Role.CITY_OFFICIAL,
    }
)
# Roles that see the grids they are assigned to (django-guardian object permissions).
GRID_ROLES = frozenset({Role.GRID_MEMBER, Role.GRID_LEADER})
# The officials: roles that own cases at their level and above (accept, dispatch, verify,
# supervise...), build surveys and read the dashboard.
MANAGER_ROLES = frozenset(
    {Role.VILLAGE_STAFF, Role.TOWN_OFFICIAL, Role.COUNTY_OFFICIAL, Role.CITY_OFFICIAL}
)


def user_roles(user: AnyUser) -> frozenset[str]:
    """The role names of an active account; none for anyone else.

    Kept on the instance, so that a page that asks several times pays for the user's
    groups once (in its ``__dict__``: the user classes declare no such attribute).
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached: frozenset[str] | None = user.__dict__.get("_role_cache")
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user.__dict__["_role_cache"] = cached
    return cached


def is_platform_admin(user: AnyUser) -> bool:
    """A superuser or a platform administrator: sees and may do everything."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or Role.PLATFORM_ADMIN in user_roles(user)


def is_official(user: AnyUser) -> bool:
    """An official of the ladder (a manager role) or a platform administrator: the people
    who work the case queue in bulk, read the dashboard and build surveys."""
    return is_platform_admin(user) or bool(user_roles(user) & MANAGER_ROLES)

"""The roles of the platform. Each is an auth Group of the same code name.

The groups and their model permissions are created by data migrations
(``members/migrations/0002_roles.py`` and later ones); this module only names them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


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

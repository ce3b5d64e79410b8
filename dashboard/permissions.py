"""Who opens the cockpit of a county or a prefecture city, and over which region."""

from core.roles import Role, user_roles
from grids.jurisdiction import jurisdiction_of
from grids.models import Region
from members.actors import Actor

COCKPIT_ROLES = frozenset({Role.COUNTY_OFFICIAL, Role.CITY_OFFICIAL})
COCKPIT_LEVELS = frozenset({Region.Level.COUNTY, Region.Level.PREFECTURE})


def cockpit_region_of(user: Actor) -> Region | None:
    """The county (its towns are the rows) or the prefecture city (its counties are the
    rows) whose cockpit the user opens: a county or city official's own jurisdiction, when
    it is at one of those levels. None for everyone else, town officials included."""
    if not user_roles(user) & COCKPIT_ROLES:
        return None
    region = jurisdiction_of(user)
    if region is None or region.level not in COCKPIT_LEVELS:
        return None
    return region

"""Who may see and do what with the assessment.

- A county official (role county official, jurisdiction a county) edits the county's scheme,
  closes its months and reads its bulletins.
- A town official reads the bulletins of the county above the town (the towns are the ones
  ranked: they see where they stand, and the others beside them), never its scheme form.
- A platform administrator reads every bulletin (and edits nothing here).
- Nobody else: grid members, village staff, department handlers, residents and officials of
  other counties or of the prefecture get a 404 like for a bulletin that does not exist.
"""

from django.db.models import QuerySet

from assessment.models import Bulletin
from core.roles import AnyUser, Role, is_platform_admin, user_roles
from grids.jurisdiction import jurisdiction_of
from grids.models import Region


def managed_county(user: AnyUser) -> Region | None:
    """The county whose scheme and months the user manages; None for everyone else."""
    region = jurisdiction_of(user)
    if region is None or Role.COUNTY_OFFICIAL not in user_roles(user):
        return None
    return region if region.level == Region.Level.COUNTY else None


def reading_county_id(user: AnyUser) -> int | None:
    """The county whose bulletins the user reads (county or town official)."""
    county = managed_county(user)
    if county is not None:
        return county.pk
    region = jurisdiction_of(user)
    if region is None or Role.TOWN_OFFICIAL not in user_roles(user):
        return None
    return region.parent_id if region.level == Region.Level.TOWN else None


def can_read_assessment(user: AnyUser) -> bool:
    return is_platform_admin(user) or reading_county_id(user) is not None


def bulletins_visible_to(user: AnyUser) -> QuerySet[Bulletin]:
    if is_platform_admin(user):
        return Bulletin.objects.all()
    county_id = reading_county_id(user)
    if county_id is None:
        return Bulletin.objects.none()
    return Bulletin.objects.filter(county_id=county_id)

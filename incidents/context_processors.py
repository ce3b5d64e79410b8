"""Page-wide facts about cases that officials must see on every page."""

from django.utils import timezone

from incidents.permissions import MANAGER_ROLES
from incidents.working_time import missing_calendar_years
from members.jurisdiction import user_roles
from members.roles import Role


def calendar_warning(request) -> dict:
    """For officials: that they are one (the dashboard link), and the years whose official
    working calendar nobody has entered yet. Residents get the links to their requests."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user_roles(user)
    if not (user.is_superuser or roles & MANAGER_ROLES or Role.PLATFORM_ADMIN in roles):
        return {"is_resident": Role.RESIDENT in roles}
    return {
        "is_official": True,
        "missing_calendar_years": missing_calendar_years(timezone.localdate()),
    }

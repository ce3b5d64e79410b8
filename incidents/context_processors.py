"""Page-wide facts about cases that officials must see on every page."""

from django.utils import timezone

from core.roles import Role, is_official, user_roles
from incidents.working_time import missing_calendar_years


def calendar_warning(request) -> dict:
    """For officials: that they are one (the dashboard link), and the years whose official
    working calendar nobody has entered yet. Residents get the links to their requests."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not is_official(user):
        return {"is_resident": Role.RESIDENT in user_roles(user)}
    return {
        "is_official": True,
        "missing_calendar_years": missing_calendar_years(timezone.localdate()),
    }

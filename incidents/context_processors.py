"""Page-wide facts about cases that officials must see on every page."""

from django.utils import timezone

from incidents.permissions import MANAGER_ROLES
from incidents.working_time import missing_calendar_years
from members.jurisdiction import user_roles


def calendar_warning(request) -> dict:
    """Years whose official working calendar nobody has entered yet (for officials only)."""
    user = getattr(request, "user", None)
    if user is None or not (user.is_superuser or user_roles(user) & MANAGER_ROLES):
        return {}
    return {"missing_calendar_years": missing_calendar_years(timezone.localdate())}

"""Page-wide facts about the signed-in user: whether the menu shows the workspace, and how
many notifications wait unread in the inbox."""

from django.utils.functional import SimpleLazyObject

from members.notifications import unread_count
from members.permissions import is_grid_member


def workspace_nav(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "is_grid_member": is_grid_member(user),
        # Counted only when a page shows the menu (never on JSON or file responses).
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user)),
    }

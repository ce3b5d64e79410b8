"""Page-wide facts about the grid member: whether the menu shows the workspace."""

from members.permissions import is_grid_member


def workspace_nav(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"is_grid_member": is_grid_member(user)}

"""The access funnel for regions and grids: every page and query starts here."""

from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from core.roles import AnyUser
from grids.jurisdiction import ScopeKind, scope_of
from grids.models import Grid, Region


def assigned_grids(user: AnyUser) -> QuerySet[Grid]:
    """Grids the user was granted by an open assignment (guardian, direct FK table)."""
    return get_objects_for_user(
        user,
        "grids.patrol_grid",
        klass=Grid,
        with_superuser=False,
        accept_global_perms=False,
    )


def grids_visible_to(user: AnyUser) -> QuerySet[Grid]:
    scope = scope_of(user)
    if scope.kind is ScopeKind.ALL:
        return Grid.objects.all()
    if scope.kind is ScopeKind.SUBTREE:
        return Grid.objects.under(scope.path)
    if scope.kind is ScopeKind.GRIDS:
        return assigned_grids(user)
    return Grid.objects.none()


def regions_visible_to(user: AnyUser) -> QuerySet[Region]:
    """Staff see their jurisdiction's subtree; grid members the villages of their grids."""
    scope = scope_of(user)
    if scope.kind is ScopeKind.ALL:
        return Region.objects.all()
    if scope.kind is ScopeKind.SUBTREE:
        return Region.objects.under(scope.path)
    if scope.kind is ScopeKind.GRIDS:
        return Region.objects.filter(grids__in=assigned_grids(user)).distinct()
    return Region.objects.none()


def grid_get_for_user(user: AnyUser, pk: int | str) -> Grid:
    try:
        return grids_visible_to(user).get(pk=pk)
    except (Grid.DoesNotExist, ValueError) as error:
        raise Http404 from error

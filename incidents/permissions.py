"""The access funnel for cases: who sees a case, and who may take each step."""

from typing import TypeVar

from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from core.roles import (
    GRID_ROLES,
    JURISDICTION_ROLES,
    MANAGER_ROLES,
    Role,
    is_platform_admin,
    user_roles,
)
from grids.jurisdiction import ScopeKind, jurisdiction_covers, jurisdiction_of, scope_of
from grids.models import Grid, covering_paths
from grids.permissions import assigned_grids
from incidents.models import (
    AssistingUnit,
    Department,
    Incident,
    IncidentGroupObjectPermission,
    IncidentUserObjectPermission,
    Level,
    Publication,
)
from incidents.querysets import IncidentQuerySet
from members.actors import Actor
from members.models import User

_Row = TypeVar("_Row", bound=models.Model)


def shared_incident_ids(user: User) -> Q:
    """Cases granted to the user or to one of the user's department groups.

    Read straight from guardian's direct foreign-key tables: two small index lookups,
    where ``get_objects_for_user`` would scan every case id in each query.
    """
    granted = {"permission__codename": "handle_incident"}
    return Q(
        pk__in=IncidentUserObjectPermission.objects.filter(user=user, **granted).values(
            "content_object_id"
        )
    ) | Q(
        pk__in=IncidentGroupObjectPermission.objects.filter(group__user=user, **granted).values(
            "content_object_id"
        )
    )


def assisted_incident_ids(user: User) -> Q:
    """Cases one of the user's departments assists (协办)."""
    return Q(
        pk__in=AssistingUnit.objects.filter(department__handlers__user=user).values("incident_id")
    )


def incidents_visible_to(user: Actor) -> IncidentQuerySet[Incident]:
    """Managers: their jurisdiction's subtree; everyone: cases shared with them, cases in
    their grids, and cases they reported. One query, whatever the number of cases."""
    scope = scope_of(user)
    if not user.is_authenticated or scope.kind is ScopeKind.NONE:
        return Incident.objects.none()
    if scope.kind is ScopeKind.ALL:
        return Incident.objects.all()
    condition = Q(reporter=user) | shared_incident_ids(user) | assisted_incident_ids(user)
    roles = user_roles(user)
    jurisdiction = jurisdiction_of(user) if roles & MANAGER_ROLES else None
    if jurisdiction is not None:
        condition |= Q(grid__village__path__startswith=jurisdiction.path)
    if roles & GRID_ROLES:
        condition |= Q(grid__in=assigned_grids(user))
    return Incident.objects.filter(condition)


def incident_get_for_user(user: Actor, pk: int | str) -> Incident:
    try:
        return incidents_visible_to(user).get(pk=pk)
    except (Incident.DoesNotExist, ValueError, TypeError) as error:
        raise Http404 from error


def can_manage(user: Actor, incident: Incident) -> bool:
    """The owner of the case's rung, or anyone above it in whose jurisdiction it lies.

    At the grid rung the grid's leader owns it too.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if is_platform_admin(user) or _holds_over(user, MANAGER_ROLES, incident.handling_region.path):
        return True
    return incident.level == Level.GRID and user.has_perm("grids.lead_grid", incident.grid)


def can_handle(user: Actor, incident: Incident) -> bool:
    """The assignee: the person, or a handler of the department, it was dispatched to."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.has_perm("incidents.handle_incident", incident)


def can_verify(user: Actor, incident: Incident) -> bool:
    """The case's grid members check on the spot; its managers may too."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.has_perm("grids.patrol_grid", incident.grid) or can_manage(user, incident)


def can_report_in(user: Actor, grid: Grid) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if is_platform_admin(user) or user.has_perm("grids.patrol_grid", grid):
        return True
    return _holds_over(user, MANAGER_ROLES | {Role.HOTLINE_OPERATOR}, grid.village.path)


def can_take_hotline_calls(user: Actor) -> bool:
    """Hotline operators file the calls they take (and the hotline's system, through an
    account of that role, its work orders) within their jurisdiction."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_platform_admin(user):
        return True
    return Role.HOTLINE_OPERATOR in user_roles(user) and jurisdiction_of(user) is not None


def can_escalate(user: Actor, incident: Incident) -> bool:
    return can_manage(user, incident) or can_handle(user, incident) or can_verify(user, incident)


def can_evaluate(user: Actor, incident: Incident) -> bool:
    return user.is_authenticated and incident.reporter_id == user.pk


def can_reveal_reporter_phone(user: Actor, incident: Incident) -> bool:
    """The officials who own the case, its handlers and the town that calls back."""
    return (
        can_manage(user, incident) or can_handle(user, incident) or can_call_back(user, incident)
    )


def can_call_back(user: Actor, incident: Incident) -> bool:
    """Officials of the case's town (or above) call its reporter back."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_platform_admin(user) or _holds_over(user, SUSPEND_ROLES, incident.town.path)


# Roles that may suspend a case (挂账): the town and the levels above it.
SUSPEND_ROLES = frozenset({Role.TOWN_OFFICIAL, Role.COUNTY_OFFICIAL, Role.CITY_OFFICIAL})


def _holds_over(user: Actor, roles: frozenset[str], path: str) -> bool:
    """The user holds one of ``roles`` over the region at ``path`` (their jurisdiction is
    that region or one above it)."""
    return bool(user_roles(user) & roles) and jurisdiction_covers(user, path)


def can_return(user: Actor, incident: Incident) -> bool:
    """The unit that received the case sends it back when it is outside its competence."""
    return can_handle(user, incident)


def can_assist(user: Actor, incident: Incident) -> bool:
    """A handler of a department that assists the case (协办) and has not reported yet."""
    if not user.is_authenticated or not user.is_active:
        return False
    return AssistingUnit.objects.filter(
        incident=incident, department__handlers__user=user, status=AssistingUnit.Status.PENDING
    ).exists()


def can_request_extension(user: Actor, incident: Incident) -> bool:
    return can_handle(user, incident)


def can_decide_extension(user: Actor, incident: Incident) -> bool:
    """The official one rung up from the handler: staff who own the case's rung (not the
    grid leader, who is a handler's peer), and never the handler deciding their own."""
    if not user.is_authenticated or not user.is_active or can_handle(user, incident):
        return False
    return is_platform_admin(user) or _holds_over(
        user, MANAGER_ROLES, incident.handling_region.path
    )


def can_suspend(user: Actor, incident: Incident) -> bool:
    """Officials of the town or above: suspension takes a case out of the overdue counts."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_platform_admin(user) or _holds_over(
        user, SUSPEND_ROLES, incident.handling_region.path
    )


def can_reopen(user: Actor, incident: Incident) -> bool:
    return can_manage(user, incident)


def can_follow(user: Actor, incident: Incident) -> bool:
    """Following a case instead of reporting it again, for whom might have reported it:
    residents, a request of the public door (what the public suggestions offer); staff,
    a case they could have filed, or one in the town of a grid they patrol (a suggestion
    may come from the next grid). Never its reporter, who hears of it already."""
    if not user.is_authenticated or not user.is_active:
        return False
    if incident.reporter_id == user.pk:
        return False
    if not user_roles(user) - {Role.RESIDENT}:
        # What the public suggestions offer (incidents.publication): no internal category.
        return (
            incident.source in Incident.PUBLIC_SOURCES
            and incident.category.publication != Publication.INTERNAL
        )
    return (
        can_report_in(user, incident.grid)
        or assigned_grids(user).filter(village__parent_id=incident.town_id).exists()
    )


def can_edit_town_catalogue(user: Actor, region_path: str) -> bool:
    """A town's own catalogue (its departments and dispatch rules): platform administrators,
    and the town officials whose jurisdiction holds the region."""
    if is_platform_admin(user):
        return True
    return Role.TOWN_OFFICIAL in user_roles(user) and jurisdiction_covers(user, region_path)


def town_catalogue_visible_to(user: Actor, rows: QuerySet[_Row], path: str) -> QuerySet[_Row]:
    """Departments or dispatch rules of the towns under the user's jurisdiction (``path``
    names the region's path field); every town for platform administrators."""
    if is_platform_admin(user):
        return rows
    region = jurisdiction_of(user)
    if region is None:
        return rows.none()
    return rows.filter(**{f"{path}__startswith": region.path})


def departments_visible_to(user: Actor) -> QuerySet[Department]:
    """The departments a user works with: those under the jurisdiction and of the regions
    above it (a county's departments serve its towns); for grid members, those of their
    grids' towns and above; for handlers, their own departments too."""
    departments = Department.objects.select_related("region").defer("region__boundary")
    scope = scope_of(user)
    if scope.kind is ScopeKind.ALL:
        return departments
    if scope.kind is ScopeKind.NONE or not user.is_authenticated:
        return departments.none()
    condition = Q(handlers__in=user.groups.all())
    region = jurisdiction_of(user) if user_roles(user) & JURISDICTION_ROLES else None
    if region is not None:
        condition |= Q(region__path__startswith=region.path)
        condition |= Q(region__path__in=covering_paths(region.path))
    if user_roles(user) & GRID_ROLES:
        villages = assigned_grids(user).values_list("village__path", flat=True)
        paths = {path for village in villages for path in covering_paths(village)}
        condition |= Q(region__path__in=sorted(paths))
    return departments.filter(condition).distinct()


def suggestion_scope(user: Actor) -> Q | None:
    """The cases the staff's duplicate suggestions may offer: in the jurisdiction, or in
    the towns of the grids a member patrols (whose cases a member may follow, can_follow).
    None for anyone without a staff role."""
    roles = user_roles(user) - {Role.RESIDENT}
    if not roles:
        return None
    scope = scope_of(user)
    if scope.kind is ScopeKind.ALL:
        return Q()
    condition = Q(pk__in=[])
    region = jurisdiction_of(user) if roles & JURISDICTION_ROLES else None
    if region is not None:
        condition |= Q(grid__village__path__startswith=region.path)
    if roles & GRID_ROLES:
        condition |= Q(town_id__in=assigned_grids(user).values("village__parent_id"))
    return condition

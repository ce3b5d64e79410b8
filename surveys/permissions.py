"""The access funnel for surveys: who builds them, who reads their results, who answers.

- Builders are the managers of the ladder (village staff, town, county and city
  officials) and platform administrators. A manager builds, edits and reads surveys whose
  covered region lies inside their jurisdiction; templates are visible to every builder
  and edited by administrators only.
- Results: the same managers, and managers of a part of a survey's region, who read the
  responses of their part only (a village's staff see their village's answers to a town
  survey). Grid members, department handlers and residents never read results.
- Answering: residents for resident surveys (without an account when public), grid
  members assigned inside the survey's region for member surveys.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from core.roles import GRID_ROLES, Role, is_official, is_platform_admin, user_roles
from grids.jurisdiction import jurisdiction_of
from grids.models import Grid, Region, covering_paths
from grids.permissions import assigned_grids
from members.actors import Actor
from members.models import Resident
from surveys.models import Response, Survey


def _managed_path(user: Actor) -> str | None:
    """The path of the region an official answers for; None for anyone else."""
    region = jurisdiction_of(user) if is_official(user) else None
    return region.path if region is not None else None


def is_survey_manager(user: Actor) -> bool:
    """May open the surveys pages at all."""
    return is_platform_admin(user) or _managed_path(user) is not None


def surveys_visible_to(user: Actor) -> QuerySet[Survey]:
    """Surveys a manager may open: their subtree's, those covering their jurisdiction
    (results of their part only), and the templates."""
    if is_platform_admin(user):
        return Survey.objects.all()
    path = _managed_path(user)
    if path is None:
        return Survey.objects.none()
    return Survey.objects.filter(
        Q(is_template=True)
        | Q(region__path__startswith=path)
        | Q(region__path__in=covering_paths(path))
    )


def survey_get_for_user(user: Actor, pk: int | str) -> Survey:
    try:
        return surveys_visible_to(user).select_related("region").get(pk=pk)
    except (Survey.DoesNotExist, ValueError, TypeError) as error:
        raise Http404 from error


def can_edit(user: Actor, survey: Survey) -> bool:
    """Templates: administrators. Surveys: managers whose jurisdiction holds the region."""
    if is_platform_admin(user):
        return True
    path = _managed_path(user)
    if survey.is_template or survey.region is None or path is None:
        return False
    return survey.region.path.startswith(path)


def can_create_in(user: Actor, region: Region) -> bool:
    if is_platform_admin(user):
        return True
    path = _managed_path(user)
    return path is not None and region.path.startswith(path)


@dataclass(frozen=True)
class ResultsScope:
    """Which responses a reader sees: all of the survey's, or those attributed under
    ``path`` (a region path); ``path`` is also the area whose grids and cases count."""

    path: str
    whole: bool

    def responses(self, prefix: str = "") -> Q:
        if self.whole:
            return Q()
        return Q(**{f"{prefix}village__path__startswith": self.path})


def results_scope(user: Actor, survey: Survey) -> ResultsScope | None:
    """The responses the user may read, or None when no results at all.

    The whole survey for managers above its region; the responses from their own part
    of it (by the village the response is attributed to) for managers below.
    """
    if survey.is_template or survey.region is None or not is_survey_manager(user):
        return None
    if can_edit(user, survey):
        return ResultsScope(path=survey.region.path, whole=True)
    path = _managed_path(user)
    if path is not None and path.startswith(survey.region.path):
        return ResultsScope(path=path, whole=False)
    return None


def member_grids_in(user: Actor, survey: Survey) -> QuerySet[Grid]:
    """The grids inside the survey's region that a grid member is assigned to."""
    if not survey.for_members or survey.region is None or not user_roles(user) & GRID_ROLES:
        return Grid.objects.none()
    return assigned_grids(user).filter(village__path__startswith=survey.region.path)


def answerer_grid(user: Actor, survey: Survey, role: str) -> Grid | None:
    """The grid an answer without a grid in its link is attributed to: the member's grid in
    the survey's region, or the resident's home grid when it lies there; else none."""
    if not user.is_authenticated or survey.region is None:
        return None
    if role == Response.Role.MEMBER:
        return member_grids_in(user, survey).order_by("code").first()
    resident = (
        Resident.objects.filter(user=user).select_related("household__grid__village").first()
    )
    if resident and resident.household.grid.village.path.startswith(survey.region.path):
        return resident.household.grid
    return None


def answering_role(user: Actor, survey: Survey) -> str | None:
    """'resident' or 'member' when the user may answer the survey; None otherwise.

    Anyone without an account answers a public survey as a resident. Whether the survey
    is open is a separate question (``Survey.state``).
    """
    if survey.is_template or survey.region_id is None:
        return None
    if not user.is_authenticated:
        return Response.Role.RESIDENT if survey.is_public else None
    if not user.is_active:
        return None
    roles = user_roles(user)
    if survey.for_members and roles & GRID_ROLES and member_grids_in(user, survey).exists():
        return Response.Role.MEMBER
    if survey.for_residents and (Role.RESIDENT in roles or survey.is_public):
        return Response.Role.RESIDENT
    return None

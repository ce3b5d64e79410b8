"""The re-division advisor's writes: propose a split of an overloaded grid, accept it,
discard it (the rule: members.redivision; the geometry: grids.splitting).

A proposal changes nothing on the map. Accepting it:
1. ends the old grid's open assignments and retires the grid (kept, inactive, so that its
   cases and patrols keep pointing at it and its history reads as it was);
2. creates the two halves through grids.services.grid_save, which checks each boundary
   against the village and every active neighbour;
3. moves each household of the register to the half it lies in (those without a location
   to whichever half has fewer, in code order) and sets the halves' counters from it;
4. assigns each member where the official placed them (first half, second half, both or
   neither), a leader staying a leader.
The proposal row is locked first: two officials accepting at once make one split.
"""

import datetime
from collections.abc import Mapping

from django.contrib.gis.geos import MultiPolygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Grid
from grids.services import grid_save
from grids.splitting import VERTICAL, next_grid_codes, on_first_side, split_grid
from grids.validation import metric_area, validate_grid
from members.models import GridAssignment, GridSplitProposal, Household, Resident, User
from members.permissions import grids_redivided_by
from members.redivision import OVERLOAD_FACTOR, is_overloaded, town_median_households
from members.services import grid_assign_member, grid_unassign_member
from members.signals import grid_split

FIRST, SECOND, BOTH, NEITHER = "first", "second", "both", "neither"
PLACEMENTS = (FIRST, SECOND, BOTH, NEITHER)
# Halves that differ from the grid by more than this (m²) were cut from an older boundary.
STALE_TOLERANCE_M2 = 1.0


def _check_actor(actor: User, grid: Grid) -> None:
    if not grids_redivided_by(actor).filter(pk=grid.pk).exists():
        raise PermissionDenied(_("You may not re-divide this grid."))


def _half_names(grid: Grid, axis: str) -> tuple[str, str]:
    if axis == VERTICAL:
        return (
            _("%(name)s (west)") % {"name": grid.name},
            _("%(name)s (east)") % {"name": grid.name},
        )
    return (
        _("%(name)s (north)") % {"name": grid.name},
        _("%(name)s (south)") % {"name": grid.name},
    )


def _validate_half(grid: Grid, *, code: str, name: str, boundary: MultiPolygon) -> None:
    half = Grid(
        code=code, name=name[:100], kind=grid.kind, village=grid.village, boundary=boundary
    )
    try:
        validate_grid(half, replacing=grid)
    except ValidationError as error:
        raise ValidationError(
            _("The half %(code)s would not be a valid grid: %(problems)s")
            % {"code": code, "problems": " ".join(error.messages)}
        ) from error


@transaction.atomic
def split_propose(*, actor: User, grid: Grid) -> GridSplitProposal:
    """The open proposal to split ``grid`` in two: the one already open, or a new one when
    the grid is overloaded and a balanced line gives two valid halves."""
    _check_actor(actor, grid)
    # One proposal per grid even when two officials click at once.
    grid = Grid.objects.select_for_update().select_related("village").get(pk=grid.pk)
    existing = grid.split_proposals.filter(status=GridSplitProposal.Status.PROPOSED).first()
    if existing is not None and not split_is_stale(existing, grid):
        return existing
    if existing is not None:  # the grid's boundary changed since: that cut no longer fits
        existing.status = GridSplitProposal.Status.DISCARDED
        existing.decided_by, existing.decided_at = actor, timezone.now()
        existing.save(update_fields=["status", "decided_by", "decided_at"])
    if not grid.is_active:
        raise ValidationError(_("This grid is no longer in use."))
    median = town_median_households(grid)
    if not is_overloaded(grid.households, median):
        raise ValidationError(
            _(
                "Only an overloaded grid gets a proposed split: %(households)d households "
                "against %(factor)s × the town's median of %(median)s."
            )
            % {"households": grid.households, "factor": OVERLOAD_FACTOR, "median": median}
        )
    located = Household.objects.filter(grid=grid, location__isnull=False)
    points = [
        (point.x, point.y)
        for point in located.values_list("location", flat=True)
        if point is not None
    ]
    split = split_grid(grid.boundary, points)
    if split is None:
        raise ValidationError(_("No straight line cuts this grid into two parts."))
    taken = [
        *Grid.objects.filter(village=grid.village).values_list("code", flat=True),
        *GridSplitProposal.objects.filter(
            grid__village=grid.village, status=GridSplitProposal.Status.PROPOSED
        ).values_list("first_code", "second_code"),
    ]
    codes = next_grid_codes(grid.village.code, _flatten(taken))
    if not codes:
        raise ValidationError(_("The village has no grid numbers left (at most 999)."))
    names = _half_names(grid, split.axis)
    for code, name, boundary in zip(codes, names, (split.first, split.second), strict=True):
        _validate_half(grid, code=code, name=name, boundary=boundary)
    return GridSplitProposal.objects.create(
        grid=grid,
        axis=split.axis,
        cut_at=split.cut_at,
        first_boundary=split.first,
        second_boundary=split.second,
        first_code=codes[0],
        second_code=codes[1],
        first_name=names[0][:100],
        second_name=names[1][:100],
        first_households=split.first_points,
        second_households=split.second_points,
        unlocated_households=Household.objects.filter(grid=grid, location__isnull=True).count(),
        town_median=median,
        proposed_by=actor,
        proposed_at=timezone.now(),
    )


def split_is_stale(proposal: GridSplitProposal, grid: Grid) -> bool:
    """Whether the two halves no longer make up the grid (its boundary was redrawn)."""
    halves = proposal.first_boundary.union(proposal.second_boundary)
    return metric_area(halves.sym_difference(grid.boundary)) > STALE_TOLERANCE_M2


def _flatten(codes: list) -> list[str]:
    return [code for item in codes for code in (item if isinstance(item, tuple) else (item,))]


def _locked_open(proposal: GridSplitProposal, actor: User) -> GridSplitProposal:
    proposal = GridSplitProposal.objects.select_for_update().get(pk=proposal.pk)
    _check_actor(actor, proposal.grid)
    if not proposal.is_open:
        raise ValidationError(
            _("This proposal has already been decided (%(status)s).")
            % {"status": proposal.get_status_display()}
        )
    return proposal


def split_open_assignments(grid: Grid, today: datetime.date) -> list[GridAssignment]:
    """The assignments an accepted split ends: those open today or later, members first by
    name. The accept form asks where each of these members goes."""
    return list(
        GridAssignment.objects.filter(grid=grid)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today))
        .select_related("member__user")
        .order_by("-is_leader", "member__user__username")
    )


def _check_placements(
    assignments: list[GridAssignment], placements: Mapping[int, str]
) -> dict[int, str]:
    missing = [a for a in assignments if placements.get(a.member_id) not in PLACEMENTS]
    if missing:
        raise ValidationError(
            _("Choose where each member of the grid goes: %(names)s.")
            % {"names": "、".join(str(a.member) for a in missing)}
        )
    chosen = {a.member_id: placements[a.member_id] for a in assignments}
    inactive = [
        a for a in assignments if not a.member.is_active and chosen[a.member_id] != NEITHER
    ]
    if inactive:
        raise ValidationError(
            _("An inactive member cannot be assigned to a new grid: %(names)s.")
            % {"names": "、".join(str(a.member) for a in inactive)}
        )
    return chosen


def _household_sides(proposal: GridSplitProposal, grid: Grid) -> tuple[list[int], list[int]]:
    """The households of each half: by location, then the unlocated to the smaller half."""
    first: list[int] = []
    second: list[int] = []
    unlocated: list[int] = []
    rows = Household.objects.filter(grid=grid).order_by("code").values_list("pk", "location")
    for pk, location in rows:
        if location is None:
            unlocated.append(pk)
        elif on_first_side(proposal.axis, proposal.cut_at, location.x, location.y):
            first.append(pk)
        else:
            second.append(pk)
    for pk in unlocated:
        (first if len(first) <= len(second) else second).append(pk)
    return first, second


def _counters(grid: Grid, first: list[int], second: list[int]) -> list[tuple[int, int]]:
    """Households and residents of each half; an empty register halves the counters."""
    if not first and not second:
        return [
            ((grid.households + 1) // 2, (grid.population + 1) // 2),
            (grid.households // 2, grid.population // 2),
        ]
    residents = dict(
        Resident.objects.filter(household_id__in=first + second)
        .values("household_id")
        .annotate(count=Count("pk"))
        .values_list("household_id", "count")
    )
    return [(len(side), sum(residents.get(pk, 0) for pk in side)) for side in (first, second)]


@transaction.atomic
def split_accept(
    *,
    actor: User,
    proposal: GridSplitProposal,
    placements: Mapping[int, str],
) -> GridSplitProposal:
    """Apply the proposal (the steps are in the module's docstring). ``placements`` maps
    each member of the grid (GridMember id) to FIRST, SECOND, BOTH or NEITHER."""
    proposal = _locked_open(proposal, actor)
    grid = Grid.objects.select_for_update().select_related("village").get(pk=proposal.grid_id)
    if not grid.is_active:
        raise ValidationError(_("This grid is no longer in use."))
    if split_is_stale(proposal, grid):
        raise ValidationError(
            _("The grid's boundary has changed since the proposal: discard it and propose again.")
        )
    if Grid.objects.filter(code__in=[proposal.first_code, proposal.second_code]).exists():
        raise ValidationError(
            _("A grid with one of the proposed codes exists: discard and propose again.")
        )
    today = timezone.localdate()
    assignments = split_open_assignments(grid, today)
    chosen = _check_placements(assignments, placements)
    first_households, second_households = _household_sides(proposal, grid)
    counters = _counters(grid, first_households, second_households)
    for assignment in assignments:
        grid_unassign_member(assignment=assignment, ends_on=max(today, assignment.starts_on))
    grid_save(
        code=grid.code,
        name=grid.name,
        kind=grid.kind,
        village=grid.village,
        boundary=grid.boundary,
        households=grid.households,
        population=grid.population,
        is_active=False,
    )
    halves = [
        grid_save(
            code=code,
            name=name,
            kind=grid.kind,
            village=grid.village,
            boundary=boundary,
            households=households,
            population=population,
        )
        for code, name, boundary, (households, population) in zip(
            (proposal.first_code, proposal.second_code),
            (proposal.first_name, proposal.second_name),
            (proposal.first_boundary, proposal.second_boundary),
            counters,
            strict=True,
        )
    ]
    Household.objects.filter(pk__in=first_households).update(grid=halves[0])
    Household.objects.filter(pk__in=second_households).update(grid=halves[1])
    for assignment in assignments:
        placement = chosen[assignment.member_id]
        targets = {FIRST: halves[:1], SECOND: halves[1:], BOTH: halves}.get(placement, [])
        for half in targets:
            grid_assign_member(member=assignment.member, grid=half, is_leader=assignment.is_leader)
    # The apps above hand over what lives on the old grid (incidents: its open cases).
    grid_split.send(sender=GridSplitProposal, old=grid, halves=halves)
    proposal.status = GridSplitProposal.Status.ACCEPTED
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    proposal.first_grid, proposal.second_grid = halves
    proposal.save(
        update_fields=["status", "decided_by", "decided_at", "first_grid", "second_grid"]
    )
    return proposal


@transaction.atomic
def split_discard(*, actor: User, proposal: GridSplitProposal) -> GridSplitProposal:
    """Set the proposal aside; the grid stays as it is and may be proposed again."""
    proposal = _locked_open(proposal, actor)
    proposal.status = GridSplitProposal.Status.DISCARDED
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return proposal

"""The re-division advisor's pages: propose a split of an overloaded grid (from the
dashboard's workload page), see the proposal on the map, accept or discard it."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from grids.models import Grid, Region
from grids.selectors import grids_feature_collection, villages_feature_collection
from members.models import GridSplitProposal
from members.permissions import grids_redivided_by, split_proposals_visible_to
from members.redivision import OVERLOAD_FACTOR
from members.redivision_forms import SplitAcceptForm
from members.services.redivision import (
    split_accept,
    split_discard,
    split_is_stale,
    split_open_assignments,
    split_propose,
)


def _proposal_for(request, pk: int) -> GridSplitProposal:
    try:
        return split_proposals_visible_to(request.user).select_related("grid__village").get(pk=pk)
    except GridSplitProposal.DoesNotExist as error:
        raise Http404 from error


def _feature(geometry, **properties) -> dict:
    return {"type": "Feature", "geometry": _geojson(geometry), "properties": properties}


def _geojson(geometry) -> dict:
    return json.loads(geometry.json)


def _map_data(proposal: GridSplitProposal) -> dict:
    grid = proposal.grid
    # The grids around it, which the halves must not overlap (not the halves themselves,
    # once accepted).
    drawn = [pk for pk in (grid.pk, proposal.first_grid_id, proposal.second_grid_id) if pk]
    neighbours = grids_feature_collection(
        Grid.objects.active().filter(boundary__intersects=grid.boundary).exclude(pk__in=drawn),
        {"name": "name", "code": "code"},
    )
    halves = {
        "type": "FeatureCollection",
        "features": [
            _feature(
                proposal.first_boundary,
                side="first",
                code=proposal.first_code,
                name=proposal.first_name,
                households=proposal.first_households,
            ),
            _feature(
                proposal.second_boundary,
                side="second",
                code=proposal.second_code,
                name=proposal.second_name,
                households=proposal.second_households,
            ),
        ],
    }
    data = {
        "grid": _feature(grid.boundary, code=grid.code, name=grid.name),
        "halves": halves,
        "neighbours": neighbours,
    }
    if settings.MAP_BASE == "none":
        data["villages"] = villages_feature_collection(Region.objects.filter(pk=grid.village_id))
    return data


def _render(request, proposal: GridSplitProposal, form=None, status: int = 200):
    assignments = split_open_assignments(proposal.grid, timezone.localdate())
    if form is None and proposal.is_open:
        form = SplitAcceptForm(proposal=proposal, assignments=assignments)
    context = {
        "proposal": proposal,
        "form": form,
        "assignments": assignments,
        "map_data": _map_data(proposal),
        "stale": proposal.is_open and split_is_stale(proposal, proposal.grid),
        # Without tiles the village's outline and name are the map's streets.
        "villages_geojson": villages_feature_collection(
            Region.objects.filter(pk=proposal.grid.village_id)
        )
        if settings.MAP_BASE == "none"
        else None,
        "factor": OVERLOAD_FACTOR,
        "load": proposal.grid.households / proposal.town_median if proposal.town_median else None,
    }
    return render(request, "members/split.html", context, status=status)


@require_POST
@login_required
def split_propose_view(request, grid_pk):
    try:
        grid = grids_redivided_by(request.user).active().get(pk=grid_pk)
    except Grid.DoesNotExist as error:
        raise Http404 from error
    try:
        proposal = split_propose(actor=request.user, grid=grid)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("dashboard:workload")
    return redirect(proposal)


@require_GET
@never_cache
@login_required
def split_detail(request, pk):
    return _render(request, _proposal_for(request, pk))


@require_POST
@login_required
def split_accept_view(request, pk):
    proposal = _proposal_for(request, pk)
    if not proposal.is_open:
        messages.error(request, _("This proposal has already been decided."))
        return redirect(proposal)
    assignments = split_open_assignments(proposal.grid, timezone.localdate())
    form = SplitAcceptForm(request.POST, proposal=proposal, assignments=assignments)
    if not form.is_valid():
        return _render(request, proposal, form, status=400)
    try:
        proposal = split_accept(
            actor=request.user, proposal=proposal, placements=form.placements()
        )
    except ValidationError as error:
        form.add_error(None, error.messages)
        return _render(request, proposal, form, status=400)
    messages.success(
        request,
        _("The grid is split into %(first)s and %(second)s.")
        % {"first": proposal.first_code, "second": proposal.second_code},
    )
    return redirect(proposal)


@require_POST
@login_required
def split_discard_view(request, pk):
    proposal = _proposal_for(request, pk)
    try:
        split_discard(actor=request.user, proposal=proposal)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(proposal)
    messages.success(request, _("The proposed split is discarded; the grid stays as it is."))
    return redirect("dashboard:workload")

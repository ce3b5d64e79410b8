"""Patrol pages: start, route points, notes and findings, stop.

Every form works without JavaScript; static/js/patrol.js and the outbox post the same
forms with an ``X-Outbox`` header and get JSON back (members.outbox).
"""

import json
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.forms import add_service_errors
from grids.selectors import grids_feature_collection
from members import outbox, selectors
from members.models import PatrolLog, User
from members.services import patrols
from members.workspace_forms import PatrolNoteForm, PatrolStartForm, PatrolStopForm, PointsForm
from members.workspace_views import grid_member_required

PATROL_PAGE = "members:patrol"


def _own_patrol(user: User, client_key: uuid.UUID) -> PatrolLog:
    try:
        return selectors.patrol_get_own(user, client_key)
    except PatrolLog.DoesNotExist as error:
        raise Http404 from error


def _start_form(request, data=None) -> PatrolStartForm:
    grids = selectors.member_grids(request.user)
    # Its own ids: the running patrol's notes form shares the page and the field names.
    form = PatrolStartForm(data, grids=grids, auto_id="id_start_%s")
    choices = list(grids)
    if data is None and len(choices) == 1:
        form.initial["grid"] = choices[0].pk
    return form


def _render_page(request, *, start_form=None, note_form=None, status=200):
    patrol = selectors.patrol_running_for(request.user)
    if note_form is None:
        # Also without a running patrol: the page shows it when one starts offline.
        initial = {"notes": patrol.notes, "findings": patrol.findings} if patrol else {}
        note_form = PatrolStopForm(initial=initial)
    context = {
        "patrol": patrol,
        "route": json.loads(patrol.route.geojson) if patrol and patrol.route else None,
        # The member's grids beside the route: where the patrol should go.
        "grids_geojson": grids_feature_collection(
            selectors.member_grids(request.user), {"name": "name"}
        ),
        "start_form": start_form or _start_form(request),
        "note_form": note_form,
        "recent": selectors.patrols_recent_for(request.user),
    }
    return render(request, "members/workspace/patrol.html", context, status=status)


def _refused(request, form, error, *, page_kwargs):
    """A refused step: errors beside the fields (page) or as JSON (outbox)."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or _("You may not do this."))
    else:
        add_service_errors(form, error)
    if outbox.is_outbox(request):
        return outbox.refused(
            form.errors, status=403 if isinstance(error, PermissionDenied) else 400
        )
    return _render_page(request, status=400, **{page_kwargs: form})


def _invalid(request, form, *, page_kwargs):
    if outbox.is_outbox(request):
        return outbox.refused(form.errors)
    return _render_page(request, status=400, **{page_kwargs: form})


@require_GET
@grid_member_required
def patrol_page(request):
    return _render_page(request)


@require_POST
@grid_member_required
def patrol_start(request):
    form = _start_form(request, request.POST)
    if not form.is_valid():
        return _invalid(request, form, page_kwargs="start_form")
    data = form.cleaned_data
    try:
        patrol = patrols.patrol_start(
            actor=request.user,
            grid=data["grid"],
            client_key=data["client_key"],
            notes=data["notes"],
            started_at=data["started_at"],
        )
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, form, error, page_kwargs="start_form")
    if outbox.is_outbox(request):
        return outbox.done(reverse(PATROL_PAGE), client_key=str(patrol.client_key))
    messages.success(request, _("Patrol started in %(grid)s.") % {"grid": patrol.grid.name})
    return redirect(PATROL_PAGE)


@require_POST
@grid_member_required
def patrol_points(request, client_key):
    """A batch of route points as JSON; always answers JSON (only scripts post here)."""
    patrol = _own_patrol(request.user, client_key)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return outbox.refused({"__all__": [_("The body is not JSON.")]})
    form = PointsForm(body if isinstance(body, dict) else {})
    if not form.is_valid():
        return outbox.refused(form.errors)
    try:
        patrol = patrols.patrol_add_points(
            actor=request.user,
            patrol=patrol,
            points=form.cleaned_data["points"],
            first_index=form.cleaned_data["first_index"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return outbox.refused(form.errors)
    except PermissionDenied as error:
        return outbox.refused({"__all__": [str(error)]}, status=403)
    stored = patrol.route.num_points if patrol.route else 0
    return outbox.done(reverse(PATROL_PAGE), stored=stored)


@require_POST
@grid_member_required
def patrol_note(request, client_key):
    patrol = _own_patrol(request.user, client_key)
    form = PatrolNoteForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, page_kwargs="note_form")
    try:
        patrols.patrol_note(actor=request.user, patrol=patrol, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, form, error, page_kwargs="note_form")
    if outbox.is_outbox(request):
        return outbox.done(reverse(PATROL_PAGE))
    messages.success(request, _("Notes saved."))
    return redirect(PATROL_PAGE)


@require_POST
@grid_member_required
def patrol_stop(request, client_key):
    patrol = _own_patrol(request.user, client_key)
    form = PatrolStopForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, page_kwargs="note_form")
    try:
        patrol = patrols.patrol_stop(actor=request.user, patrol=patrol, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, form, error, page_kwargs="note_form")
    summary = reverse("members:patrol_summary", args=[patrol.client_key])
    if outbox.is_outbox(request):
        return outbox.done(summary, _("Patrol ended and saved."))
    messages.success(request, _("Patrol ended and saved."))
    return redirect(summary)


@require_GET
@grid_member_required
def patrol_summary(request, client_key):
    """After a patrol: when, how long, how far, what was found and the cases it produced."""
    try:
        patrol = selectors.patrol_summary(request.user, client_key)
    except PatrolLog.DoesNotExist as error:
        raise Http404 from error
    duration = patrol.ended_at - patrol.started_at if patrol.ended_at else None
    context = {
        "patrol": patrol,
        "minutes": int(duration.total_seconds() // 60) if duration else None,
        "metres": int(patrol.distance.m) if patrol.distance is not None else None,
    }
    return render(request, "members/workspace/patrol_summary.html", context)

"""The officials' door: the case queue, its exports, the case page and its steps.

A step posted from the case page is validated by its form and taken by the same step
function as the API's (incidents.services.steps).
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core import keyset
from core.forms import add_service_errors
from core.roles import is_official
from incidents import exports, permissions, selectors
from incidents.filters import IncidentQueueFilter
from incidents.forms.handling import BulkForm
from incidents.forms.staff import ACTION_FORMS, ActionForm, CallBackForm
from incidents.models import Attachment, Incident
from incidents.services.callbacks import callback_close as callback_close_service
from incidents.services.errors import IncidentActionRefused
from incidents.services.privacy import incident_reveal_reporter_phone
from incidents.services.steps import STEPS
from incidents.views.photos import photo_response
from members.actors import Actor
from members.forms import PhoneRevealForm
from members.notifications import notifications_mark_read

PAGE_SIZE = 50
VIEW_INCIDENTS = "incidents.view_incident"


def _queue_filter(request) -> tuple[IncidentQueueFilter, object]:
    filterset = IncidentQueueFilter(
        request.GET,
        queryset=selectors.incident_queue(request.user, timezone.now()),
        request=request,
    )
    incidents = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    return filterset, incidents


@require_GET
@login_required
@permission_required(VIEW_INCIDENTS, raise_exception=True)
def queue(request):
    """Pages by keyset cursor (core.keyset); the counts per status, bounded at
    selectors.STATUS_COUNT_CAP each, only on the first page."""
    filterset, incidents = _queue_filter(request)
    ordering = filterset.ordering()
    try:
        page = keyset.paginate(
            incidents, ordering, cursor=request.GET.get("cursor"), size=PAGE_SIZE
        )
    except keyset.InvalidCursor:
        page = keyset.paginate(incidents, ordering, cursor=None, size=PAGE_SIZE)
    status_counts = (
        selectors.incident_status_counts(incidents, statuses=filterset.statuses())
        if page.is_first
        else None
    )
    cap = selectors.STATUS_COUNT_CAP
    context = {
        "filter": filterset,
        "page": page,
        "callbacks": selectors.callbacks_open_for(request.user),
        "status_counts": status_counts,
        "status_count_cap": cap,
        # Past the cap a status counts as the cap, and the total reads "N+".
        "total": sum(min(count, cap) for _v, _l, count in status_counts)
        if status_counts
        else None,
        "total_capped": bool(status_counts) and any(c > cap for _v, _l, c in status_counts),
        "bulk_form": BulkForm(departments=selectors.bulk_departments(request.user))
        if is_official(request.user)
        else None,
    }
    # A filter changed with htmx: only the queue travels (a phone on a weak signal).
    # Going back through htmx's history asks for the whole page again.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "incidents/_queue.html" if partial else "incidents/queue.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@never_cache
@login_required
@permission_required(VIEW_INCIDENTS, raise_exception=True)
def queue_export(request, file_format: str):
    """The filtered queue as a file; phones only masked, cells safe from formulas."""
    _filterset, incidents = _queue_filter(request)
    if file_format == "xlsx":
        return exports.queue_xlsx_response(incidents)
    return exports.queue_csv_response(incidents)


def _case(user: Actor, pk: int) -> Incident:
    """The access funnel (as incident_get_for_user), with the labels the page shows."""
    return get_object_or_404(selectors.incidents_for_case_page(user), pk=pk)


def _map_data(incident: Incident) -> dict | None:
    if incident.location is None:
        return None
    return {
        "point": [incident.location.x, incident.location.y],
        "boundary": json.loads(incident.grid.boundary.geojson),
    }


def _action_forms(
    request, incident: Incident, bound: ActionForm | None, *, pending: bool
) -> list[ActionForm]:
    available = selectors.incident_available_actions(request.user, incident, pending=pending)
    forms = [
        bound
        if bound is not None and bound.action == action
        else ACTION_FORMS[action](incident=incident, user=request.user)
        for action in available
    ]
    if bound is not None and bound.action not in available:
        forms.append(bound)
    return forms


def _render_case(
    request,
    incident: Incident,
    *,
    bound: ActionForm | None = None,
    callback_form: CallBackForm | None = None,
    extra: dict | None = None,
    status=200,
):
    now = timezone.now()
    extension = (
        selectors.incident_pending_extension(incident)
        if incident.status in Incident.HANDLING_STATUSES
        else None
    )
    arbitration = (
        selectors.incident_pending_arbitration(incident)
        if incident.status in Incident.HANDLING_STATUSES
        else None
    )
    context = {
        "incident": incident,
        "is_overdue": incident.is_open
        and incident.deadline is not None
        and incident.deadline < now,
        "light": incident.light_at(now),
        "events": list(
            incident.events.select_related("actor", "reason", "department").order_by(
                "created_at", "pk"
            )
        ),
        "pending_extension": extension,
        "pending_arbitration": arbitration,
        "attachments": list(incident.attachments.order_by("created_at", "pk")),
        "action_forms": _action_forms(request, incident, bound, pending=extension is not None),
        "map_data": _map_data(incident),
        "callback": selectors.callback_of(incident),
        "can_reveal_phone": bool(incident.reporter_phone_masked)
        and permissions.can_reveal_reporter_phone(request.user, incident),
        **(extra or {}),
        "callback_form": callback_form
        or (CallBackForm() if permissions.can_call_back(request.user, incident) else None),
    }
    return render(request, "incidents/detail.html", context, status=status)


@require_GET
@login_required
@permission_required(VIEW_INCIDENTS, raise_exception=True)
def supervision_register(request):
    """督办台账: the running supervisions of the cases the official sees, overdue first."""
    supervisions = selectors.supervision_register(request.user, timezone.now())
    page = Paginator(supervisions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "incidents/supervision_register.html", {"page": page})


@require_GET
@login_required
def detail(request, pk):
    response = _render_case(request, _case(request.user, pk))
    # Opening the case reads the notifications that point to it.
    notifications_mark_read(user=request.user, url=request.path)
    return response


@require_GET
@login_required
def by_code(request, code):
    """A case by its number (the numbers a digest lists), through the access funnel."""
    cases = permissions.incidents_visible_to(request.user).values_list("pk", flat=True)
    pk = get_object_or_404(cases, code=code)
    return redirect("incidents:detail", pk=pk)


@require_GET
@login_required
def photo(request, pk, attachment_id):
    """Case photos are not public media: served only to those who can see the case."""
    incident = _case(request.user, pk)
    attachment = get_object_or_404(Attachment.objects.filter(incident=incident), pk=attachment_id)
    return photo_response(attachment)


SUCCESS = {
    "accept": _("The case was accepted."),
    "reject": _("The case was rejected."),
    "dispatch": _("The case was dispatched."),
    "start": _("Handling has started."),
    "handle": _("The case was reported as handled."),
    "verify": _("The check was recorded."),
    "escalate": _("The case was escalated."),
    "supervise": _("Supervision was changed."),
    "merge": _("The case was merged."),
    "return": _("The case was returned to the dispatcher."),
    "assist_report": _("Your part was reported to the lead unit."),
    "extend": _("The extension was asked for."),
    "extend_decide": _("The decision on the extension was recorded."),
    "arbitrate": _("The arbitration was recorded."),
    "suspend": _("The case was suspended."),
    "resume": _("The case is back from suspension."),
    "reopen": _("The case was reopened."),
}

# Services name some fields differently from the forms.
SERVICE_FIELDS = {"image": "photo", "kind": "photo"}


@require_POST
@login_required
def action(request, pk, action):
    """One door for every step: validate, let the service decide, and say what happened."""
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    incident = _case(request.user, pk)
    if not selectors.incident_action_permitted(request.user, incident, action):
        raise PermissionDenied
    form = form_class(request.POST, request.FILES, incident=incident, user=request.user)
    if not form.is_valid():
        return _render_case(request, incident, bound=form, status=400)
    try:
        STEPS[action](request.user, incident, form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error, SERVICE_FIELDS)
        return _render_case(request, incident, bound=form, status=400)
    except IncidentActionRefused as refusal:
        messages.error(request, refusal.message)
        return _render_case(request, _case(request.user, pk), status=409)
    messages.success(request, str(SUCCESS[action]))
    return redirect("incidents:detail", pk=incident.pk)


@require_POST
@login_required
def callback_close(request, pk):
    """Record the call-back (回访) a dissatisfied rating opened."""
    incident = _case(request.user, pk)
    callback = selectors.callback_of(incident)
    if callback is None or not permissions.can_call_back(request.user, incident):
        raise PermissionDenied
    form = CallBackForm(request.POST)
    if not form.is_valid():
        return _render_case(request, incident, callback_form=form, status=400)
    try:
        callback_close_service(
            actor=request.user, callback=callback, outcome=form.cleaned_data["outcome"]
        )
    except ValidationError as error:
        add_service_errors(form, error, {})
        return _render_case(request, incident, callback_form=form, status=400)
    except IncidentActionRefused as refusal:
        messages.error(request, refusal.message)
        return _render_case(request, incident, status=409)
    messages.success(request, str(_("The call-back was recorded.")))
    return redirect("incidents:detail", pk=incident.pk)


@never_cache
@require_POST
@login_required
def reporter_phone(request, pk):
    """The reporter's phone, to call them: with a reason, recorded in the access log."""
    incident = _case(request.user, pk)
    if not permissions.can_reveal_reporter_phone(request.user, incident):
        raise PermissionDenied
    form = PhoneRevealForm(request.POST)
    if not form.is_valid():
        return _render_case(request, incident, extra={"phone_form": form}, status=400)
    try:
        phone = incident_reveal_reporter_phone(
            actor=request.user,
            incident=incident,
            reason=form.cleaned_data["reason"],
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )
    except ValidationError as error:
        add_service_errors(form, error, {})
        return _render_case(request, incident, extra={"phone_form": form}, status=400)
    return _render_case(request, incident, extra={"revealed_phone": phone})

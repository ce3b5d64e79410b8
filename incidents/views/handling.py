"""Officials' pages for one case per fact and bulk work: duplicate suggestions while
reporting, joining a case instead of filing it again, and bulk actions from the queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.ratelimit import Limit, limit_hit
from core.roles import is_official
from incidents import exports, selectors
from incidents.forms.handling import BulkForm
from incidents.models import Incident
from incidents.permissions import suggestion_scope
from incidents.services.dispatch_rules import incident_accept_and_dispatch
from incidents.services.errors import IncidentActionRefused, refusal_message
from incidents.services.followers import incident_follow
from incidents.services.transitions import incident_dispatch, incident_supervise
from incidents.views.suggestions import render_suggestions
from members.models import User

VIEW_INCIDENTS = "incidents.view_incident"
SUGGESTIONS_PER_USER = Limit("staff-suggest-user", 600, 3600)
REFUSALS = (ValidationError, PermissionDenied, IncidentActionRefused)


@require_GET
@login_required
@permission_required("incidents.add_incident", raise_exception=True)
def suggest(request):
    """Staff only (residents have the public door's), within their reach, and limited per
    account: a form asks as its reporter types, nobody reads the whole town through it."""
    within = suggestion_scope(request.user)
    if within is None:
        raise PermissionDenied
    if not limit_hit(SUGGESTIONS_PER_USER, str(request.user.pk)):
        return HttpResponse(status=429)
    return render_suggestions(request, "incidents/_suggestions.html", staff=True, within=within)


@require_POST
@login_required
@permission_required("incidents.add_incident", raise_exception=True)
def join(request, pk):
    """Follow a suggested case instead of reporting it again. A suggestion may show a
    case of a neighbouring grid that the reporter cannot open, so this looks the case up
    among all cases; following reveals nothing but the notifications' titles."""
    incident = Incident.objects.filter(pk=pk).only("pk", "code", "status", "reporter_id").first()
    if incident is None:
        raise Http404
    try:
        incident_follow(actor=request.user, incident=incident)
    except REFUSALS as refusal:
        messages.error(request, refusal_message(refusal))
    else:
        messages.success(
            request,
            _("You follow case %(code)s: you will be told of its progress.")
            % {"code": incident.code},
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "incidents:queue"
    return redirect(target)


def _perform(operation: str, actor: User, incident: Incident, data: dict) -> None:
    if operation == BulkForm.ACCEPT:
        incident_accept_and_dispatch(actor=actor, incident=incident, note=data["note"])
    elif operation == BulkForm.DISPATCH:
        incident_dispatch(
            actor=actor, incident=incident, department=data["department"], note=data["note"]
        )
    else:
        incident_supervise(actor=actor, incident=incident, on=True, note=data["note"])


def bulk_apply(actor: User, operation: str, ids: list[int], data: dict) -> list[dict]:
    """Each case through its own service call in its own savepoint: a refused case is
    listed with the reason and never undoes the others."""
    cases = selectors.incident_queue(actor, timezone.now()).in_bulk(ids)
    results = []
    for pk in ids:
        incident = cases.get(pk)
        if incident is None:
            results.append(
                {
                    "pk": pk,
                    "code": "",
                    "title": "",
                    "ok": False,
                    "message": _("No case you can see has this number."),
                }
            )
            continue
        row = {"pk": pk, "code": incident.code, "title": incident.title}
        try:
            with transaction.atomic():
                _perform(operation, actor, incident, data)
        except REFUSALS as refusal:
            results.append({**row, "ok": False, "message": refusal_message(refusal)})
        else:
            results.append({**row, "ok": True, "message": ""})
    return results


@require_POST
@login_required
@permission_required(VIEW_INCIDENTS, raise_exception=True)
def bulk(request):
    if not is_official(request.user):
        raise PermissionDenied
    form = BulkForm(request.POST, departments=selectors.bulk_departments(request.user))
    if not form.is_valid():
        return render(request, "incidents/bulk_results.html", {"form": form}, status=400)
    data = form.cleaned_data
    if data["operation"] == BulkForm.EXPORT:
        cases = selectors.incident_queue(request.user, timezone.now()).filter(pk__in=data["ids"])
        return exports.queue_csv_response(cases)
    results = bulk_apply(request.user, data["operation"], data["ids"], data)
    context = {
        "form": form,
        "results": results,
        "succeeded": sum(1 for row in results if row["ok"]),
        "refused": sum(1 for row in results if not row["ok"]),
        "operation": dict(form.fields["operation"].choices)[data["operation"]],
    }
    return render(request, "incidents/bulk_results.html", context)

"""The grid member's quick case report (source: patrol).

Posted by the page, or later by the device's outbox with the same ``client_key``: the
service files the case once and answers a resend with the case the first post filed.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.forms import add_service_errors
from grids.selectors import grids_feature_collection
from incidents.forms.member import QuickReportForm
from incidents.models import Incident
from incidents.services.reporting import incident_report
from members import outbox
from members.models import User
from members.selectors import member_grids, patrol_of
from members.workspace_views import grid_member_required

# Keys of the services' ValidationError dicts → the form fields shown beside them.
SERVICE_FIELDS = {"location": "latitude", "image": "photo", "client_key": "__all__"}
PREFILLED = ("description", "title", "address", "patrol")


def _blank_form(request, grids) -> QuickReportForm:
    """Prefilled from a patrol finding (?description=...) and the member's only grid."""
    initial = {name: request.GET[name][:2000] for name in PREFILLED if request.GET.get(name)}
    choices = list(grids)
    if len(choices) == 1:
        initial["grid"] = choices[0].pk
    return QuickReportForm(initial=initial, grids=grids)


def _render(request, form, grids, status=200):
    context = {
        "form": form,
        "grids_geojson": grids_feature_collection(grids, {"pk": "pk", "name": "name"}),
    }
    return render(request, "members/workspace/report.html", context, status=status)


def _file(user: User, data: dict) -> Incident:
    return incident_report(
        actor=user,
        category=data["category"],
        title=data["title"],
        description=data["description"],
        source=Incident.Source.PATROL,
        urgency=data["urgency"],
        location=data["location"],
        address=data["address"].strip(),
        grid=data["grid"],
        photos=[data["photo"]] if data["photo"] else [],
        client_key=data["client_key"],
        patrol=patrol_of(user, data["patrol"]),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@grid_member_required
def quick_report(request):
    grids = member_grids(request.user)
    if request.method == "GET":
        return _render(request, _blank_form(request, grids), grids)
    form = QuickReportForm(request.POST, request.FILES, grids=grids)
    if form.is_valid():
        try:
            incident = _file(request.user, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, SERVICE_FIELDS)
        except PermissionDenied:
            form.add_error("latitude", _("This place is outside your grids."))
    if form.errors:
        if outbox.is_outbox(request):
            return outbox.refused(form.errors)
        return _render(request, form, grids, status=400)
    # The confirmation: the case page, with its number, whether the post came from the
    # page or later from the device's outbox (the message waits for the next page).
    done = _("Case %(code)s reported.") % {"code": incident.code}
    messages.success(request, done)
    case_page = reverse("incidents:detail", args=[incident.pk])
    if outbox.is_outbox(request):
        return outbox.done(case_page, done, code=incident.code)
    return redirect(case_page)

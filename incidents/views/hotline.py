"""The hotline operator's page (12345 接线): file a call as a case in under a minute, then
start the next one. The caller's number is kept encrypted; the page shows it masked."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.forms import add_service_errors
from grids.models import Region
from grids.selectors import grids_feature_collection, villages_feature_collection
from incidents import permissions, selectors
from incidents.forms.hotline import HotlineCallForm
from incidents.services.hotline import hotline_order_file

# Keys of the service's ValidationError dicts → the form fields shown beside them.
SERVICE_FIELDS = {"location": "latitude", "client_key": "__all__"}


def _render(request, form, grids, status=200):
    villages = Region.objects.filter(Q(grids__in=grids)).distinct()
    context = {
        "form": form,
        "grids_geojson": grids_feature_collection(grids, {"name": "name"}),
        "villages_geojson": villages_feature_collection(villages),
        "recent": selectors.hotline_calls_recent(request.user),
    }
    return render(request, "incidents/hotline_call.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def hotline_call(request):
    if not permissions.can_take_hotline_calls(request.user):
        raise PermissionDenied
    grids = selectors.hotline_grids(request.user)
    if request.method == "GET":
        return _render(
            request, HotlineCallForm(initial={"client_key": uuid.uuid4()}, grids=grids), grids
        )
    form = HotlineCallForm(request.POST, grids=grids)
    if form.is_valid():
        data = form.cleaned_data
        try:
            incident, created = hotline_order_file(
                actor=request.user,
                order_id=data["order_id"],
                category=data["category"],
                description=data["description"],
                caller_phone=data["caller_phone"],
                caller_name=data["caller_name"],
                title=data["title"],
                urgency=data["urgency"],
                location=data["location"],
                address=data["address"],
                grid=data["grid"],
                client_key=data["client_key"],
            )
        except ValidationError as error:
            add_service_errors(form, error, SERVICE_FIELDS)
        except PermissionDenied:
            form.add_error("latitude", _("This place is outside your jurisdiction."))
    if form.errors:
        return _render(request, form, grids, status=400)
    template = (
        _("Call filed as case %(code)s.")
        if created
        else _("This work order was filed before, as case %(code)s.")
    )
    messages.success(request, template % {"code": incident.code})
    return redirect("incidents:hotline_call")

"""Pages of the register kept from the field (民情日记): add and edit households and
residents of one's own grids, record visits. Phone-first; every form works without
JavaScript, and static/js/register.js sends it through the outbox (members.outbox) so
that what a member writes without signal is kept and sent later, once."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.forms import add_service_errors
from members import outbox, selectors
from members.models import Household, Resident
from members.register_forms import HouseholdAddForm, HouseholdForm, ResidentForm, VisitForm
from members.services import register
from members.workspace_views import grid_member_required

TEMPLATE = "members/workspace/register_form.html"


def _household(request, pk) -> Household:
    try:
        return selectors.household_get_for_user(request.user, pk)
    except Household.DoesNotExist as error:
        raise Http404 from error


def _submit(
    request,
    form,
    save: Callable[[dict], Model],
    *,
    done: Callable[[Any], str],
    message: str,
    context: dict,
):
    """The shared POST path: form → service → redirect (page) or JSON (outbox); refusals
    beside the fields, or as JSON with 400/403."""
    status = 400
    if form.is_valid():
        try:
            url = done(save(form.cleaned_data))
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("You may not do this."))
            status = 403
        else:
            if outbox.is_outbox(request):
                return outbox.done(url, message)
            messages.success(request, message)
            return redirect(url)
    if outbox.is_outbox(request):
        return outbox.refused(form.errors, status=status)
    return render(request, TEMPLATE, {**context, "form": form}, status=status)


def _household_url(household: Household) -> str:
    return reverse("members:household", args=[household.pk])


@require_http_methods(["GET", "POST"])
@grid_member_required
def household_add(request):
    grids = selectors.member_grids(request.user)
    form = HouseholdAddForm(request.POST or None, grids=grids)
    context = {"title": _("Add a household"), "back": reverse("members:households")}
    if request.method == "GET":
        return render(request, TEMPLATE, {**context, "form": form})
    return _submit(
        request,
        form,
        lambda data: register.household_add(
            actor=request.user,
            grid=data["grid"],
            address=data["address"],
            client_key=data["client_key"],
        ),
        done=_household_url,
        message=_("Household added."),
        context=context,
    )


@require_http_methods(["GET", "POST"])
@grid_member_required
def household_edit(request, pk):
    household = _household(request, pk)
    form = HouseholdForm(request.POST or None, initial={"address": household.address})
    context = {
        "title": _("Edit household %(code)s") % {"code": household.code},
        "back": _household_url(household),
    }
    if request.method == "GET":
        return render(request, TEMPLATE, {**context, "form": form})
    return _submit(
        request,
        form,
        lambda data: register.household_edit(
            actor=request.user,
            household=household,
            address=data["address"],
            client_key=data["client_key"],
        ),
        done=_household_url,
        message=_("Household saved."),
        context=context,
    )


def _resident_values(data: dict) -> dict:
    return {
        "name": data["name"],
        "gender": data["gender"],
        "birth_date": data.get("birth_date"),
        "id_number": data.get("id_number", ""),
        "phone": data.get("phone", ""),
        "tags": data.get("tags", ()),
        "client_key": data["client_key"],
    }


@require_http_methods(["GET", "POST"])
@grid_member_required
def resident_add(request, pk):
    household = _household(request, pk)
    form = ResidentForm(request.POST or None)
    context = {
        "title": _("Add a resident to %(code)s") % {"code": household.code},
        "back": _household_url(household),
    }
    if request.method == "GET":
        return render(request, TEMPLATE, {**context, "form": form})
    return _submit(
        request,
        form,
        lambda data: register.resident_add(
            actor=request.user, household=household, **_resident_values(data)
        ),
        done=lambda resident: _household_url(household),
        message=_("Resident added."),
        context=context,
    )


@require_http_methods(["GET", "POST"])
@grid_member_required
def resident_edit(request, pk, resident_pk):
    household = _household(request, pk)
    resident = next((r for r in household.residents.all() if r.pk == resident_pk), None)
    if resident is None:
        raise Http404
    resident = Resident.objects.prefetch_related("tags").get(pk=resident.pk)
    form = ResidentForm(request.POST or None, resident=resident)
    context = {
        "title": _("Edit resident %(name)s") % {"name": resident.name},
        "back": _household_url(household),
    }
    if request.method == "GET":
        return render(request, TEMPLATE, {**context, "form": form})
    return _submit(
        request,
        form,
        lambda data: register.resident_edit(
            actor=request.user, resident=resident, **_resident_values(data)
        ),
        done=lambda saved: _household_url(household),
        message=_("Resident saved."),
        context=context,
    )


@require_http_methods(["GET", "POST"])
@grid_member_required
def household_visit(request, pk):
    household = _household(request, pk)
    form = VisitForm(request.POST or None)
    context = {
        "title": _("Record a visit to %(code)s") % {"code": household.code},
        "subtitle": household.address,
        "back": _household_url(household),
    }
    if request.method == "GET":
        return render(request, TEMPLATE, {**context, "form": form})
    return _submit(
        request,
        form,
        lambda data: register.household_visit_record(
            actor=request.user, household=household, **data
        ),
        done=lambda visit: _household_url(household),
        message=_("Visit recorded."),
        context=context,
    )

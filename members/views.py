from collections.abc import Iterator

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.spreadsheets import csv_stream
from grids.permissions import grids_visible_to
from members import services
from members.actors import Actor
from members.forms import ResidentFilterForm, RevealForm
from members.models import PersonalDataAccess, Resident
from members.permissions import (
    access_log_visible_to,
    can_reveal_personal_data,
    residents_visible_to,
)

PAGE_SIZE = 50
# The export streams; each chunk of rows costs one query for its tags.
EXPORT_CHUNK_SIZE = 2000
# Lists never load ciphertexts nor grid boundaries: they show the masked columns only.
LIST_DEFERRED = ("id_number_encrypted", "phone_encrypted", "household__grid__boundary")


def _filter_form(request) -> ResidentFilterForm:
    grids = grids_visible_to(request.user).only("code", "name")
    return ResidentFilterForm(request.GET or None, grids=grids)


def _filtered_residents(user: Actor, form: ResidentFilterForm) -> QuerySet[Resident]:
    residents = (
        residents_visible_to(user)
        .select_related("household__grid")
        .defer(*LIST_DEFERRED)
        .prefetch_related("tags")
    )
    if not form.is_bound:
        return residents
    if not form.is_valid():
        return residents.none()
    if query := form.cleaned_data["q"].strip():
        residents = residents.filter(
            Q(name__icontains=query) | Q(household__code__startswith=query)
        )
    if grid := form.cleaned_data["grid"]:
        residents = residents.filter(household__grid=grid)
    return residents


@require_GET
@login_required
@permission_required("members.view_resident", raise_exception=True)
def resident_list(request):
    form = _filter_form(request)
    page = Paginator(_filtered_residents(request.user, form), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "members/resident_list.html", {"form": form, "page": page})


def _export_rows(residents: QuerySet[Resident], genders: dict) -> Iterator[list[str]]:
    for resident in residents.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        household = resident.household
        yield [
            resident.name,
            genders.get(resident.gender, resident.gender),
            household.code,
            household.grid.code,
            household.grid.name,
            resident.id_number_masked,
            resident.phone_masked,
            "; ".join(tag.name for tag in resident.tags.all()),
        ]


@require_GET
@login_required
@permission_required("members.view_resident", raise_exception=True)
def resident_export(request):
    """The filtered list as CSV, with masked ID numbers and phones only."""
    form = _filter_form(request)
    residents = _filtered_residents(request.user, form)
    header = [
        _("Name"),
        _("Gender"),
        _("Household"),
        _("Grid code"),
        _("Grid"),
        _("ID number (masked)"),
        _("Phone (masked)"),
        _("Key groups"),
    ]
    genders = {value: str(label) for value, label in Resident.Gender.choices}
    return csv_stream(header, _export_rows(residents, genders), "residents.csv")


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def resident_reveal(request, pk):
    """Show one unmasked value of one resident, once, and log the look."""
    resident = get_object_or_404(
        residents_visible_to(request.user)
        .select_related("household__grid")
        .defer("household__grid__boundary"),
        pk=pk,
    )
    if not can_reveal_personal_data(request.user, resident):
        raise PermissionDenied
    revealed = None
    if request.method == "POST":
        form = RevealForm(request.POST)
        if form.is_valid():
            field = form.cleaned_data["field"]
            try:
                value = services.resident_reveal(
                    actor=request.user,
                    resident=resident,
                    field=field,
                    reason=form.cleaned_data["reason"],
                    ip_address=request.META.get("REMOTE_ADDR") or None,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                revealed = {"label": PersonalDataAccess.Field(field).label, "value": value}
    else:
        form = RevealForm()
    return render(
        request,
        "members/resident_reveal.html",
        {"resident": resident, "form": form, "revealed": revealed},
    )


@require_GET
@login_required
@permission_required("members.view_personaldataaccess", raise_exception=True)
def access_log(request):
    entries = (
        access_log_visible_to(request.user)
        .select_related("actor", "resident", "grid")
        .only(
            "accessed_at",
            "field",
            "reason",
            "ip_address",
            "actor__username",
            "actor__first_name",
            "actor__last_name",
            "resident__name",
            "grid__code",
            "grid__name",
        )
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/access_log.html", {"page": page})

"""The assessment pages: the county's scheme and closing, the bulletins, their exports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment.exports import bulletin_header, bulletin_rows
from assessment.forms import CloseMonthForm, SchemeForm
from assessment.models import Bulletin, Indicator
from assessment.permissions import bulletins_visible_to, can_read_assessment, managed_county
from assessment.selectors import bulletin_lines, previous_month, scheme_history
from assessment.services import (
    assessment_month_close,
    assessment_scheme_current,
    assessment_scheme_revise,
)
from core.errors import ActionRefused
from core.forms import add_service_errors
from core.spreadsheets import xlsx_response


def _county_or_403(request):
    county = managed_county(request.user)
    if county is None:
        raise PermissionDenied
    return county


@require_GET
@never_cache
@login_required
def index(request):
    if not can_read_assessment(request.user):
        raise PermissionDenied
    county = managed_county(request.user)
    context = {
        "bulletins": bulletins_visible_to(request.user)
        .select_related("county", "scheme")
        .order_by("-month", "county__code")[:36],
        "county": county,
    }
    if county is not None:
        context["scheme"] = assessment_scheme_current(county=county)
        context["close_form"] = CloseMonthForm(
            initial={"month": previous_month(timezone.localdate()).strftime("%Y-%m")}
        )
    return render(request, "assessment/index.html", context)


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def scheme(request):
    county = _county_or_403(request)
    current = assessment_scheme_current(county=county)
    form = SchemeForm(request.POST or None, scheme=current)
    if request.method == "POST" and form.is_valid():
        try:
            revised = assessment_scheme_revise(
                actor=request.user,
                county=county,
                weights=form.weights(),
                min_sample=form.cleaned_data["min_sample"],
                bottom_count=form.cleaned_data["bottom_count"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except ActionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request, _("Saved as version %(version)s.") % {"version": revised.version}
            )
            return redirect("assessment:scheme")
    context = {
        "form": form,
        "county": county,
        "current": current,
        "history": scheme_history(county),
        "labels": dict(Indicator.choices),
    }
    return render(request, "assessment/scheme.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def close_month(request):
    county = _county_or_403(request)
    form = CloseMonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["month"]))
        return redirect("assessment:index")
    try:
        bulletin = assessment_month_close(
            county=county, month=form.cleaned_data["month"], actor=request.user
        )
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("assessment:index")
    messages.success(request, _("The month is closed and its bulletin published."))
    return redirect("assessment:bulletin", pk=bulletin.pk)


def _bulletin_for(request, pk: int) -> Bulletin:
    rows = (
        bulletins_visible_to(request.user)
        .select_related("county", "scheme", "closed_by")
        .prefetch_related("scheme__indicators")
    )
    return get_object_or_404(rows, pk=pk)


@require_GET
@never_cache
@login_required
def bulletin(request, pk: int):
    found = _bulletin_for(request, pk)
    lines = bulletin_lines(found)
    context = {
        "bulletin": found,
        "lines": lines,
        "bottom_towns": [entry for entry in lines["town"] if entry.is_bottom],
        "bottom_departments": [entry for entry in lines["department"] if entry.is_bottom],
        "indicators": found.scheme.indicators.all(),
        "labels": dict(Indicator.choices),
    }
    return render(request, "assessment/bulletin.html", context)


@require_GET
@never_cache
@login_required
def bulletin_xlsx(request, pk: int):
    found = _bulletin_for(request, pk)
    rows = bulletin_rows(found, bulletin_lines(found))
    return xlsx_response(
        bulletin_header(found),
        rows,
        f"assessment-{found.county.code}-{found.month:%Y-%m}.xlsx",
        sheet_title=f"{found.month:%Y-%m}",
    )

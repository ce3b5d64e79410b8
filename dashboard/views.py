from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.replica import lagging_reads
from core.roles import is_official
from core.spreadsheets import csv_response, xlsx_response
from dashboard.cockpit import cockpit_cases, cockpit_figures, heat_map, month_periods
from dashboard.forms import MapViewForm, MonthForm, PeriodForm
from dashboard.maps import case_layer, case_list
from dashboard.permissions import cockpit_region_of
from dashboard.recurring import HISTORY_MONTHS, MIN_CASES, SD_FACTOR, recurring_problems
from dashboard.selectors import dashboard_figures, dashboard_map
from dashboard.workload import grid_workload, workload_rule
from members.authenticity import MEMBER_FLAGGED_SHARE, MEMBER_MIN_PATROLS


def _period_form(request) -> PeriodForm:
    if not is_official(request.user):
        raise PermissionDenied
    return PeriodForm(request.GET or None)


@require_GET
@never_cache
@login_required
@lagging_reads
def home(request):
    form = _period_form(request)
    if form.is_bound and not form.is_valid():
        return render(request, "dashboard/home.html", {"form": form}, status=400)
    period = form.period()
    context = {
        "form": form,
        "figures": dashboard_figures(request.user, period),
        "query": request.GET.urlencode(),
        "min_patrols": MEMBER_MIN_PATROLS,
        "flagged_share": round(100 * MEMBER_FLAGGED_SHARE),
        "cockpit_region": cockpit_region_of(request.user),
    }
    return render(request, "dashboard/home.html", context)


@require_GET
@never_cache
@login_required
@lagging_reads
def workload(request):
    """Workload per grid, the overloaded grids first, each with its proposed split or the
    button that asks for one (members.redivision has the rule)."""
    if not is_official(request.user):
        raise PermissionDenied
    rows = grid_workload(request.user, now=timezone.now())
    context = {
        "rows": rows,
        "overloaded": sum(1 for row in rows if row["overloaded"]),
        "rule": workload_rule(),
    }
    return render(request, "dashboard/workload.html", context)


def _cockpit_region(request):
    region = cockpit_region_of(request.user)
    if region is None:
        raise PermissionDenied
    return region


@require_GET
@never_cache
@login_required
@lagging_reads
def cockpit(request):
    """The county's (or the city's) cockpit: one row per town (or county), this month
    beside the same span of the month before, breakdowns, recurring problems, heat map."""
    region = _cockpit_region(request)
    form = MonthForm(request.GET or None, initial={"month": f"{timezone.localdate():%Y-%m}"})
    if form.is_bound and not form.is_valid():
        return render(request, "dashboard/cockpit.html", {"form": form}, status=400)
    current, previous = month_periods(form.chosen_month(), timezone.localdate())
    queue = reverse("incidents:queue")
    figures = cockpit_figures(
        request.user, region, current, previous, queue_url=queue, now=timezone.now()
    )
    problems = recurring_problems(cockpit_cases(request.user, region), current, region=region)
    context = {
        "form": form,
        "figures": figures,
        "problems": problems,
        "queue_url": queue,
        "rule": {"months": HISTORY_MONTHS, "minimum": MIN_CASES, "factor": SD_FACTOR},
        "query": request.GET.urlencode(),
    }
    return render(request, "dashboard/cockpit.html", context)


@require_GET
@never_cache
@lagging_reads
def cockpit_map(request):
    """The heat map's grids and counts, fetched by the cockpit page."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("Log in to see the dashboard.")}, status=403)
    region = cockpit_region_of(request.user)
    if region is None:
        return JsonResponse({"detail": _("You may not see the cockpit.")}, status=403)
    form = MonthForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return JsonResponse({"detail": form.errors}, status=400)
    current, _previous = month_periods(form.chosen_month(), timezone.localdate())
    layer = heat_map(request.user, region, cockpit_cases(request.user, region), current)
    layer["period"] = {"first": current.start.isoformat(), "last": current.last_day.isoformat()}
    return JsonResponse(layer, json_dumps_params={"ensure_ascii": False})


def _map_denial(request) -> JsonResponse | None:
    """A fetch() cannot follow a login redirect: the map's reads answer 403 in JSON."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("Log in to see the dashboard.")}, status=403)
    if not is_official(request.user):
        return JsonResponse({"detail": _("You may not see the dashboard.")}, status=403)
    return None


@require_GET
@never_cache
@lagging_reads
def map_data(request):
    """The map's grid boundaries, fetched by the page; its cases come from ``map_cases``."""
    denial = _map_denial(request)
    if denial is not None:
        return denial
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return JsonResponse({"detail": form.errors}, status=400)
    return JsonResponse(dashboard_map(request.user), json_dumps_params={"ensure_ascii": False})


@require_GET
@never_cache
@lagging_reads
def map_cases(request):
    """The open cases of the period in the map's view (``bbox``, ``zoom``): points, or
    clusters past ``dashboard.maps.POINT_LIMIT``; with ``list=1``, a page of them."""
    denial = _map_denial(request)
    if denial is not None:
        return denial
    form = MapViewForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"detail": form.errors}, status=400)
    period, bbox = form.period(), form.cleaned_data["bbox"]
    if form.cleaned_data["list"]:
        offset = form.cleaned_data["offset"] or 0
        layer = case_list(request.user, period, bbox=bbox, offset=offset)
    else:
        layer = case_layer(request.user, period, bbox=bbox, zoom=form.cleaned_data["zoom"])
    return JsonResponse(layer, json_dumps_params={"ensure_ascii": False})


@require_GET
@never_cache
@login_required
@lagging_reads
def export(request):
    """The page's figures as one long table: section, item, measure, value (CSV or XLSX)."""
    form = _period_form(request)
    if form.is_bound and not form.is_valid():
        errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    period = form.period()
    rows = export_rows(dashboard_figures(request.user, period))
    stem = f"dashboard-{period.start:%Y%m%d}-{period.last_day:%Y%m%d}"
    if request.GET.get("format") == "xlsx":
        return xlsx_response(export_header(), rows, f"{stem}.xlsx", sheet_title=_("Dashboard"))
    return csv_response(export_header(), rows, f"{stem}.csv")


def export_header() -> list[str]:
    return [_("Section"), _("Item"), _("Measure"), _("Value")]


def export_rows(figures: dict) -> list[list]:
    period, headline = figures["period"], figures["headline"]
    rows = [
        [_("Period"), "", _("First day"), period.start.isoformat()],
        [_("Period"), "", _("Last day"), period.last_day.isoformat()],
    ]
    summary = _("Summary")
    handling = headline["average_handling"]
    for measure, value in (
        (_("Opened"), headline["opened"]),
        (_("Closed"), headline["closed"]),
        (_("Closed on time"), headline["closed_on_time"]),
        (_("On-time closure rate"), _ratio(headline["on_time_rate"])),
        (
            _("Average handling time (hours)"),
            round(handling.total_seconds() / 3600, 2) if handling else "",
        ),
        (_("Escalated"), headline["escalated"]),
        (_("Escalation rate"), _ratio(headline["escalation_rate"])),
        (_("Sent back for rework"), headline["reworked"]),
        (_("Rework rate"), _ratio(headline["rework_rate"])),
        (_("Rated"), headline["rated"]),
        (_("Satisfaction rate"), _ratio(headline["satisfaction_rate"])),
        (_("Open now"), headline["open_now"]),
        (_("Overdue now"), headline["overdue_now"]),
    ):
        rows.append([summary, "", measure, value])
    rows.extend(_kpi_rows(figures["kpis"]))
    for rating in headline["ratings"]:
        rows.append([_("Satisfaction"), str(rating["label"]), _("Cases"), rating["count"]])
    for status in headline["statuses"]:
        rows.append([_("Opened by status"), str(status["label"]), _("Cases"), status["count"]])
    for day in figures["trend"]:
        rows.append([_("Trend"), day["day"].isoformat(), _("Opened"), day["opened"]])
        rows.append([_("Trend"), day["day"].isoformat(), _("Closed"), day["closed"]])
    for section, key in (
        (_("Category"), "by_category"),
        (_("Village or community"), "by_village"),
        (_("Grid"), "by_grid"),
        (_("Assigned department"), "by_department"),
    ):
        for row in figures[key]:
            rows.extend(_breakdown_rows(section, row["name"], row))
    for member in figures["workload"]:
        for measure, value in (
            (_("Open cases assigned"), member["open_assigned"]),
            (_("Patrols"), member["patrols"]),
            (_("Patrol hours"), round(member["patrol_hours"], 2)),
            (_("Patrols judged"), member["judged"]),
            (_("Patrols flagged"), member["flagged"]),
            (
                _("Flagged as hollow"),
                (_("yes") if member["hollow"] else _("no"))
                if member["ranked"]
                else _("too few patrols"),
            ),
        ):
            rows.append([_("Grid member"), member["name"], measure, value])
    return rows


def _kpi_rows(kpis: dict) -> list[list]:
    """The case-handling indicators (dashboard.kpis), their reasons and returns per unit."""
    section = _("Case handling indicators")
    rows = [
        [section, "", measure, value]
        for measure, value in (
            (_("Cases received"), kpis["received"]),
            (_("Cases registered"), kpis["registered"]),
            (_("Closure rate"), _ratio(kpis["closure_rate"])),
            (_("Extension rate"), _ratio(kpis["extension_rate"])),
            (_("Return rate"), _ratio(kpis["return_rate"])),
            (_("Automatic dispatch rate"), _ratio(kpis["auto_dispatch_rate"])),
            (_("Automatic dispatches returned"), kpis["auto_returned"]),
            (_("Suspended now"), kpis["suspended_now"]),
        )
    ]
    for step in kpis["reasons"]:
        for reason in step["reasons"]:
            rows.append([_("Reasons given"), step["label"], reason["name"], reason["count"]])
    returns = _("Returns by receiving unit")
    for unit in kpis["returns_by_unit"]:
        rows.append([returns, unit["name"], _("Returned"), unit["returned"]])
    return rows


def _breakdown_rows(section: str, item: str, row: dict) -> list[list]:
    return [
        [section, item, _("Opened"), row["opened"]],
        [section, item, _("Closed"), row["closed"]],
        [section, item, _("Closed on time"), row["on_time"]],
        [section, item, _("On-time closure rate"), _ratio(row["on_time_rate"])],
        [section, item, _("Overdue now"), row["overdue"]],
    ]


def _ratio(value: float | None):
    return "" if value is None else round(value, 4)

"""The cockpit's figures as JSON under /api/cockpit/: the same selectors and funnel as the
page (dashboard.cockpit, dashboard.permissions), for other systems of the county."""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from dashboard.cockpit import cockpit_cases, cockpit_figures, month_periods
from dashboard.forms import MonthForm
from dashboard.permissions import cockpit_region_of
from dashboard.recurring import recurring_problems


def _figure(figure: dict | None, request: Request) -> dict | None:
    if figure is None:
        return None
    if "rate" in figure:
        return {
            "rate": figure["rate"],
            "count": _figure(figure["part"], request),
            "of": _figure(figure["whole"], request),
        }
    url = request.build_absolute_uri(figure["url"]) if figure["url"] else None
    return {"value": figure["value"], "cases_url": url}


def _rows(rows: list[dict], request: Request) -> list[dict]:
    return [
        {
            "name": row["name"],
            "indicators": {
                cell["indicator"].key: {
                    "now": _figure(cell["now"], request),
                    "before": _figure(cell["before"], request),
                    "change": cell["change"],
                }
                for cell in row["cells"]
            },
        }
        for row in rows
    ]


@extend_schema(
    summary="The cockpit of the caller's county (a row per town) or city (a row per county)",
    description=(
        "Every indicator for the month and the month before (the same days while the month "
        "runs), per unit, for the whole region and by source, category group and assigned "
        "department; each count with the case queue's address of exactly its cases. For "
        "county and prefecture city officials only (403 for anyone else)."
    ),
    parameters=[
        OpenApiParameter(
            "month",
            OpenApiTypes.STR,
            description="YYYY-MM; this month when absent. Not in the future.",
            pattern=r"^\d{4}-\d{2}$",
        )
    ],
    responses={200: OpenApiTypes.OBJECT},
)
@api_view(["GET"])
def cockpit_api(request: Request) -> Response:
    region = cockpit_region_of(request.user)
    if region is None:
        raise PermissionDenied
    form = MonthForm(request.query_params or None)
    if form.is_bound and not form.is_valid():
        raise ValidationError(form.errors)
    current, previous = month_periods(form.chosen_month(), timezone.localdate())
    figures = cockpit_figures(
        request.user,
        region,
        current,
        previous,
        queue_url=reverse("incidents:queue"),
        now=timezone.now(),
    )
    problems = recurring_problems(cockpit_cases(request.user, region), current, region=region)
    return Response(
        {
            "region": {"id": region.pk, "code": region.code, "name": region.name},
            "period": {"first": current.start, "last": current.last_day},
            "previous": {"first": previous.start, "last": previous.last_day},
            "indicators": [
                {"key": i.key, "label": str(i.label), "is_rate": i.is_rate}
                for i in figures["indicators"]
            ],
            "total": _rows([figures["total"]], request)[0],
            "units": _rows(figures["units"], request),
            "sources": _rows(figures["sources"], request),
            "category_groups": _rows(figures["groups"], request),
            "departments": _rows(figures["departments"], request),
            "recurring_problems": [
                {
                    "category": problem["category"],
                    "grid": problem["grid"],
                    "village": problem["village"],
                    "town": problem["town"],
                    "count": problem["count"],
                    "history": problem["history"],
                    "threshold": problem["threshold"],
                    "cases_url": request.build_absolute_uri(
                        f"{reverse('incidents:queue')}?{problem['query']}"
                    ),
                }
                for problem in problems
            ],
        }
    )

"""The grid member's case lists, for the workspace page (members) to include.

The workspace belongs to members, which sits below the app that owns cases; the page
includes this partial by name, as it includes the surveys meant for the member.
"""

from django import template
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from incidents.models import Incident
from incidents.selectors import (
    incidents_of_patrol,
    incidents_open_for_member,
    incidents_to_verify_for_member,
)

register = template.Library()

CASES_SHOWN = 50


def _first(queryset: QuerySet[Incident], limit: int) -> tuple[list[Incident], bool]:
    """The first ``limit`` rows and whether there are more, in one query."""
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


@register.inclusion_tag("incidents/_member_cases.html", takes_context=True)
def member_cases(context: template.Context) -> dict:
    """The cases waiting for the member's check and the member's open cases, soonest due
    first, each cut at ``CASES_SHOWN``."""
    user = context["request"].user
    open_cases, more_open = _first(incidents_open_for_member(user), CASES_SHOWN)
    to_verify, more_to_verify = _first(incidents_to_verify_for_member(user), CASES_SHOWN)
    return {
        "open_cases": open_cases,
        "more_open": more_open,
        "to_verify": to_verify,
        "more_to_verify": more_to_verify,
        "now": timezone.now(),
    }


@register.inclusion_tag("incidents/_member_case_list.html", takes_context=True)
def patrol_cases(context: template.Context, patrol_id: int) -> dict:
    """The cases reported from one patrol, for the patrol's summary page (members)."""
    cases, more = _first(incidents_of_patrol(context["request"].user, patrol_id), CASES_SHOWN)
    return {
        "cases": cases,
        "more": more,
        "list_id": "patrol-cases",
        "empty_text": _("No case was reported from this patrol."),
        "now": timezone.now(),
    }


@register.simple_tag
def light_badge(light: str) -> str:
    """A case's traffic light, as incidents/_light.html writes it, without an include per
    row (the queue shows 50): "green", "yellow", "red", or nothing without a clock."""
    if not light:
        return ""
    label = {"red": _("Overdue"), "yellow": _("Deadline near")}.get(light) or _("On time")
    return format_html(
        '<span class="light light-{}" data-light="{}">{}</span>', light, light, label
    )

"""The grid member's case lists, for the workspace page (members) to include.

The workspace belongs to members, which sits below the app that owns cases; the page
includes this partial by name, as it includes the surveys meant for the member.
"""

import datetime
from collections.abc import Iterable

from django import template
from django.db.models import QuerySet
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


ROW_LABELS = {
    "select": gettext_lazy("Select"),
    "code": gettext_lazy("Case number"),
    "title": gettext_lazy("Title"),
    "status": gettext_lazy("Status"),
    "category": gettext_lazy("Category"),
    "urgency": gettext_lazy("Urgency"),
    "level": gettext_lazy("Level"),
    "grid": gettext_lazy("Grid"),
    "deadline": gettext_lazy("Deadline"),
    "reported": gettext_lazy("Reported at"),
}


def _time(value: datetime.datetime) -> str:
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>', date_filter(local, "c"), date_filter(local, "Y-m-d H:i")
    )


@register.simple_tag
def queue_rows(incidents: Iterable[Incident], selectable: object) -> SafeString:
    """The queue's table rows (incidents/_queue.html), written in Python: as template
    markup, 50 rows of ten cells were the larger part of a page's rendering. The rows are
    the queue selector's (incidents.selectors.incident_queue: ``light``, ``is_overdue``
    and the labels' relations loaded)."""
    label = {key: conditional_escape(text) for key, text in ROW_LABELS.items()}
    supervised_badge = format_html(
        '<span class="badge badge-supervised">{}</span>', _("Supervised")
    )
    select_text = _("Select %(code)s")
    rows = []
    for incident in incidents:
        code = conditional_escape(incident.code)
        classes = "case-row"
        if incident.is_overdue:  # type: ignore[attr-defined]
            classes += " is-overdue"
        if incident.is_supervised:
            classes += " is-supervised"
        select = (
            f'<td data-label="{label["select"]}"><input type="checkbox" name="ids" '
            f'value="{incident.pk}" form="bulk-form" '
            f'aria-label="{select_text % {"code": code}}"></td>'
            if selectable
            else ""
        )
        deadline = _time(incident.deadline) if incident.deadline else "—"
        rows.append(
            f'\n          <tr class="{classes}" data-code="{code}">'
            f"\n            {select}"
            f'\n            <th scope="row" data-label="{label["code"]}"><a href="'
            f'{reverse("incidents:detail", args=[incident.pk])}">{code}</a></th>'
            f'\n            <td data-label="{label["title"]}">'
            f"\n              {conditional_escape(incident.title)}"
            f"\n              {supervised_badge if incident.is_supervised else ''}"
            "\n            </td>"
            f'\n            <td data-label="{label["status"]}"><span class="status-badge '
            f'status-{conditional_escape(incident.status)}">'
            f"{conditional_escape(incident.get_status_display())}</span></td>"
            f'\n            <td data-label="{label["category"]}">'
            f"{conditional_escape(incident.category.name)}</td>"
            f'\n            <td data-label="{label["urgency"]}">'
            f"{conditional_escape(incident.get_urgency_display())}</td>"
            f'\n            <td data-label="{label["level"]}">'
            f"{conditional_escape(incident.get_level_display())} · "
            f"{conditional_escape(incident.handling_region.name)}</td>"
            f'\n            <td data-label="{label["grid"]}">'
            f"{conditional_escape(incident.grid.name)}"
            f'<span class="hint"> · {conditional_escape(incident.grid.village.name)}</span></td>'
            f'\n            <td data-label="{label["deadline"]}">'
            f"\n              {deadline}"
            f"\n              {light_badge(incident.light)}"  # type: ignore[attr-defined]
            "\n            </td>"
            f'\n            <td data-label="{label["reported"]}">{_time(incident.created_at)}</td>'
            "\n          </tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above

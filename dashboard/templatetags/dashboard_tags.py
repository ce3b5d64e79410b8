"""Display of the dashboard's rates and durations, and the case satisfaction that a survey's
results page shows beside the survey's own."""

import datetime

from django import template
from django.utils.translation import gettext as _

from dashboard.satisfaction import survey_case_satisfaction as case_satisfaction
from surveys.models import Survey
from surveys.permissions import ResultsScope

register = template.Library()


@register.simple_tag
def survey_case_satisfaction(survey: Survey, scope: ResultsScope) -> dict:
    """The ratings of the cases closed in the survey's area while it ran."""
    return case_satisfaction(survey, scope)


@register.filter
def percent(value: float | None) -> str:
    """0.8571 → "85.7%"; no denominator → an em dash."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def hours(value: datetime.timedelta | float | None) -> str:
    """A duration (or a number of hours) as hours, or days and hours from two days on."""
    if value is None or value == "":
        return "—"
    total = value.total_seconds() / 3600 if isinstance(value, datetime.timedelta) else value
    if total >= 48:
        return _("%(days).1f days") % {"days": total / 24}
    return _("%(hours).1f h") % {"hours": total}


@register.filter
def change(value: float | None, is_rate: bool = False) -> str:
    """The change beside a figure: "+12", "−3", "±0"; a rate's in percentage points."""
    if value is None:
        return "—"
    if is_rate:
        points = value * 100
        if round(points, 1) == 0:
            return _("±0 pt")
        sign = "+" if points > 0 else "−"
        return _("%(sign)s%(points).1f pt") % {"sign": sign, "points": abs(points)}
    if value == 0:
        return "±0"
    return f"+{value}" if value > 0 else f"−{abs(value)}"

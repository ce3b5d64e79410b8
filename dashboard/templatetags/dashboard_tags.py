"""Display of the dashboard's rates and durations, and the case satisfaction that a survey's
results page shows beside the survey's own."""

import datetime
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
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


def _count_link(figure: dict) -> str:
    if not figure["url"]:
        return str(figure["value"])
    return (
        f'<a href="{escape(figure["url"])}" data-count="{figure["value"]}">{figure["value"]}</a>'
    )


@register.simple_tag
def cockpit_cells(row: dict) -> SafeString:
    """The cells of one row of a cockpit table: per indicator the figure now (a rate with
    its two counts), before, and the change; every count links to its cases. Built here
    with f-strings, every text escaped, rather than in a template: a county's page has
    thousands of them."""
    before_label = escape(_("before"))
    cells = []
    for cell in row["cells"]:
        indicator, now, before = cell["indicator"], cell["now"], cell["before"]
        if indicator.is_rate:
            parts = [
                f'<span class="ck-now">{escape(percent(now["rate"]))}</span>',
                f'<span class="ck-parts">{_count_link(now["part"])}/'
                f"{_count_link(now['whole'])}</span>",
                f'<span class="ck-before">{before_label} {escape(percent(before["rate"]))}</span>',
            ]
        else:
            parts = [f'<span class="ck-now">{_count_link(now)}</span>']
            if before:
                parts.append(
                    f'<span class="ck-before">{before_label} {_count_link(before)}</span>'
                )
        if not indicator.now_only:
            trend = f" ck-{escape(cell['trend'])}" if cell["trend"] else ""
            shown = escape(change(cell["change"], indicator.is_rate))
            parts.append(f'<span class="ck-change{trend}">{shown}</span>')
        cells.append(
            f'<td class="num ck-cell" data-label="{escape(str(indicator.label))}" '
            f'data-indicator="{escape(indicator.key)}">{" ".join(parts)}</td>'
        )
    return mark_safe("\n  ".join(cells))  # noqa: S308 - every text above is escaped

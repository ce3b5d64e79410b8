"""How satisfied reporters were with the handling of their cases, for the figures that set
it beside other measures: the dashboard's headline and a survey's results page.

Cases are incidents'; surveys sit beside incidents and do not read them, so the survey
results page takes this figure from here (the ``survey_case_satisfaction`` tag).
"""

import datetime

from django.db.models import Count
from django.utils import timezone

from core.figures import rate
from incidents.models import Incident
from surveys.models import Survey
from surveys.permissions import ResultsScope

# The ratings that count as satisfied.
SATISFIED = (Incident.Satisfaction.SATISFIED, Incident.Satisfaction.BASICALLY_SATISFIED)


def survey_case_satisfaction(
    survey: Survey, scope: ResultsScope, *, now: datetime.datetime | None = None
) -> dict:
    """Ratings of the cases of the covered region closed while the survey ran (one query)."""
    now = now or timezone.now()
    if survey.opens_at is None:
        return {"rated": 0, "satisfied": 0, "rate": None, "ratings": []}
    end = min(survey.closes_at, now) if survey.closes_at else now
    counts = dict(
        Incident.objects.filter(
            grid__village__path__startswith=scope.path,
            closed_at__gte=survey.opens_at,
            closed_at__lt=end,
        )
        .exclude(satisfaction="")
        .values("satisfaction")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("satisfaction", "count")
    )
    rated = sum(counts.values())
    satisfied = sum(counts.get(value, 0) for value in SATISFIED)
    return {
        "rated": rated,
        "satisfied": satisfied,
        "rate": rate(satisfied, rated),
        "ratings": [
            {"label": label, "count": counts.get(value, 0)}
            for value, label in Incident.Satisfaction.choices
        ],
    }

"""Named queries over cases."""

import datetime
from typing import TypeVar

from django.contrib.gis.db import models
from django.db.models import Case, CharField, Q, Value, When

# The model is incidents.models.Incident; a type variable keeps this module below it.
_Incident = TypeVar("_Incident", bound=models.Model)


class IncidentQuerySet(models.QuerySet[_Incident]):
    def open(self) -> "IncidentQuerySet[_Incident]":
        """Cases whose loop still runs (``Incident.OPEN_STATUSES``)."""
        return self.filter(status__in=sorted(self.model.OPEN_STATUSES))

    def overdue(self, now: datetime.datetime) -> "IncidentQuerySet[_Incident]":
        """Open cases past their deadline that can still climb (the sweep's index)."""
        return self.open().filter(deadline__lt=now, is_stalled_at_top=False)

    def with_light(self, now: datetime.datetime) -> "IncidentQuerySet[_Incident]":
        """``light``: green, yellow or red by the share of the stage's time used (Incident
        .light_at in SQL); empty for a case without a running clock."""
        running = Q(status__in=sorted(self.model.OPEN_STATUSES), deadline__isnull=False)
        return self.annotate(
            light=Case(
                When(running & Q(deadline__lt=now), then=Value("red")),
                When(running & Q(yellow_at__lte=now), then=Value("yellow")),
                When(running, then=Value("green")),
                default=Value(""),
                output_field=CharField(),
            )
        )

    def within(self, region):
        return self.filter(grid__village__path__startswith=region.path)

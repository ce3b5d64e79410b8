"""Named queries over cases."""

import datetime

from django.contrib.gis.db import models


class IncidentQuerySet(models.QuerySet):
    def open(self):
        """Cases whose loop still runs (``Incident.OPEN_STATUSES``)."""
        return self.filter(status__in=sorted(self.model.OPEN_STATUSES))

    def overdue(self, now: datetime.datetime):
        """Open cases past their deadline that can still climb (the sweep's index)."""
        return self.open().filter(deadline__lt=now, is_stalled_at_top=False)

    def within(self, region):
        return self.filter(grid__village__path__startswith=region.path)

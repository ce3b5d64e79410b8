"""Figures kept up to date instead of recomputed: the cockpit's facts.

``CaseFact`` holds, per local day and town, by source, by category and by assigned
department, every count the cockpit sums (dashboard.cockpit): cases received that day,
closed that day (with their outcomes), and the acceptance, dispatch and return events of
that day. The keys are the case's *current* ones, as the raw figures read them. ``GridMonthFact``
counts the cases received per month, grid and category (dashboard.recurring).

incidents.services.facts keeps them: a day (a month) is always recomputed whole, from the
cases and events, so running it twice, or again after it was killed, gives the same rows.
``CaseFactsWatermark`` (one row) says since when facts exist and up to when they are
current. The foreign keys have no database constraint: a fact never blocks deleting a
region, category or department, and the next rebuild drops its row.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from grids.models import Grid, Region
from incidents.models.case import Incident
from incidents.models.catalogue import Category, Department


class CaseFact(models.Model):
    """The counts of one local day and town, by one dimension (``kind``): per source,
    per category, per assigned department (null: none), per grid or per current status,
    the other key columns empty. A day has a bounded number of rows, whatever the number
    of cases: towns × (sources + categories + departments + grids + statuses), and the
    cockpit and the town dashboard sum a month of them in a few ms."""

    class Kind(models.TextChoices):
        SOURCE = "source"
        CATEGORY = "category"
        DEPARTMENT = "department"
        # For the town dashboard (dashboard.selectors): per grid, and per current status
        # of the cases received that day.
        GRID = "grid"
        STATUS = "status"

    day = models.DateField(_("day"))
    town = models.ForeignKey(
        Region, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    source = models.CharField(max_length=16, choices=Incident.Source.choices, null=True)
    category = models.ForeignKey(
        Category, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Incident.Status.choices, null=True)
    # Cases received (created) that day, and of them escalated at least once.
    opened = models.IntegerField(default=0)
    escalated = models.IntegerField(default=0)
    # Cases closed (closed or evaluated now) that day, and their outcomes.
    closed = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    reworked = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    rated_satisfied = models.IntegerField(default=0)
    rated_basically_satisfied = models.IntegerField(default=0)
    rated_dissatisfied = models.IntegerField(default=0)
    # The sum of their handling times (closed_at - created_at), in microseconds.
    handling = models.BigIntegerField(default=0)
    # Events of that day: dispatches (by hand and by rule), returns, acceptances (立案,
    # one per case at most: only a reported case is accepted) and of those the cases
    # closed now.
    dispatches = models.IntegerField(default=0)
    auto_dispatches = models.IntegerField(default=0)
    returns = models.IntegerField(default=0)
    auto_returns = models.IntegerField(default=0)  # returns of a dispatch by a rule
    registered = models.IntegerField(default=0)
    registered_closed = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("case fact")
        verbose_name_plural = _("case facts")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "town",
                    "kind",
                    "source",
                    "category",
                    "department",
                    "grid",
                    "status",
                ],
                name="case_fact_key",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.town_id} {self.kind}"


class BacklogFact(models.Model):
    """The cases open at the last refresh, and of them past their deadline then, per
    town and by one dimension as CaseFact (source, category, department or grid; a
    state, not a day's count: every refresh recounts it whole). A row with no open case
    counts cases on hold only."""

    town = models.ForeignKey(
        Region, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=CaseFact.Kind.choices)
    source = models.CharField(max_length=16, choices=Incident.Source.choices, null=True)
    category = models.ForeignKey(
        Category, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    open = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    # For the town dashboard (dashboard.selectors): the open cases' traffic lights then
    # (red is overdue), those stalled at the top of the ladder, supervised, past a
    # supervision's deadline; and the cases on hold (not open: counted beside).
    green = models.IntegerField(default=0)
    yellow = models.IntegerField(default=0)
    stalled = models.IntegerField(default=0)
    supervised = models.IntegerField(default=0)
    supervision_overdue = models.IntegerField(default=0)
    suspended = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("backlog fact")
        verbose_name_plural = _("backlog facts")
        constraints = [
            models.UniqueConstraint(
                fields=["town", "kind", "source", "category", "department", "grid"],
                name="backlog_fact_key",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.town_id} {self.kind}: {self.open}"


class GridMonthFact(models.Model):
    month = models.DateField(_("month"))  # its first day
    grid = models.ForeignKey(
        Grid, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    category = models.ForeignKey(
        Category, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    cases = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("grid month fact")
        verbose_name_plural = _("grid month facts")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "grid", "category"], name="grid_month_fact_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.grid_id}/{self.category_id}: {self.cases}"


class CaseFactsWatermark(models.Model):
    """One row (pk 1): facts exist for the days from ``covers_from`` (a month's first
    day) on, and take in every event created before ``current_at`` minus the refresh's
    margin (incidents.services.facts.MARGIN)."""

    covers_from = models.DateField()
    current_at = models.DateTimeField()
    rebuilt_at = models.DateTimeField()

    class Meta:
        verbose_name = _("case facts watermark")
        verbose_name_plural = _("case facts watermarks")

    def __str__(self) -> str:
        return f"facts from {self.covers_from}, current at {self.current_at:%Y-%m-%d %H:%M:%S}"

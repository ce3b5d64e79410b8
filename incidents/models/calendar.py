"""China's official working calendar, as data a town keeps up to date (incidents.working_time
reads it)."""

import datetime

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from grids.models import Region


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a public holiday, or a weekend worked in exchange."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        WORKDAY = "workday", _("Working day (swapped weekend)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class CalendarYear(models.Model):
    """A year whose official schedule has been entered; other years fall back to Mon–Fri."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


def parse_periods(text: str) -> tuple[tuple[datetime.time, datetime.time], ...]:
    """ "08:30-12:00,13:30-17:30" as ((08:30, 12:00), (13:30, 17:30)); ValueError if malformed."""
    periods = []
    for part in text.replace(" ", "").split(","):
        start, end = (datetime.time.fromisoformat(value) for value in part.split("-"))
        if end <= start or (periods and start < periods[-1][1]):
            raise ValueError(part)
        periods.append((start, end))
    if not periods:
        raise ValueError(text)
    return tuple(periods)


class WorkingHours(models.Model):
    """A region's own working hours, inherited by every region below it that has none.

    Without dates they hold all year; with dates (a summer or a winter schedule) they hold
    in that period and win over the region's undated hours. Where no region above has any,
    the platform's ``WORKING_HOURS`` apply.
    """

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="working_hours"
    )
    name = models.CharField(_("name"), max_length=50, blank=True)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    periods = models.CharField(
        _("working hours"),
        max_length=100,
        help_text=_("Periods of the day, e.g. 08:30-12:00,13:30-17:30"),
    )

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["region__path", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True, ends_on__isnull=True)
                | Q(starts_on__isnull=False, ends_on__isnull=False, ends_on__gte=F("starts_on")),
                name="working_hours_dated_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.name} {self.periods}"

    def clean(self):
        try:
            parse_periods(self.periods)
        except ValueError:
            raise ValidationError(
                {"periods": _("Write periods like 08:30-12:00,13:30-17:30, in order.")}
            ) from None

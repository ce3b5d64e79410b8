"""The dashboard's period selector."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.clusters import MAX_ZOOM, BBox, parse_bbox
from dashboard.periods import Period

# A trend has one point per day; a longer custom period would only draw a smear.
MAX_PERIOD_DAYS = 731


class PeriodForm(forms.Form):
    """Presets of 7, 30 or 90 days up to today, this month so far, or custom dates.

    ``to`` is the last day included, as people say it; the Period it gives ends the day after.
    """

    PRESET_DAYS = {"7": 7, "30": 30, "90": 90}
    DEFAULT_PRESET = "30"

    preset = forms.ChoiceField(
        label=_("Period"),
        choices=[
            ("7", _("Last 7 days")),
            ("30", _("Last 30 days")),
            ("90", _("Last 90 days")),
            ("month", _("This month")),
            ("custom", _("Custom dates")),
        ],
        initial=DEFAULT_PRESET,
        required=False,
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    to = forms.DateField(
        label=_("To (included)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("preset") != "custom":
            return cleaned
        start, to = cleaned.get("start"), cleaned.get("to")
        if start is None and "start" not in self.errors:
            self.add_error("start", _("Give the first day of the period."))
        if to is None and "to" not in self.errors:
            self.add_error("to", _("Give the last day of the period."))
        if start is None or to is None:
            return cleaned
        if to < start:
            self.add_error("to", _("The last day cannot be before the first day."))
        elif (to - start).days + 1 > MAX_PERIOD_DAYS:
            self.add_error(
                "to", _("A period can be at most %(days)d days long.") % {"days": MAX_PERIOD_DAYS}
            )
        return cleaned

    def period(self, today: datetime.date | None = None) -> Period:
        """The chosen period; call only after is_valid() returned True (or on an unbound form)."""
        today = today or timezone.localdate()
        data = self.cleaned_data if self.is_bound else {}
        preset = data.get("preset") or self.DEFAULT_PRESET
        if preset == "custom":
            return Period(start=data["start"], end=data["to"] + datetime.timedelta(days=1))
        if preset == "month":
            return Period(start=today.replace(day=1), end=today + datetime.timedelta(days=1))
        return Period.last_days(self.PRESET_DAYS[preset], today)


class MonthForm(forms.Form):
    """The cockpit's month (``2026-12``): this month by default, never a month to come."""

    EARLIEST = datetime.date(2000, 1, 1)

    month = forms.CharField(
        label=_("Month"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month"}),
    )

    def clean_month(self) -> datetime.date | None:
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return None
        year, _dash, number = text.partition("-")
        try:
            month = datetime.date(int(year), int(number), 1)
        except ValueError:
            raise forms.ValidationError(_("Give a month as YYYY-MM.")) from None
        if month > timezone.localdate().replace(day=1):
            raise forms.ValidationError(_("The month cannot be in the future."))
        if month < self.EARLIEST:
            raise forms.ValidationError(_("The month cannot be before 2000."))
        return month

    def chosen_month(self) -> datetime.date:
        """The chosen month's first day; call only after is_valid() (or on an unbound form)."""
        chosen = self.cleaned_data.get("month") if self.is_bound else None
        return chosen or timezone.localdate().replace(day=1)


class MapViewForm(PeriodForm):
    """The map's view: the box in sight (``w,s,e,n`` in degrees) and the zoom, with the
    page's period; ``list`` asks for a page of the cases in the box from ``offset``."""

    MAX_OFFSET = 1_000_000

    bbox = forms.CharField(label=_("Box in view"), max_length=200)
    zoom = forms.IntegerField(label=_("Zoom"), min_value=0, max_value=MAX_ZOOM)
    list = forms.BooleanField(label=_("List the cases"), required=False)
    offset = forms.IntegerField(label=_("From"), min_value=0, max_value=MAX_OFFSET, required=False)

    def clean_bbox(self) -> BBox:
        try:
            return parse_bbox(self.cleaned_data["bbox"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

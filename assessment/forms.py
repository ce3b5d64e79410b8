"""The scheme editor and the month to close."""

import datetime
import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.models import AssessmentScheme, Indicator


class SchemeForm(forms.Form):
    """Weight and scoring line per indicator; saving makes the scheme's next version."""

    min_sample = forms.IntegerField(label=_("Minimum sample"), min_value=1, max_value=1000)
    bottom_count = forms.IntegerField(
        label=_("Units named at the bottom"), min_value=0, max_value=20
    )
    note = forms.CharField(label=_("What changed"), max_length=200, required=False)

    def __init__(self, *args, scheme: AssessmentScheme, **kwargs):
        rows = {row.indicator: row for row in scheme.indicators.all()}
        initial = {"min_sample": scheme.min_sample, "bottom_count": scheme.bottom_count}
        for indicator in Indicator:
            row = rows.get(indicator)
            initial[f"{indicator}_weight"] = row.weight if row else 0
            initial[f"{indicator}_floor"] = row.floor if row else Decimal("0")
            initial[f"{indicator}_target"] = row.target if row else Decimal("1")
        super().__init__(*args, initial=initial, **kwargs)
        for indicator in Indicator:
            self.fields[f"{indicator}_weight"] = forms.IntegerField(
                label=_("Weight"), min_value=0, max_value=100
            )
            self.fields[f"{indicator}_floor"] = forms.DecimalField(
                label=_("Rate scoring 0"), min_value=0, max_value=1, decimal_places=4
            )
            self.fields[f"{indicator}_target"] = forms.DecimalField(
                label=_("Rate scoring 100"), min_value=0, max_value=1, decimal_places=4
            )

    def indicator_rows(self) -> list[dict]:
        return [
            {
                "label": indicator.label,
                "fields": [self[f"{indicator}_{part}"] for part in ("weight", "floor", "target")],
            }
            for indicator in Indicator
        ]

    def weights(self) -> dict[str, tuple[int, Decimal, Decimal]]:
        data = self.cleaned_data
        return {
            indicator.value: (
                data[f"{indicator}_weight"],
                data[f"{indicator}_floor"],
                data[f"{indicator}_target"],
            )
            for indicator in Indicator
        }


class CloseMonthForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("Year and month, e.g. 2026-10."),
    )

    def clean_month(self) -> datetime.date:
        try:
            return parse_month(self.cleaned_data["month"])
        except ValueError as bad:
            raise forms.ValidationError(_("Give the month as year-month, e.g. 2026-10.")) from bad


def parse_month(text: str) -> datetime.date:
    """ "2026-10" → 1 October 2026; ValueError for anything else."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if match is None:
        raise ValueError(text)
    return datetime.date(int(match[1]), int(match[2]), 1)

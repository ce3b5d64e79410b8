"""The grid member's quick case report: a minute on a phone, on patrol."""

from django import forms
from django.utils.translation import gettext_lazy as _

from grids.models import Grid
from incidents.forms.report import CaseReportCleaning, category_choices
from incidents.models import Urgency
from members.workspace_forms import GridChoiceField


class QuickReportForm(CaseReportCleaning, forms.Form):
    place_again = _("Place the mark on the map again.")

    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    description = forms.CharField(
        label=_("What is the problem"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    title = forms.CharField(
        label=_("Short title (optional)"),
        max_length=120,
        required=False,
        help_text=_("Left empty, the start of the description is used."),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ORDINARY
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)
    grid = GridChoiceField(
        label=_("Grid"),
        queryset=Grid.objects.none(),
        required=False,
        empty_label=_("Found from the location"),
        help_text=_("Chosen from the location on the map; choose it yourself without one."),
    )
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    # The running patrol's key when the finding is reported from the patrol page.
    patrol = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["grid"].queryset = grids

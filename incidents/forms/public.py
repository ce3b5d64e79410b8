"""Forms of the residents' door: a request, finding it again, and rating it."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from grids.models import Grid
from incidents.forms.report import CaseReportCleaning, category_choices
from incidents.models import Incident
from members import personal_data

HONEYPOT_FIELD = "website"


def _grid_choices() -> list:
    grids = Grid.objects.active().select_related("village").only("name", "village__name")
    villages: dict[str, list] = {}
    for grid in grids.order_by("village__path", "code"):
        villages.setdefault(grid.village.name, []).append((grid.pk, grid.name))
    return [("", _("Not needed: the map or address places it")), *villages.items()]


def clean_phone(value: str) -> str:
    try:
        return personal_data.normalise_phone(value)
    except ValidationError as error:
        raise forms.ValidationError(error.messages) from error


class PublicRequestForm(CaseReportCleaning, forms.Form):
    reporter_name = forms.CharField(label=_("Your name"), max_length=50)
    reporter_phone = forms.CharField(
        label=_("Your phone"),
        max_length=20,
        help_text=_(
            "We call you back on it; with the tracking code it lets you follow the request."
        ),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    category = forms.TypedChoiceField(label=_("What kind of problem"), coerce=int)
    description = forms.CharField(
        label=_("What is the problem"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    title = forms.CharField(
        label=_("Short title (optional)"),
        max_length=120,
        required=False,
        help_text=_("Left empty, the start of the description is used."),
    )
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)
    grid = forms.TypedChoiceField(
        label=_("Village and grid"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Choose it when neither the map nor the address places the problem."),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    # A field people never see: software that fills every field gives itself away.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["grid"].choices = _grid_choices()

    @property
    def is_honeypot_filled(self) -> bool:
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())

    def clean_reporter_name(self) -> str:
        name = self.cleaned_data["reporter_name"].strip()
        if not name:
            raise forms.ValidationError(_("This field is required."), code="required")
        return name

    def clean_reporter_phone(self) -> str:
        return clean_phone(self.cleaned_data["reporter_phone"])

    def clean_grid(self) -> Grid | None:
        pk = self.cleaned_data["grid"]
        return None if pk is None else Grid.objects.select_related("village").get(pk=pk)


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=32)
    phone = forms.CharField(
        label=_("The phone you gave"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class RatingForm(forms.Form):
    code = forms.CharField(max_length=32, widget=forms.HiddenInput)
    phone = forms.CharField(max_length=20, required=False, widget=forms.HiddenInput)
    token = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput)
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you with the result?"),
        choices=Incident.Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

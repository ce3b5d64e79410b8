"""Forms of the residents' door: a request, finding it again, and rating it."""

from django import forms
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from grids.models import Grid
from incidents.models import Category, Incident
from incidents.services.attachments import photo_reencode
from members import personal_data

TITLE_LENGTH = 30
HONEYPOT_FIELD = "website"


def _category_choices() -> list:
    categories = Category.objects.filter(is_active=True).select_related("group")
    groups: dict[str, list] = {}
    for category in categories:
        groups.setdefault(category.group.name, []).append((category.pk, category.name))
    return [("", _("Choose a category")), *groups.items()]


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


class CaseReportCleaning:
    """What every case report form checks the same way: an active category, a description
    that is not blank, a photo that decodes (now, so that a bad file costs nothing typed),
    and a place given as both coordinates or neither. A missing title is taken from the
    description. ``place_again`` is the form's own words for a half-given place."""

    place_again = _("Click the map again to place the problem.")

    def clean_category(self) -> Category:
        category = Category.objects.filter(pk=self.cleaned_data["category"], is_active=True)
        if not category:
            raise forms.ValidationError(_("Choose a category from the list."))
        return category.get()

    def clean_description(self) -> str:
        description = self.cleaned_data["description"].strip()
        if not description:
            raise forms.ValidationError(_("This field is required."), code="required")
        return description

    def clean_photo(self):
        upload = self.cleaned_data["photo"]
        if upload:
            try:
                photo_reencode(upload)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from error
        return upload

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None):
            self.add_error("latitude", self.place_again)
        cleaned["location"] = (
            Point(longitude, latitude, srid=4326)
            if latitude is not None and longitude is not None
            else None
        )
        if not cleaned.get("title") and cleaned.get("description"):
            cleaned["title"] = " ".join(cleaned["description"].split())[:TITLE_LENGTH]
        return cleaned


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
        self.fields["category"].choices = _category_choices()
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

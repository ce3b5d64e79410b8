"""The hotline operator's call form (12345 接线): a compact desktop form, filled from the
keyboard in the order of a call: the number, what is wrong, where."""

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.forms.report import CaseReportCleaning, category_choices
from incidents.models import Urgency


def grid_choices(grids) -> list:
    villages: dict[str, list] = {}
    for grid in grids.order_by("village__path", "code"):
        villages.setdefault(grid.village.name, []).append((grid.pk, grid.name))
    return [("", _("Not needed: the map or address places it")), *villages.items()]


class HotlineCallForm(CaseReportCleaning, forms.Form):
    place_again = _("Click the map again to place the problem.")

    caller_phone = forms.CharField(
        label=_("Caller's phone"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "off", "autofocus": True}
        ),
    )
    caller_name = forms.CharField(
        label=_("Caller's name (optional)"), max_length=50, required=False
    )
    order_id = forms.RegexField(
        label=_("Hotline work order number (optional)"),
        regex=r"^[A-Za-z0-9_.:-]+$",
        max_length=64,
        required=False,
        help_text=_("Given, the case reports its progress back to the hotline."),
        error_messages={"invalid": _("Letters, digits and - _ . : only.")},
    )
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    description = forms.CharField(
        label=_("What the caller reports"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ORDINARY
    )
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )
    grid = forms.TypedChoiceField(
        label=_("Village and grid"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Choose it when neither the map nor the address places the problem."),
    )
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.grids = grids
        self.fields["category"].choices = category_choices()
        self.fields["grid"].choices = grid_choices(grids)

    def clean_grid(self):
        grid_id = self.cleaned_data["grid"]
        if grid_id is None:
            return None
        grid = self.grids.filter(pk=grid_id).first()
        if grid is None:
            raise forms.ValidationError(_("Choose a grid from the list."))
        return grid

"""Forms of the register kept from the field: households, residents, visits.

Each carries the client key its page was given (a fresh one per page view), so that a
form posted twice, by a double tap or by the outbox's replay, lands once.
"""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Grid
from members.admin_forms import WriteOnlyDateInput, WriteOnlyInput
from members.models import HouseholdVisit, Resident, ResidentTag
from members.services.register import ADDRESS_LIMIT, NOTES_LIMIT
from members.workspace_forms import GridChoiceField


class _KeyedForm(forms.Form):
    client_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client_key"].initial = uuid.uuid4


class HouseholdForm(_KeyedForm):
    address = forms.CharField(label=_("Address"), max_length=ADDRESS_LIMIT)


class HouseholdAddForm(HouseholdForm):
    grid = GridChoiceField(label=_("Grid"), queryset=Grid.objects.none(), empty_label=None)

    field_order = ["grid", "address"]

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids


class ResidentForm(_KeyedForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=Resident.Gender.choices)
    birth_date = forms.DateField(
        label=_("Birth date"), required=False, widget=WriteOnlyDateInput()
    )
    id_number = forms.CharField(
        label=_("ID number"),
        required=False,
        max_length=30,
        widget=WriteOnlyInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=30,
        widget=WriteOnlyInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Key groups"),
        queryset=ResidentTag.objects.order_by("code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, resident: Resident | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if resident is None:
            return
        self.initial.update(
            name=resident.name, gender=resident.gender, tags=list(resident.tags.all())
        )
        keep = _("Current: %(masked)s. Leave blank to keep it.")
        for field, masked in (
            ("id_number", resident.id_number_masked),
            ("phone", resident.phone_masked),
        ):
            if masked:
                self.fields[field].help_text = keep % {"masked": masked}
        if resident.birth_date:
            self.fields["birth_date"].help_text = _("Recorded. Leave blank to keep it.")


class VisitForm(_KeyedForm):
    visited_on = forms.DateField(
        label=_("Date of the visit"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=HouseholdVisit.Purpose.choices)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate

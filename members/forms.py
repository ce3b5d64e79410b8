from django import forms
from django.utils.translation import gettext_lazy as _

from grids.models import Grid
from members.models import PersonalDataAccess


class ResidentFilterForm(forms.Form):
    """Search and grid filter of the resident list and its export (GET parameters)."""

    q = forms.CharField(label=_("Name or household code"), required=False, max_length=50)
    grid = forms.ModelChoiceField(
        label=_("Grid"),
        queryset=Grid.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("All grids"),
    )

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        label=_("What to reveal"),
        choices=PersonalDataAccess.Field.choices,
        initial=PersonalDataAccess.Field.PHONE,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Recorded in the access log with your name, the time and your address."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PhoneRevealForm(forms.Form):
    """A phone number to call: the reason is recorded in the access log."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Recorded in the access log with your name, the time and your address."),
    )


class UnlockForm(forms.Form):
    username = forms.CharField(label=_("Account"), max_length=150)
    ip_address = forms.GenericIPAddressField(
        label=_("Address"),
        required=False,
        help_text=_("Optional: also clear the failures counted for this client address."),
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

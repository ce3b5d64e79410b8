"""Forms of the grid member's workspace: patrols and the household lookup."""

from django import forms
from django.utils.translation import gettext_lazy as _

from grids.models import Grid
from members.services.patrols import TEXT_LIMIT

TEXT_ROWS = {"rows": 3}


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} · {obj.village.name}"


def _text(label, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs=TEXT_ROWS),
    )


class _ClientTime(forms.DateTimeField):
    """The device's clock at the moment it acted: sent only by the offline outbox."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)


class PatrolStartForm(forms.Form):
    grid = GridChoiceField(label=_("Grid"), queryset=Grid.objects.none(), empty_label=None)
    notes = _text(_("Notes"))
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    started_at = _ClientTime()

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids


class PatrolNoteForm(forms.Form):
    notes = _text(_("Notes"))
    findings = _text(
        _("Findings"),
        _("Hazards, disputes, anything that needs attention. Each can become a case."),
    )


class PatrolStopForm(PatrolNoteForm):
    ended_at = _ClientTime()


class PointsForm(forms.Form):
    """The JSON body of a batch of route points: {"first_index": 0, "points": [[lng, lat]]}."""

    first_index = forms.IntegerField(min_value=0)
    points = forms.JSONField()


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(label=_("Household code, address or name"), required=False, max_length=50)
    grid = GridChoiceField(
        label=_("Grid"),
        queryset=Grid.objects.none(),
        required=False,
        empty_label=_("All my grids"),
    )

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids

"""Inputs of the duplicate suggestions, the join step and the queue's bulk actions."""

from django import forms
from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _

from core.widgets import PlainSelect
from incidents.models import Category, Department

BULK_MAX = 200


class IdListField(forms.Field):
    """Case ids from checkboxes sharing one name; anything but whole numbers is an error."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            return [int(item) for item in values]
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(_("Select cases from the list.")) from error

    def validate(self, value) -> None:
        if not value:
            raise forms.ValidationError(_("Select at least one case."), code="required")


class SuggestForm(forms.Form):
    """What the report forms send as the reporter types: category and place."""

    category = forms.ModelChoiceField(queryset=Category.objects.filter(is_active=True))
    latitude = forms.FloatField(min_value=-90, max_value=90)
    longitude = forms.FloatField(min_value=-180, max_value=180)

    @property
    def is_incomplete(self) -> bool:
        """Nothing to suggest yet (the reporter has not chosen both): not an error."""
        return not all(self.data.get(name) for name in ("category", "latitude", "longitude"))

    def point(self) -> Point:
        return Point(self.cleaned_data["longitude"], self.cleaned_data["latitude"], srid=4326)


class BulkForm(forms.Form):
    ACCEPT = "accept"
    DISPATCH = "dispatch"
    SUPERVISE = "supervise"
    EXPORT = "export"

    ids = IdListField()
    operation = forms.ChoiceField(
        label=_("With the selected cases"),
        choices=[
            (ACCEPT, _("Accept (and dispatch by the rules)")),
            (DISPATCH, _("Dispatch to the department")),
            (SUPERVISE, _("Start supervision")),
            (EXPORT, _("Export (CSV)")),
        ],
        widget=PlainSelect,
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        widget=PlainSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments

    def clean_ids(self) -> list[int]:
        ids = list(dict.fromkeys(self.cleaned_data["ids"]))
        if len(ids) > BULK_MAX:
            raise forms.ValidationError(
                _("Select at most %(max)d cases at a time.") % {"max": BULK_MAX}
            )
        return ids

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("operation") == self.DISPATCH and not cleaned.get("department"):
            self.add_error("department", _("Choose the department to dispatch to."))
        return cleaned

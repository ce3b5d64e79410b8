"""Admin forms of the members app: each saves by calling its service."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids.admin_forms import ServiceModelForm
from members import personal_data
from members.models import GridAssignment, Resident
from members.services import grid_assign_member, grid_unassign_member, resident_save


class WriteOnlyInput(forms.TextInput):
    """A text input that never puts a value into the page, neither stored nor typed."""

    def format_value(self, value):
        return None


class WriteOnlyDateInput(forms.DateInput):
    """The birth date is half of an ID number: written, never put back into the page."""

    input_type = "date"

    def format_value(self, value):
        return None


class ResidentAdminForm(ServiceModelForm):
    birth_date = forms.DateField(
        label=gettext_lazy("birth date"), required=False, widget=WriteOnlyDateInput()
    )
    id_number = forms.CharField(
        label=gettext_lazy("ID number"),
        required=False,
        max_length=30,
        widget=WriteOnlyInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("phone"),
        required=False,
        max_length=30,
        widget=WriteOnlyInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Resident
        fields = ["household", "name", "gender", "tags"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in ("id_number", "phone"):
            if field in self.fields:
                self.fields[field].help_text = self.current_value_help(field)
        if "birth_date" in self.fields and self.instance.birth_date:
            band = personal_data.age_band(self.instance.birth_date, timezone.localdate())
            self.fields["birth_date"].help_text = _(
                "Current: %(masked)s. Leave blank to keep it."
            ) % {"masked": band}

    def current_value_help(self, field: str) -> str:
        masked = getattr(self.instance, f"{field}_masked", "")
        if not masked:
            return _("None recorded. Enter it to record it.")
        return _("Current: %(masked)s. Leave blank to keep it.") % {"masked": masked}

    def new_or_current(self, field: str) -> str:
        """The value typed in, or the stored one so that resident_save keeps it.

        The stored value is decrypted only to be encrypted again; it never reaches a page.
        """
        typed = self.cleaned_data.get(field, "")
        if typed or self.instance.pk is None:
            return typed
        return personal_data.decrypt(getattr(self.instance, f"{field}_encrypted"))

    def call_service(self) -> Resident:
        data = self.cleaned_data
        return resident_save(
            household=data["household"],
            name=data["name"],
            gender=data["gender"],
            birth_date=data.get("birth_date") or self.instance.birth_date,
            id_number=self.new_or_current("id_number"),
            phone=self.new_or_current("phone"),
            tags=data.get("tags", ()),
            resident=self.instance if self.instance.pk else None,
        )


class GridAssignmentCreateForm(ServiceModelForm):
    class Meta:
        model = GridAssignment
        fields = ["member", "grid", "is_leader", "starts_on"]

    def call_service(self) -> GridAssignment:
        data = self.cleaned_data
        return grid_assign_member(
            member=data["member"],
            grid=data["grid"],
            is_leader=data["is_leader"],
            starts_on=data["starts_on"],
        )


class GridAssignmentEndForm(ServiceModelForm):
    """On an existing assignment only the end date moves, through grid_unassign_member."""

    class Meta:
        model = GridAssignment
        fields = ["ends_on"]

    def call_service(self) -> GridAssignment:
        if "ends_on" not in self.changed_data:
            return self.instance
        ends_on = self.cleaned_data["ends_on"]
        if ends_on is None:
            raise ValidationError(
                {"ends_on": _("An ended assignment cannot be reopened; assign the member again.")}
            )
        return grid_unassign_member(assignment=self.instance, ends_on=ends_on)

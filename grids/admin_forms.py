"""Admin forms that save through the services, so the admin is one more door to them."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model

from core.forms import add_service_errors
from grids.models import Grid, Region
from grids.services import grid_save, region_save, region_set_patrol_norm


class ServiceModelForm(forms.ModelForm):
    """A model form whose save is a service call, made while the form validates.

    The admin validates and saves inside one transaction (``changeform_view`` is atomic).
    Calling the service at the end of validation puts its ValidationError beside the
    fields it names, and a refused call leaves nothing behind: the service's own atomic
    block rolls back. ``save()`` then only hands over what the service saved. Use it on
    admins without editable inlines: an invalid inline would not undo the saved row.
    """

    def call_service(self) -> Model:
        raise NotImplementedError

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.errors:
            return
        try:
            self.instance = self.call_service()
        except ValidationError as error:
            add_service_errors(self, error)

    def save(self, commit: bool = True) -> Model:
        if self.errors:
            raise ValueError("A form with errors has saved nothing.")
        # The service saved the row and its many-to-many fields during validation.
        self.save_m2m = lambda: None
        return self.instance


class SavedByServiceFormAdminMixin:
    """For a ModelAdmin whose form is a ServiceModelForm: the form has already saved."""

    def save_model(self, request, obj, form, change) -> None:
        pass


class RegionAdminForm(ServiceModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "boundary", "patrol_norm_minutes"]

    def call_service(self) -> Region:
        data = self.cleaned_data
        region = region_save(
            code=data.get("code", self.instance.code),
            name=data["name"],
            level=data["level"],
            parent=data["parent"],
            boundary=data["boundary"],
        )
        return region_set_patrol_norm(region=region, minutes=data.get("patrol_norm_minutes"))


class GridAdminForm(ServiceModelForm):
    class Meta:
        model = Grid
        fields = [
            "code",
            "name",
            "kind",
            "village",
            "boundary",
            "households",
            "population",
            "is_active",
        ]

    def call_service(self) -> Grid:
        data = self.cleaned_data
        return grid_save(
            code=data.get("code", self.instance.code),
            name=data["name"],
            kind=data["kind"],
            village=data["village"],
            boundary=data["boundary"],
            households=data["households"],
            population=data["population"],
            is_active=data["is_active"],
        )

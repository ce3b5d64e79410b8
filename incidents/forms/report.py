"""What the report forms of two doors share: the grid member's quick report (member) and the
residents' request (public) take a case in the same way."""

from django import forms
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from incidents.models import Category
from incidents.services.attachments import photo_reencode

TITLE_LENGTH = 30


def category_choices() -> list:
    """The active categories under their groups, for a choice field."""
    categories = Category.objects.filter(is_active=True).select_related("group")
    groups: dict[str, list] = {}
    for category in categories:
        groups.setdefault(category.group.name, []).append((category.pk, category.name))
    return [("", _("Choose a category")), *groups.items()]


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

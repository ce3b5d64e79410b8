"""Parsing an Open311 POST into an Open311Request; every refusal names its field."""

import re

from django import forms
from django.utils.translation import gettext as _

from incidents.models import Category
from incidents.open311.services import Open311Request
from members import personal_data

ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]{1,40})\](\[\])?$")
MAX_ATTRIBUTES = 50


class RequestForm(forms.Form):
    api_key = forms.CharField(max_length=64)
    service_code = forms.CharField(max_length=40)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    long = forms.FloatField(required=False, min_value=-180, max_value=180)
    address_string = forms.CharField(required=False, max_length=200)
    description = forms.CharField(max_length=4000)
    media_url = forms.URLField(required=False, max_length=500, assume_scheme="https")
    email = forms.EmailField(required=False)
    first_name = forms.CharField(required=False, max_length=25)
    last_name = forms.CharField(required=False, max_length=25)
    phone = forms.CharField(max_length=20)
    device_id = forms.CharField(required=False, max_length=100)
    account_id = forms.CharField(required=False, max_length=100)

    def clean_service_code(self) -> Category:
        code = self.cleaned_data["service_code"].strip()
        category = Category.objects.filter(code=code, is_active=True).first()
        if category is None:
            raise forms.ValidationError(_("Unknown service_code."))
        return category

    def clean_phone(self) -> str:
        return personal_data.normalise_phone(self.cleaned_data["phone"])

    def clean(self):
        cleaned = super().clean()
        has_lat = cleaned.get("lat") is not None
        has_long = cleaned.get("long") is not None
        if has_lat != has_long:
            raise forms.ValidationError(_("Send both lat and long, or neither."))
        names = (cleaned.get("first_name") or "") + (cleaned.get("last_name") or "")
        if not names.strip():
            raise forms.ValidationError(_("Send first_name or last_name: the town calls back."))
        return cleaned


def attribute_answers(data) -> dict[str, list[str]]:
    """attribute[code]=value and attribute[code][]=value (several values)."""
    answers: dict[str, list[str]] = {}
    for key in list(data.keys())[: MAX_ATTRIBUTES * 4]:
        match = ATTRIBUTE_KEY.match(key)
        if match:
            answers.setdefault(match.group(1), []).extend(
                value.replace("\x00", "")[:500] for value in data.getlist(key)[:MAX_ATTRIBUTES]
            )
    return answers


def form_errors(form: RequestForm) -> list[str]:
    """One description per problem, named by the spec's parameter."""
    messages = []
    for name, errors in form.errors.items():
        for error in errors:
            messages.append(error if name == "__all__" else f"{name}: {error}")
    return messages


def parsed_request(form: RequestForm, data) -> Open311Request:
    cleaned = form.cleaned_data
    return Open311Request(
        category=cleaned["service_code"],
        description=cleaned["description"],
        first_name=cleaned["first_name"],
        last_name=cleaned["last_name"],
        phone=cleaned["phone"],
        latitude=cleaned["lat"],
        longitude=cleaned["long"],
        address=cleaned["address_string"],
        media_url=cleaned["media_url"],
        device_id=cleaned["device_id"],
        attributes=attribute_answers(data),
    )

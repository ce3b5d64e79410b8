"""What every form of the project shares."""

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, renames: Mapping[str, str] | None = None
) -> None:
    """A service's ValidationError beside the form's fields, or above the form.

    Services name the model's fields; ``renames`` maps those a form calls otherwise
    (the service's ``location`` is the form's ``latitude``). A field the form lacks goes
    above the form.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        field = (renames or {}).get(key, key)
        form.add_error(field if field in form.fields else None, messages)

"""The refusals of the case services: a step the case's state does not allow."""

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from core.errors import ActionRefused
from incidents.models import Incident


class IncidentActionRefused(ActionRefused):
    """A step the case's state does not allow (pages show it; the API answers 409)."""


def illegal_step(status_label: str, action_label: str | Promise) -> IncidentActionRefused:
    return IncidentActionRefused(
        _("A case that is “%(status)s” cannot be %(action)s.")
        % {"status": status_label, "action": action_label},
        code="illegal_transition",
    )


def refusal_message(error: Exception) -> str:
    """One line for a page to show of a service's refusal (state, input or permission)."""
    if isinstance(error, ActionRefused):
        return error.message
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You may not take this step on this case.")


def case_changed(incident: Incident) -> IncidentActionRefused:
    """A step that waited for the case while another step or the sweep moved it."""
    return IncidentActionRefused(
        _(
            "Case %(code)s changed while this step waited for it (it is now “%(status)s”):"
            " look at it again."
        )
        % {"code": incident.code, "status": incident.get_status_display()},
        code="changed",
    )

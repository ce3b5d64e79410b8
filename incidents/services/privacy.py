"""Revealing a case reporter's phone to those handling the case, each look recorded."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from incidents import permissions
from incidents.models import Incident, ReporterPhoneAccess
from members import personal_data
from members.models import User


@transaction.atomic
def incident_reveal_reporter_phone(
    *, actor: User, incident: Incident, reason: str, ip_address: str | None = None
) -> str:
    """The reporter's phone in full, and a row in the access log of who looked and why."""
    if not permissions.can_reveal_reporter_phone(actor, incident):
        raise PermissionDenied(_("You may not see the reporter's phone of this case."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you need to see it.")})
    if not incident.reporter_phone_encrypted:
        raise ValidationError(_("The reporter gave no phone."))
    ReporterPhoneAccess.objects.create(
        actor=actor, incident=incident, reason=reason[:200], ip_address=ip_address
    )
    return personal_data.decrypt(incident.reporter_phone_encrypted)

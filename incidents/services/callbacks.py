"""Call-backs (回访): a dissatisfied rating opens one for the case's town, with a deadline;
an official of the town calls the reporter and closes it with what was said."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import permissions
from incidents.models import CallBack, Incident, Level, TimeUnit
from incidents.services import notify
from incidents.services.errors import IncidentActionRefused
from incidents.working_time import WorkingCalendar
from members.models import User
from members.notifications import notifications_create


def callback_open(*, incident: Incident, now: datetime.datetime | None = None) -> CallBack:
    """Open the case's call-back (inside the rating's transaction) and tell the town."""
    now = now or timezone.now()
    due_at = WorkingCalendar.around(now).deadline(
        now, settings.CALLBACK_WORKING_DAYS, TimeUnit.WORKING_DAYS
    )
    existing = CallBack.objects.filter(incident=incident, closed_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            callback = CallBack.objects.create(
                incident=incident, town_id=incident.town_id, due_at=due_at
            )
    except IntegrityError:  # another rating of the same case won the race
        return CallBack.objects.get(incident=incident, closed_at__isnull=True)
    notifications_create(
        recipients=notify.officials_of([incident.town_id], Level.TOWN),
        kind="callback",
        title=_("Call back the reporter of case %(code)s: rated dissatisfied")
        % {"code": incident.code},
        body=incident.title,
        url=notify.incident_url(incident.pk),
    )
    return callback


@transaction.atomic
def callback_close(*, actor: User, callback: CallBack, outcome: str) -> CallBack:
    """Record the call: who called, when, and what the reporter said."""
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("Write down what the reporter said.")})
    locked = CallBack.objects.select_for_update().select_related("incident").get(pk=callback.pk)
    if not permissions.can_call_back(actor, locked.incident):
        raise PermissionDenied(_("You may not call back the reporter of this case."))
    if locked.closed_at is not None:
        raise IncidentActionRefused(
            _("This call-back was already recorded."), code="callback_closed"
        )
    locked.closed_at = timezone.now()
    locked.closed_by = actor
    locked.outcome = outcome
    locked.save(update_fields=["closed_at", "closed_by", "outcome"])
    return locked

"""Lead and assisting units (主办/协办), and the arbitration of repeated returns (推诿).

A dispatch names one lead (the assignee) and any number of assisting departments
(``AssistingUnit``). Each assisting unit reports its part; the lead alone closes the
handling stage (``incident_handle``), and only once every part is in. A unit that returns
the same case a second time does not get rid of it: the return goes to the official one
rung up (``ReturnArbitration``), whose decision binds.
"""

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import permissions
from incidents.models import (
    AssistingUnit,
    Department,
    Incident,
    IncidentEvent,
    ReasonCode,
    ReturnArbitration,
)
from incidents.services import notify
from incidents.services.errors import IncidentActionRefused
from incidents.services.events import record_event
from members.models import User
from members.notifications import notifications_create

Action = IncidentEvent.Action


def assisting_units_set(incident: Incident, departments: Sequence[Department]) -> None:
    """The (locked) case's assisting departments after a dispatch: new ones are told; a
    department no longer named loses its part unless it reported it already."""
    wanted = {department.pk: department for department in departments}
    if incident.assignee_department_id in wanted:
        raise ValidationError({"assisting": _("The lead unit cannot also assist.")})
    for department in wanted.values():
        if not department.is_active or not incident.town.path.startswith(department.region.path):
            raise ValidationError(
                {"assisting": _("Choose active departments that serve the case's town.")}
            )
    AssistingUnit.objects.filter(incident=incident, status=AssistingUnit.Status.PENDING).exclude(
        department_id__in=wanted
    ).delete()
    existing = set(
        AssistingUnit.objects.filter(incident=incident).values_list("department_id", flat=True)
    )
    new = [pk for pk in wanted if pk not in existing]
    AssistingUnit.objects.bulk_create(
        AssistingUnit(incident=incident, department_id=pk) for pk in new
    )
    if new:
        notifications_create(
            recipients=User.objects.filter(
                groups__department__pk__in=new, is_active=True
            ).distinct(),
            kind="incident",
            title=_("Case %(code)s: your department assists") % {"code": incident.code},
            body=incident.title,
            url=notify.incident_url(incident.pk),
        )


def require_parts_reported(incident: Incident) -> None:
    """The lead closes the handling stage only when every assisting unit has reported."""
    pending = AssistingUnit.objects.filter(
        incident=incident, status=AssistingUnit.Status.PENDING
    ).exists()
    if pending:
        raise IncidentActionRefused(
            _("Not every assisting unit has reported its part yet."), "assist_pending"
        )


@transaction.atomic
def incident_assist_report(*, actor: User, incident: Incident, note: str) -> AssistingUnit:
    """An assisting unit reports its part of the work."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Give a reason.")})
    locked = Incident.objects.select_for_update(of=("self",)).get(pk=incident.pk)
    part = (
        AssistingUnit.objects.select_for_update()
        .filter(incident=locked, department__handlers__user=actor)
        .select_related("department")
        .first()
    )
    if part is None or not actor.is_active:
        raise PermissionDenied(_("You may not take this step on this case."))
    if locked.status not in Incident.HANDLING_STATUSES:
        raise IncidentActionRefused(_("The case is not being handled."), "not_handling")
    if part.status == AssistingUnit.Status.REPORTED:
        raise IncidentActionRefused(_("Your department reported its part already."), "reported")
    part.status, part.note = AssistingUnit.Status.REPORTED, note
    part.reported_by, part.reported_at = actor, timezone.now()
    part.save()
    record_event(
        locked, actor=actor, action=Action.ASSIST_REPORT, note=note, department=part.department
    )
    notify.notify_assignees(
        locked,
        _("Case %(code)s: %(department)s reported its part")
        % {"code": locked.code, "department": part.department.name},
    )
    return part


def returns_by_unit(incident: Incident) -> Q:
    """The return events of the case's current assignee (a department, or a person)."""
    if incident.assignee_department_id:
        return Q(department_id=incident.assignee_department_id)
    return Q(actor_id=incident.assignee_user_id, department__isnull=True)


def return_needs_arbitration(incident: Incident) -> ReturnArbitration | None:
    """None for a unit's first return; for a later one, raise if an arbitration bound the
    unit to the case, else an unsaved arbitration to write."""
    unit = returns_by_unit(incident)
    earlier = IncidentEvent.objects.filter(unit, incident=incident, action=Action.RETURN)
    if not earlier.exists():
        return None
    same_unit = (
        Q(department_id=incident.assignee_department_id)
        if incident.assignee_department_id
        else Q(department__isnull=True, returning_user_id=incident.assignee_user_id)
    )
    decided = ReturnArbitration.objects.filter(same_unit, incident=incident)
    if decided.filter(status=ReturnArbitration.Status.REFUSED).exists():
        raise IncidentActionRefused(
            _("The arbitration decided that your unit keeps this case."), "arbitrated"
        )
    if decided.filter(status=ReturnArbitration.Status.PENDING).exists():
        raise IncidentActionRefused(_("A return of this case waits for arbitration."), "pending")
    return ReturnArbitration(
        incident=incident,
        department_id=incident.assignee_department_id,
        returning_user_id=None if incident.assignee_department_id else incident.assignee_user_id,
    )


def arbitration_request(
    arbitration: ReturnArbitration, *, actor: User, reason: ReasonCode, note: str
) -> ReturnArbitration:
    arbitration.reason, arbitration.note, arbitration.requested_by = reason, note, actor
    arbitration.save()
    record_event(
        arbitration.incident,
        actor=actor,
        action=Action.ARBITRATE_ASK,
        note=note,
        reason=reason,
        department=arbitration.incident.assignee_department,
    )
    notify.notify_level(
        arbitration.incident,
        _("Case %(code)s: a second return waits for your arbitration")
        % {"code": arbitration.incident.code},
    )
    return arbitration


def arbitration_decide(
    arbitration: ReturnArbitration, *, actor: User, uphold: bool, note: str
) -> ReturnArbitration:
    """Record the (checked) decision on the (locked) arbitration; the caller moves the case."""
    if not permissions.can_decide_extension(actor, arbitration.incident):
        raise PermissionDenied(_("You may not take this step on this case."))
    if arbitration.status != ReturnArbitration.Status.PENDING:
        raise IncidentActionRefused(_("This arbitration was decided already."), "decided")
    arbitration.status = (
        ReturnArbitration.Status.UPHELD if uphold else ReturnArbitration.Status.REFUSED
    )
    arbitration.decided_by, arbitration.decided_at = actor, timezone.now()
    arbitration.decision_note = note.strip()
    arbitration.save()
    return arbitration

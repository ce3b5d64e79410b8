"""Returns, extensions, suspension and reopening: the steps off the happy path.

Each has the shape of the loop's steps (incidents.services.transitions): lock the case,
check the actor through incidents.permissions, refuse what the table or the case's state
does not allow without changing anything, write exactly one IncidentEvent (with its
reason code), queue notifications after commit.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import permissions
from incidents.models import DeadlineExtension, Incident, IncidentEvent, ReasonCode
from incidents.services import notify
from incidents.services.deadlines import stage_deadlines
from incidents.services.errors import IncidentActionRefused, illegal_step
from incidents.services.events import record_event
from incidents.services.transitions import (
    _lock_as,
    _move,
    _require_reason,
    check_reason,
    handler_of,
    handover,
)
from members.models import User

Status = Incident.Status
Action = IncidentEvent.Action
Kind = ReasonCode.Kind


@transaction.atomic
def incident_return(
    *, actor: User, incident: Incident, reason_code: ReasonCode, note: str
) -> Incident:
    """The receiving unit sends a case outside its competence back to dispatch (退回).

    The case is accepted again with no assignee; the unit loses its handling permission;
    the event keeps which department returned it and, if a rule had sent it there, the
    rule (the dashboard counts returns per unit and returned automatic dispatches).
    """
    note = _require_reason(note, "note")
    code = check_reason(reason_code, Kind.RETURN)
    locked = _lock_as(actor, incident, permissions.can_return)
    if locked.status not in Incident.HANDLING_STATUSES:
        raise illegal_step(locked.get_status_display(), Action.RETURN.label)
    previous = handler_of(locked)
    event_fields = {
        "reason": code,
        "department": locked.assignee_department,
        "dispatch_rule": locked.dispatch_rule,
    }
    _move(
        locked,
        actor=actor,
        action=Action.RETURN,
        to_status=Status.ACCEPTED,
        note=note,
        fields={"assignee_user": None, "assignee_department": None, "dispatch_rule": None},
        event_fields=event_fields,
    )
    handover(locked, previous, None)
    DeadlineExtension.objects.filter(
        incident=locked, status=DeadlineExtension.Status.PENDING
    ).update(status=DeadlineExtension.Status.REFUSED, decided_at=timezone.now())
    notify.notify_dispatcher(
        locked, _("Case %(code)s was returned for dispatch") % {"code": locked.code}
    )
    return locked


@transaction.atomic
def incident_extension_request(
    *,
    actor: User,
    incident: Incident,
    reason_code: ReasonCode,
    note: str,
    new_deadline: datetime.datetime,
) -> DeadlineExtension:
    """A handler who cannot finish in time asks for a later deadline (延期)."""
    note = _require_reason(note, "note")
    code = check_reason(reason_code, Kind.EXTENSION)
    locked = _lock_as(actor, incident, permissions.can_request_extension)
    if locked.status not in Incident.HANDLING_STATUSES:
        raise illegal_step(locked.get_status_display(), Action.EXTEND_REQUEST.label)
    now = timezone.now()
    floor = max(filter(None, [locked.deadline, now]))
    if new_deadline <= floor:
        raise ValidationError(
            {"new_deadline": _("Ask for a date after the current deadline and after now.")}
        )
    if locked.extensions.filter(status=DeadlineExtension.Status.PENDING).exists():
        raise IncidentActionRefused(
            _("An extension is already waiting for a decision."), "pending"
        )
    extension = DeadlineExtension.objects.create(
        incident=locked,
        requested_by=actor,
        reason=code,
        note=note,
        previous_deadline=locked.deadline,
        requested_deadline=new_deadline,
    )
    when = timezone.localtime(new_deadline).strftime("%Y-%m-%d %H:%M")
    record_event(
        locked, actor=actor, action=Action.EXTEND_REQUEST, note=f"{when}\n{note}", reason=code
    )
    notify.notify_level(
        locked, _("Case %(code)s: an extension is asked for") % {"code": locked.code}
    )
    return extension


@transaction.atomic
def incident_extension_decide(
    *, actor: User, extension: DeadlineExtension, approve: bool, note: str = ""
) -> DeadlineExtension:
    """The official one rung up approves (the deadline moves, and escalation waits for
    it) or refuses (the deadline stands)."""
    locked = _lock_as(actor, extension.incident, permissions.can_decide_extension)
    extension = DeadlineExtension.objects.select_for_update().get(pk=extension.pk)
    if extension.incident_id != locked.pk:
        raise ValidationError(_("This extension belongs to another case."))
    if extension.status != DeadlineExtension.Status.PENDING:
        raise IncidentActionRefused(_("This extension was decided already."), "decided")
    if approve and locked.status not in Incident.HANDLING_STATUSES:
        raise illegal_step(locked.get_status_display(), Action.EXTEND_APPROVE.label)
    if not approve:
        note = _require_reason(note, "note")
    extension.status = (
        DeadlineExtension.Status.APPROVED if approve else DeadlineExtension.Status.REFUSED
    )
    extension.decided_by, extension.decided_at = actor, timezone.now()
    extension.decision_note = note.strip()
    extension.save()
    if approve:
        locked.deadline = extension.requested_deadline
        locked.save(update_fields=["deadline", "updated_at"])
    action = Action.EXTEND_APPROVE if approve else Action.EXTEND_REFUSE
    record_event(locked, actor=actor, action=action, note=note.strip(), reason=extension.reason)
    title = (
        _("Case %(code)s: the extension was approved")
        if approve
        else _("Case %(code)s: the extension was refused")
    )
    notify.notify_assignees(locked, title % {"code": locked.code})
    return extension


@transaction.atomic
def incident_suspend(
    *,
    actor: User,
    incident: Incident,
    reason_code: ReasonCode,
    note: str,
    review_on: datetime.date,
) -> Incident:
    """Put a case that cannot be solved for now on hold (挂账) until its review date.

    A suspended case is not open: it leaves the overdue counts and the escalation sweep,
    and comes back to the status it left on its review date (incidents_resume_due).
    """
    note = _require_reason(note, "note")
    code = check_reason(reason_code, Kind.SUSPENSION)
    locked = _lock_as(actor, incident, permissions.can_suspend)
    if locked.status not in Incident.SUSPENDABLE_STATUSES:
        raise illegal_step(locked.get_status_display(), Action.SUSPEND.label)
    if review_on is None or review_on <= timezone.localdate():
        raise ValidationError({"review_on": _("Choose a review date after today.")})
    _move(
        locked,
        actor=actor,
        action=Action.SUSPEND,
        to_status=Status.SUSPENDED,
        note=f"{review_on.isoformat()}\n{note}",
        fields={"suspended_from": locked.status, "review_on": review_on},
        event_fields={"reason": code},
    )
    notify.notify_assignees(locked, _("Case %(code)s is suspended") % {"code": locked.code})
    return locked


@transaction.atomic
def incident_resume(*, actor: User, incident: Incident, note: str = "") -> Incident:
    """Take a suspended case back before its review date; its stage's clock restarts."""
    locked = _lock_as(actor, incident, permissions.can_suspend)
    if locked.status != Status.SUSPENDED:
        raise illegal_step(locked.get_status_display(), Action.RESUME.label)
    _move(
        locked,
        actor=actor,
        action=Action.RESUME,
        to_status=locked.suspended_from,
        note=note,
        fields={"suspended_from": "", "review_on": None},
    )
    notify.notify_level(locked, _("Case %(code)s is back from suspension") % {"code": locked.code})
    return locked


@transaction.atomic
def incident_reopen(
    *, actor: User, incident: Incident, reason_code: ReasonCode, note: str
) -> Incident:
    """A closed, rated or rejected case goes back to dispatch (the problem came back, the
    reporter was not satisfied, or it was refused by mistake)."""
    note = _require_reason(note, "note")
    code = check_reason(reason_code, Kind.REOPEN)
    locked = _lock_as(actor, incident, permissions.can_reopen)
    if locked.status not in Incident.REOPENABLE_STATUSES:
        raise illegal_step(locked.get_status_display(), Action.REOPEN.label)
    previous = handler_of(locked)
    _move(
        locked,
        actor=actor,
        action=Action.REOPEN,
        to_status=Status.ACCEPTED,
        note=note,
        fields={
            "closed_at": None,
            "satisfaction": "",
            "evaluation_comment": "",
            "assignee_user": None,
            "assignee_department": None,
            "dispatch_rule": None,
        },
        event_fields={"reason": code},
    )
    handover(locked, previous, None)
    notify.notify_reporter(locked, _("Case %(code)s was reopened") % {"code": locked.code})
    return locked


def incidents_resume_due(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """Suspended cases whose review date has come go back to the status they left.

    Set-based like the escalation sweep: each batch claims its rows with
    ``SELECT ... FOR UPDATE SKIP LOCKED`` (a second run takes other rows or none; a row it
    moved is no longer suspended), writes its events in one INSERT and moves the rows with
    one UPDATE per (category, urgency, status) group, which share the restarted deadline.
    Each batch writes one digest per region for the officials there, in its own
    transaction: what a batch committed is announced, even if a later one never runs.
    """
    now = now or timezone.now()
    resumed = 0
    while batch := _resume_batch(now, batch_size):
        resumed += batch
    return resumed


@transaction.atomic
def _resume_batch(now: datetime.datetime, batch_size: int) -> int:
    digests: dict[tuple[int, int], list[str]] = {}
    rows = list(
        Incident.objects.filter(status=Status.SUSPENDED, review_on__lte=timezone.localdate(now))
        .select_for_update(skip_locked=True)
        .order_by("review_on", "pk")
        .values_list(
            "pk", "code", "category_id", "urgency", "suspended_from", "level", "handling_region_id"
        )[:batch_size]
    )
    if not rows:
        return 0
    groups: dict[tuple[int, str, str], list[int]] = {}
    events = []
    for pk, code, category_id, urgency, back_to, level, region_id in rows:
        groups.setdefault((category_id, urgency, back_to), []).append(pk)
        digests.setdefault((region_id, level), []).append(code)
        events.append(
            IncidentEvent(
                incident_id=pk,
                action=Action.RESUME,
                from_status=Status.SUSPENDED,
                to_status=back_to,
                from_level=level,
                to_level=level,
                note=_("Review date reached"),
            )
        )
    IncidentEvent.objects.bulk_create(events)
    deadlines = stage_deadlines(groups, now)
    for key, ids in groups.items():
        Incident.objects.filter(pk__in=ids, status=Status.SUSPENDED).update(
            status=key[2],
            suspended_from="",
            review_on=None,
            deadline=deadlines[key],
            updated_at=now,
        )
    notify.notify_resumed_digests(digests)
    return len(rows)

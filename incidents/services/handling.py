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
from incidents.models import (
    DeadlineExtension,
    Incident,
    IncidentEvent,
    ReasonCode,
    ReturnArbitration,
)
from incidents.publication import public_cases_changed
from incidents.services import notify
from incidents.services.bulk import incidents_update_each
from incidents.services.cohandling import (
    arbitration_decide,
    arbitration_request,
    return_needs_arbitration,
)
from incidents.services.deadlines import (
    extension_clock_fields,
    resumed_clock_fields,
    stage_clocks,
)
from incidents.services.errors import IncidentActionRefused, illegal_step
from incidents.services.events import record_event
from incidents.services.hotline_sync import hotline_updates_queue
from incidents.services.transitions import (
    _lock,
    _lock_as,
    _move,
    _require_reason,
    check_reason,
    handler_of,
    handover,
)
from incidents.working_time import WorkingCalendar
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
    rule (the dashboard counts returns per unit and returned automatic dispatches). The
    unit's second return of the same case goes to arbitration instead
    (incidents.services.cohandling): the case stays with the unit until the official one
    rung up decides.
    """
    note = _require_reason(note, "note")
    code = check_reason(reason_code, Kind.RETURN)
    locked = _lock_as(actor, incident, permissions.can_return)
    if locked.status not in Incident.HANDLING_STATUSES:
        raise illegal_step(locked.get_status_display(), Action.RETURN.label)
    arbitration = return_needs_arbitration(locked)
    if arbitration is not None:
        arbitration_request(arbitration, actor=actor, reason=code, note=note)
        return locked
    _send_back(locked, actor=actor, reason=code, note=note)
    return locked


def _send_back(locked: Incident, *, actor: User, reason: ReasonCode, note: str) -> None:
    previous = handler_of(locked)
    event_fields = {
        "reason": reason,
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


@transaction.atomic
def incident_arbitration_decide(
    *, actor: User, arbitration: ReturnArbitration, uphold: bool, note: str = ""
) -> ReturnArbitration:
    """The official one rung up decides a second return; the decision binds. Upheld, the
    case goes back to dispatch (a return, counted in the unit's 退回率); refused, the unit
    keeps the case and may not return it again."""
    locked = _lock(arbitration.incident)
    arbitration = ReturnArbitration.objects.select_for_update().get(pk=arbitration.pk)
    arbitration.incident = locked
    if not uphold:
        note = _require_reason(note, "note")
    arbitration_decide(arbitration, actor=actor, uphold=uphold, note=note)
    record_event(
        locked, actor=actor, action=Action.ARBITRATE, note=note, reason=arbitration.reason
    )
    if uphold:
        _send_back(
            locked,
            actor=arbitration.requested_by,
            reason=arbitration.reason,
            note=arbitration.note,
        )
    else:
        notify.notify_assignees(
            locked,
            _("Case %(code)s: the arbitration decided that your unit keeps it")
            % {"code": locked.code},
        )
    return arbitration


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
        clock = extension_clock_fields(locked, timezone.now(), extension.requested_deadline)
        for name, value in clock.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*clock, "updated_at"])
        public_cases_changed(locked.source)
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
    """Take a suspended case back before its review date; its stage continues with the
    working time it had left when it was suspended."""
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
    one bulk UPDATE: each continues its stage with the minutes it had left (a case suspended
    before clocks were stored restarts its stage). Each batch writes one digest per region
    for the officials there, in its own transaction: what a batch committed is announced,
    even if a later one never runs.
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
        .only(*RESUME_FIELDS)[:batch_size]
    )
    if not rows:
        return 0
    restarts = stage_clocks(
        {(row.category_id, row.urgency, row.suspended_from) for row in rows if not row.clock_from},
        now,
    )
    anchors = [row.clock_from for row in rows if row.clock_from]
    calendar = WorkingCalendar.spanning(min(anchors, default=now), now)
    events = []
    for row in rows:
        digests.setdefault((row.handling_region_id, row.level), []).append(row.code)
        events.append(
            IncidentEvent(
                incident_id=row.pk,
                action=Action.RESUME,
                from_status=Status.SUSPENDED,
                to_status=row.suspended_from,
                from_level=row.level,
                to_level=row.level,
                note=_("Review date reached"),
            )
        )
        row.status = row.suspended_from
        clock = (
            resumed_clock_fields(row, now, calendar)
            if row.clock_from
            else restarts[(row.category_id, row.urgency, row.status)]
        )
        for name, value in clock.items():
            setattr(row, name, value)
        row.suspended_from, row.review_on, row.updated_at = "", None, now
    IncidentEvent.objects.bulk_create(events)
    hotline_updates_queue(zip(rows, events, strict=True))
    incidents_update_each(
        [(row.pk, *(getattr(row, name) for name in RESUMED_FIELDS)) for row in rows],
        RESUMED_FIELDS,
    )
    public_cases_changed()
    notify.notify_resumed_digests(digests)
    return len(rows)


RESUME_FIELDS = [
    "pk",
    "code",
    "source",
    "category_id",
    "urgency",
    "status",
    "suspended_from",
    "level",
    "handling_region_id",
    "clock_from",
    "clock_working",
    "clock_source",
    "stage_minutes_used",
    "stage_minutes_paused",
    "stage_minutes_remaining",
    "warning_percent",
]
RESUMED_FIELDS = [
    "status",
    "suspended_from",
    "review_on",
    "updated_at",
    "deadline",
    "yellow_at",
    "is_warning_due",
    "clock_from",
    "clock_working",
    "clock_source",
    "warning_percent",
    "stage_minutes_used",
    "stage_minutes_paused",
    "stage_minutes_remaining",
]

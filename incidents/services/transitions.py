"""The closed loop: one service function per step of a case.

Each step locks the case, checks the actor through incidents.permissions, refuses a step
that Incident.TRANSITIONS does not allow (IncidentActionRefused, nothing changed), writes
exactly one IncidentEvent, sets the next deadline and queues notifications after commit.
Nothing else assigns ``Incident.status``.
"""

import datetime
from collections.abc import Callable, Sequence
from typing import NoReturn

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from grids.jurisdiction import jurisdiction_covers
from incidents import permissions
from incidents.models import Department, Incident, IncidentEvent, Level, ReasonCode, is_at_top
from incidents.publication import public_cases_changed
from incidents.services import callbacks, followers, notify
from incidents.services.cohandling import assisting_units_set, require_parts_reported
from incidents.services.deadlines import (
    escalation_clock_fields,
    escalation_limits,
    paused_clock_fields,
    resumed_clock_fields,
    stage_clock_fields,
)
from incidents.services.errors import IncidentActionRefused, case_changed, illegal_step
from incidents.services.events import record_event
from incidents.services.hotline_sync import hotline_updates_queue
from incidents.services.supervision import notify_supervision, supervision_end, supervision_start
from incidents.working_time import WorkingCalendar
from members.models import User
from members.notifications import notifications_create
from members.selectors import grid_people

Status = Incident.Status
Action = IncidentEvent.Action


def _lock(incident: Incident) -> Incident:
    """Lock the case row alone, then read it with its relations.

    Race: locking with the joins (``FOR UPDATE OF self`` and ``select_related``) makes
    PostgreSQL re-check the joined rows once the lock it waited for is released; a case
    that the holder escalated past the village has a new handling region, the stale
    joined region no longer matches, the row drops out and ``.get()`` finds nothing.
    Locked by id first, the case is read afterwards in a new snapshot, as committed.
    """
    Incident.objects.select_for_update().values_list("pk", flat=True).get(pk=incident.pk)
    return Incident.objects.select_related(
        "handling_region", "grid", "grid__village", "category"
    ).get(pk=incident.pk)


def _lock_as(actor: User | None, incident: Incident, check: Callable) -> Incident:
    """The locked case, if ``check`` lets the actor take the step on it as it is now.

    A case that changed while the step waited (escalated, dispatched elsewhere, moved on
    by another official) so that the actor's right, which the case as the caller read it
    gave, is gone, is refused as a conflict (409), not as a missing right.
    """
    locked = _lock(incident)
    if check(actor, locked):
        return locked
    _refuse(had_right=check(actor, incident), locked=locked)


def _refuse(*, had_right: bool, locked: Incident) -> NoReturn:
    if had_right:
        raise case_changed(locked)
    raise PermissionDenied(_("You may not take this step on this case."))


def _require_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("Give a reason.")})
    return reason


def check_reason(reason_code: ReasonCode | None, kind: str) -> ReasonCode:
    """A reason code of the step's kind that the town still uses, or a field error."""
    if reason_code is None:
        raise ValidationError({"reason_code": _("Choose a reason.")})
    if reason_code.kind != kind or not reason_code.is_active:
        raise ValidationError({"reason_code": _("This reason does not apply to this step.")})
    return reason_code


def _move(
    incident: Incident,
    *,
    actor: User | None,
    action: str,
    to_status: str,
    note: str = "",
    fields: dict | None = None,
    now: datetime.datetime | None = None,
    from_statuses: frozenset | None = None,
    event_fields: dict | None = None,
) -> IncidentEvent:
    """Apply a status change the table allows, set the stage's clock, write the event.

    A suspension keeps the minutes the stage had left and a resume continues from them;
    every other step starts its stage's clock afresh.

    ``from_statuses`` narrows the table where two actions share an edge's target
    (start: dispatched → in progress; rework: handled → in progress). ``event_fields``
    are the event's reason, department or dispatch rule.
    """
    from_status = incident.status
    allowed = to_status in Incident.TRANSITIONS[from_status]
    if not allowed or (from_statuses is not None and from_status not in from_statuses):
        raise illegal_step(incident.get_status_display(), IncidentEvent.Action(action).label)
    now = now or timezone.now()
    incident.status = to_status
    for name, value in (fields or {}).items():
        setattr(incident, name, value)
    if to_status == Status.SUSPENDED:
        clock = paused_clock_fields(incident, now)
    elif action == Action.RESUME:
        clock = resumed_clock_fields(incident, now)
    else:
        clock = stage_clock_fields(incident, now)
    for name, value in clock.items():
        setattr(incident, name, value)
    if to_status in (Status.CLOSED, Status.REJECTED, Status.MERGED):
        incident.closed_at = now
    incident.save()
    event = IncidentEvent.objects.create(
        incident=incident,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        from_level=incident.level,
        to_level=incident.level,
        note=note,
        **(event_fields or {}),
    )
    # A hotline work order's case tells the hotline, in this step's transaction.
    hotline_updates_queue([(incident, event)])
    public_cases_changed(incident.source)
    return event


def _step(
    incident: Incident,
    *,
    actor: User | None,
    check: Callable,
    action: str,
    to_status: str,
    note: str = "",
    fields: dict | None = None,
    from_statuses: frozenset | None = None,
    event_fields: dict | None = None,
) -> tuple[Incident, IncidentEvent]:
    locked = _lock_as(actor, incident, check)
    event = _move(
        locked,
        actor=actor,
        action=action,
        to_status=to_status,
        note=note,
        fields=fields,
        from_statuses=from_statuses,
        event_fields=event_fields,
    )
    return locked, event


@transaction.atomic
def incident_accept(*, actor: User, incident: Incident, note: str = "") -> Incident:
    incident, _event = _step(
        incident,
        actor=actor,
        check=permissions.can_manage,
        action=Action.ACCEPT,
        to_status=Status.ACCEPTED,
        note=note,
        from_statuses=frozenset({Status.REPORTED}),
    )
    notify.notify_reporter(
        incident,
        _("Your case %(code)s was accepted") % {"code": incident.code},
        text_kind="case_accepted",
    )
    return incident


@transaction.atomic
def incident_reject(
    *, actor: User, incident: Incident, reason: str, reason_code: ReasonCode | None = None
) -> Incident:
    """Refuse a report at acceptance, with a reason code of kind reject and a note."""
    reason = _require_reason(reason)
    code = check_reason(reason_code, ReasonCode.Kind.REJECT)
    incident, _event = _step(
        incident,
        actor=actor,
        check=permissions.can_manage,
        action=Action.REJECT,
        to_status=Status.REJECTED,
        note=reason,
        event_fields={"reason": code},
    )
    notify.notify_reporter(
        incident, _("Your case %(code)s was not accepted") % {"code": incident.code}
    )
    return incident


def _check_dispatch_target(
    incident: Incident, user: User | None, department: Department | None
) -> None:
    if department is not None and user is None:
        if not department.is_active:
            raise ValidationError({"department": _("This department is inactive.")})
        if not incident.town.path.startswith(department.region.path):
            raise ValidationError(
                {"department": _("This department does not serve the case's town.")}
            )
        return
    if user is None or department is not None:
        raise ValidationError(_("Dispatch to one person or one department."))
    in_grid = user.has_perm("grids.patrol_grid", incident.grid)
    in_area = jurisdiction_covers(user, incident.grid.village.path)
    if not user.is_active or not (in_grid or in_area):
        raise ValidationError(
            {"user": _("Dispatch to a member of the case's grid or staff of its area.")}
        )


@transaction.atomic
def incident_dispatch(
    *,
    actor: User,
    incident: Incident,
    user: User | None = None,
    department: Department | None = None,
    note: str = "",
    assisting: Sequence[Department] = (),
) -> Incident:
    """Hand the case to a person (the grid, a village) or a department, who may then handle it.

    ``assisting``: departments that assist the lead (协办); each reports its part
    (incidents.services.cohandling), and the lead closes the handling stage.

    The handler's right to the case is a django-guardian object permission: on the user,
    or on the department's handler group.
    """
    locked = _lock_as(actor, incident, permissions.can_manage)
    _check_dispatch_target(locked, user, department)
    previous = handler_of(locked) if locked.status == Status.DISPATCHED else None
    _move(
        locked,
        actor=actor,
        action=Action.DISPATCH,
        to_status=Status.DISPATCHED,
        note=note,
        from_statuses=frozenset({Status.ACCEPTED, Status.DISPATCHED}),
        fields={"assignee_user": user, "assignee_department": department, "dispatch_rule": None},
        event_fields={"department": department},
    )
    handover(locked, previous, grantee(user, department))
    assisting_units_set(locked, assisting)
    notify.notify_assignees(
        locked, _("Case %(code)s was dispatched to you") % {"code": locked.code}, sms=True
    )
    return locked


@transaction.atomic
def incident_start(*, actor: User, incident: Incident, note: str = "") -> Incident:
    incident, _event = _step(
        incident,
        actor=actor,
        check=permissions.can_handle,
        action=Action.START,
        to_status=Status.IN_PROGRESS,
        note=note,
        from_statuses=frozenset({Status.DISPATCHED}),
    )
    return incident


@transaction.atomic
def incident_handle(*, actor: User, incident: Incident, note: str) -> Incident:
    """The handler (the lead unit) reports the case done, once every assisting unit has
    reported its part (photos are attached with attachment_add)."""
    note = _require_reason(note, "note")
    incident = _lock_as(actor, incident, permissions.can_handle)
    require_parts_reported(incident)
    _move(incident, actor=actor, action=Action.HANDLE, to_status=Status.HANDLED, note=note)
    title = _("Case %(code)s is waiting for your verification") % {"code": incident.code}
    notifications_create(
        recipients=grid_people(incident.grid, "patrol_grid"),
        kind="incident",
        title=title,
        url=notify.incident_url(incident.pk),
    )
    return incident


def grantee(user: User | None, department: Department | None) -> User | Group:
    """Whom a dispatch shares the case with: the person, or the department's handlers."""
    if user is not None:
        return user
    if department is None:
        raise ValidationError(_("Dispatch to one person or one department."))
    return department.handlers


def handler_of(incident: Incident) -> User | Group | None:
    """The user or department group that holds the case's handling permission now."""
    if incident.assignee_department is not None:
        return incident.assignee_department.handlers
    return incident.assignee_user


def handover(incident: Incident, previous: User | Group | None, new: User | Group | None) -> None:
    """Move the handling permission: an overridden dispatch no longer lets the first
    handler work the case."""
    if previous is not None and previous != new:
        remove_perm("incidents.handle_incident", previous, incident)
    if new is not None:
        assign_perm("incidents.handle_incident", new, incident)


@transaction.atomic
def incident_verify(
    *,
    actor: User,
    incident: Incident,
    passed: bool,
    reason: str = "",
    reason_code: ReasonCode | None = None,
) -> Incident:
    """Close a handled case after the check on the spot, or send it back for rework
    (with a reason code of kind rework and a note)."""
    if passed:
        incident, _event = _step(
            incident,
            actor=actor,
            check=permissions.can_verify,
            action=Action.VERIFY,
            to_status=Status.CLOSED,
            note=reason,
        )
        notify.notify_reporter(
            incident,
            _("Case %(code)s is closed: please rate it") % {"code": incident.code},
            text_kind="case_closed",
        )
        return incident
    reason = _require_reason(reason)
    code = check_reason(reason_code, ReasonCode.Kind.REWORK)
    incident, _event = _step(
        incident,
        actor=actor,
        check=permissions.can_verify,
        action=Action.REWORK,
        to_status=Status.IN_PROGRESS,
        note=reason,
        from_statuses=frozenset({Status.HANDLED}),
        event_fields={"reason": code},
    )
    notify.notify_assignees(incident, _("Case %(code)s needs rework") % {"code": incident.code})
    return incident


@transaction.atomic
def incident_evaluate(
    *, actor: User, incident: Incident, satisfaction: str, comment: str = ""
) -> Incident:
    return evaluate_step(
        incident,
        actor=actor,
        check=permissions.can_evaluate,
        satisfaction=satisfaction,
        comment=comment,
    )


def evaluate_step(
    incident: Incident, *, actor: User | None, check: Callable, satisfaction: str, comment: str
) -> Incident:
    """The reporter's rating, with the caller's proof that this is the reporter: the
    account (incident_evaluate) or the phone given at report (services.public)."""
    if satisfaction not in Incident.Satisfaction.values:
        raise ValidationError({"satisfaction": _("Choose one of the ratings.")})
    incident, _event = _step(
        incident,
        actor=actor,
        check=check,
        action=Action.EVALUATE,
        to_status=Status.EVALUATED,
        note=comment,
        fields={"satisfaction": satisfaction, "evaluation_comment": comment},
    )
    if satisfaction == Incident.Satisfaction.DISSATISFIED:
        callbacks.callback_open(incident=incident)
    return incident


def _check_merge_target(incident: Incident, into: Incident) -> None:
    if into.pk == incident.pk:
        raise ValidationError({"into": _("A case cannot be merged into itself.")})
    survivor: Incident | None = into
    seen = {incident.pk}
    while survivor is not None:
        if survivor.pk in seen:
            raise ValidationError({"into": _("This merge would make a loop of duplicates.")})
        seen.add(survivor.pk)
        survivor = survivor.duplicate_of
    if into.status not in Incident.OPEN_STATUSES and into.status != Status.SUSPENDED:
        raise ValidationError(
            {
                "into": _(
                    "Case %(code)s is %(status)s: merge only into a case still being handled."
                )
                % {"code": into.code, "status": into.get_status_display()}
            }
        )


def _lock_pair(incident: Incident, into: Incident) -> tuple[Incident, Incident]:
    """Lock both cases of a merge, lower id first, and read them as committed.

    Races: merges in opposite directions, each locking its own case first, deadlock or
    (reading the other unlocked) both succeed and leave a loop; a merge that reads its
    target unlocked merges into a case another official is closing. In one fixed order a
    second merge of either case waits for the first and then sees what it did (a target
    merged away or closed), and no two merges can each hold what the other waits for.
    """
    for pk in sorted({incident.pk, into.pk}):
        Incident.objects.select_for_update().values_list("pk", flat=True).get(pk=pk)
    return _lock(incident), Incident.objects.select_related("duplicate_of").get(pk=into.pk)


@transaction.atomic
def incident_merge(*, actor: User, incident: Incident, into: Incident, note: str = "") -> Incident:
    """Close a case as a duplicate of another, whose progress its reporters then follow.

    Refused: a merge into itself, into a chain that leads back to it, or into a case that
    is closed, rejected or merged already (its survivor is the one to merge into). Both
    cases are locked before any check (``_lock_pair``).
    """
    locked, target = _lock_pair(incident, into)
    if not (permissions.can_manage(actor, locked) and permissions.can_manage(actor, target)):
        had_right = permissions.can_manage(actor, incident) and permissions.can_manage(actor, into)
        _refuse(had_right=had_right, locked=locked)
    _check_merge_target(locked, target)
    _move(
        locked,
        actor=actor,
        action=Action.MERGE,
        to_status=Status.MERGED,
        note=note or target.code,
        fields={"duplicate_of": target},
    )
    notify.notify_reporter(
        locked,
        _("Case %(code)s was merged into %(into)s") % {"code": locked.code, "into": target.code},
    )
    followers.followers_move(merged=locked, survivor=target)
    return locked


def _climb(incident: Incident, now: datetime.datetime) -> None:
    """Move the (locked) case one rung up and restart its clock with that rung's limit."""
    if incident.level > Level.VILLAGE:
        incident.level = Level.VILLAGE  # grid → its village: the handling region stays
    else:
        parent = incident.handling_region.parent
        if parent is None:  # is_at_top() rules it out: a region that climbs has a parent
            raise IncidentActionRefused(_("The case is already at the top of the ladder."), "top")
        incident.level -= 1
        incident.handling_region = parent
    incident.escalation_count += 1
    incident.is_stalled_at_top = False
    clock = escalation_clock_fields(
        incident.level,
        incident.urgency,
        now,
        limits=escalation_limits(),
        calendar=WorkingCalendar.around(now).for_region(incident.handling_region_id),
    )
    for name, value in clock.items():
        setattr(incident, name, value)


@transaction.atomic
def incident_escalate(*, actor: User, incident: Incident, reason: str) -> Incident:
    """Push an open case one rung up by hand, when it is beyond its level's power."""
    reason = _require_reason(reason)
    locked = _lock_as(actor, incident, permissions.can_escalate)
    if not locked.is_open:
        raise IncidentActionRefused(_("Only an open case can be escalated."), "not_open")
    if is_at_top(locked.level, locked.handling_region.parent_id):
        raise IncidentActionRefused(_("The case is already at the top of the ladder."), "top")
    from_level = locked.level
    _climb(locked, timezone.now())
    locked.save()
    public_cases_changed(locked.source)
    event = IncidentEvent.objects.create(
        incident=locked,
        actor=actor,
        action=Action.ESCALATE,
        from_status=locked.status,
        to_status=locked.status,
        from_level=from_level,
        to_level=locked.level,
        note=reason,
    )
    hotline_updates_queue([(locked, event)])
    notify.notify_level(locked, _("Case %(code)s was escalated to you") % {"code": locked.code})
    return locked


@transaction.atomic
def incident_supervise(
    *,
    actor: User,
    incident: Incident,
    on: bool,
    note: str = "",
    level: int | None = None,
    reason_code: ReasonCode | None = None,
    deadline: datetime.datetime | None = None,
) -> Incident:
    """Start (督办) or end the supervision of a case.

    A supervision is a record (incidents.models.Supervision): its level (town, county or
    city; by default the actor's own), its reason code, its deadline (by default its
    level's escalation limit) and the supervising official. The case rises to the top of
    lists; its handler and the officials of its rung are told.
    """
    locked = _lock_as(actor, incident, permissions.can_manage)
    if locked.is_supervised == on:
        message = _("The case is already supervised.") if on else _("The case is not supervised.")
        raise IncidentActionRefused(message, "unchanged")
    now = timezone.now()
    if on:
        supervision = supervision_start(
            locked,
            actor=actor,
            level=level,
            reason_code=reason_code,
            deadline=deadline,
            note=note,
            now=now,
        )
    else:
        supervision_end(locked, actor=actor, now=now)
    locked.is_supervised = on
    locked.save(update_fields=["is_supervised", "updated_at"])
    record_event(
        locked,
        actor=actor,
        action=Action.SUPERVISE if on else Action.UNSUPERVISE,
        note=note,
        reason=supervision.reason if on else None,
    )
    if on:
        notify_supervision(locked)
    return locked

"""Automatic dispatch by the town's rules table, after acceptance.

An official can still override: dispatching by hand (incidents.services.transitions
.incident_dispatch) a case that a rule dispatched moves it and records a manual dispatch.
Events say which: ``auto_dispatch`` (with its rule) or ``dispatch``.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from incidents import permissions
from incidents.models import DispatchRule, Incident, IncidentEvent
from incidents.services import notify
from incidents.services.errors import illegal_step
from incidents.services.transitions import (
    _check_dispatch_target,
    _lock_as,
    _move,
    grantee,
    handover,
    incident_accept,
)
from members.models import User

Status = Incident.Status


def dispatch_rules_matching(incident: Incident) -> QuerySet[DispatchRule]:
    """The active rules of the case's town that match it, in order of precedence:
    ascending priority, then the more specific first (grid, village, category over
    group), then the older rule."""
    return (
        DispatchRule.objects.filter(is_active=True, town_id=incident.town_id)
        .filter(
            Q(category_id=incident.category_id) | Q(category_group_id=incident.category.group_id)
        )
        .filter(Q(village__isnull=True) | Q(village_id=incident.grid.village_id))
        .filter(Q(grid__isnull=True) | Q(grid_id=incident.grid_id))
        .select_related("department", "department__region", "department__handlers", "user")
        .order_by(
            "priority",
            F("grid_id").asc(nulls_last=True),
            F("village_id").asc(nulls_last=True),
            F("category_id").asc(nulls_last=True),
            "pk",
        )
    )


def dispatch_rule_for(incident: Incident) -> DispatchRule | None:
    """The first matching rule whose target may still take the case (an inactive
    department or a person who left the area is passed over)."""
    for rule in dispatch_rules_matching(incident):
        try:
            _check_dispatch_target(incident, rule.user, rule.department)
        except ValidationError:
            continue
        return rule
    return None


@transaction.atomic
def incident_dispatch_auto(*, actor: User, incident: Incident) -> Incident | None:
    """Dispatch an accepted case by the first rule that applies; None (and nothing
    written) when no rule does. The actor is the official whose acceptance triggered it."""
    locked = _lock_as(actor, incident, permissions.can_manage)
    if locked.status != Status.ACCEPTED:
        raise illegal_step(locked.get_status_display(), IncidentEvent.Action.AUTO_DISPATCH.label)
    rule = dispatch_rule_for(locked)
    if rule is None:
        return None
    _move(
        locked,
        actor=actor,
        action=IncidentEvent.Action.AUTO_DISPATCH,
        to_status=Status.DISPATCHED,
        note=str(rule),
        fields={
            "assignee_user": rule.user,
            "assignee_department": rule.department,
            "dispatch_rule": rule,
        },
        event_fields={"department": rule.department, "dispatch_rule": rule},
    )
    handover(locked, None, grantee(rule.user, rule.department))
    notify.notify_assignees(
        locked, _("Case %(code)s was dispatched to you") % {"code": locked.code}, sms=True
    )
    return locked


@transaction.atomic
def incident_accept_and_dispatch(*, actor: User, incident: Incident, note: str = "") -> Incident:
    """Accept, then dispatch by the rules if one applies: two steps, two events, one
    transaction (a refused acceptance dispatches nothing)."""
    accepted = incident_accept(actor=actor, incident=incident, note=note)
    return incident_dispatch_auto(actor=actor, incident=accepted) or accepted

"""The models of cases, by concern; every one keeps the app label ``incidents`` and its
table. Import them from here (``incidents.models``)."""

from incidents.models.calendar import CalendarDay, CalendarYear
from incidents.models.case import (
    Attachment,
    Incident,
    IncidentEvent,
    IncidentGroupObjectPermission,
    IncidentSequence,
    IncidentUserObjectPermission,
)
from incidents.models.catalogue import (
    Category,
    CategoryGroup,
    Department,
    EscalationLimit,
    Level,
    Publication,
    ReasonCode,
    TimeLimit,
    TimeUnit,
    Urgency,
    is_at_top,
)
from incidents.models.handling import DeadlineExtension, DispatchRule, IncidentFollower
from incidents.models.open311 import CategoryAttribute, Open311Client, _new_client_key

__all__ = [
    "Attachment",
    "CalendarDay",
    "CalendarYear",
    "Category",
    "CategoryAttribute",
    "CategoryGroup",
    "DeadlineExtension",
    "Department",
    "DispatchRule",
    "EscalationLimit",
    "Incident",
    "IncidentEvent",
    "IncidentFollower",
    "IncidentGroupObjectPermission",
    "IncidentSequence",
    "IncidentUserObjectPermission",
    "Level",
    "Publication",
    "Open311Client",
    "ReasonCode",
    "TimeLimit",
    "TimeUnit",
    "Urgency",
    # The default of Open311Client.key, named by migration 0008.
    "_new_client_key",
    "is_at_top",
]

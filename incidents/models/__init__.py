"""The models of cases, by concern; every one keeps the app label ``incidents`` and its
table. Import them from here (``incidents.models``)."""

from incidents.models.calendar import CalendarDay, CalendarYear, WorkingHours, parse_periods
from incidents.models.callback import CallBack
from incidents.models.case import (
    Attachment,
    Incident,
    IncidentEvent,
    IncidentGroupObjectPermission,
    IncidentSequence,
    IncidentUserObjectPermission,
)
from incidents.models.catalogue import (
    DEFAULT_WARNING_PERCENT,
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
from incidents.models.facts import BacklogFact, CaseFact, CaseFactsWatermark, GridMonthFact
from incidents.models.handling import (
    AssistingUnit,
    DeadlineExtension,
    DispatchRule,
    IncidentFollower,
    ReturnArbitration,
    Supervision,
)
from incidents.models.hotline import HotlineOrder, HotlineUpdate
from incidents.models.open311 import CategoryAttribute, Open311Client, _new_client_key
from incidents.models.privacy import ReporterPhoneAccess

__all__ = [
    "AssistingUnit",
    "BacklogFact",
    "ReturnArbitration",
    "DEFAULT_WARNING_PERCENT",
    "Attachment",
    "CalendarDay",
    "CalendarYear",
    "CallBack",
    "CaseFact",
    "CaseFactsWatermark",
    "Category",
    "CategoryAttribute",
    "CategoryGroup",
    "DeadlineExtension",
    "Department",
    "DispatchRule",
    "GridMonthFact",
    "EscalationLimit",
    "Incident",
    "IncidentEvent",
    "IncidentFollower",
    "HotlineOrder",
    "HotlineUpdate",
    "IncidentGroupObjectPermission",
    "IncidentSequence",
    "IncidentUserObjectPermission",
    "Level",
    "Publication",
    "Open311Client",
    "ReasonCode",
    "ReporterPhoneAccess",
    "Supervision",
    "TimeLimit",
    "TimeUnit",
    "Urgency",
    # The default of Open311Client.key, named by migration 0008.
    "_new_client_key",
    "WorkingHours",
    "parse_periods",
    "is_at_top",
]

"""The event row of a step that moves neither status nor level; a module of its own so
that every service module can import it (transitions imports followers)."""

from incidents.models import Incident, IncidentEvent
from members.models import User


def record_event(
    incident: Incident, *, actor: User | None, action: str, note: str = "", **fields: object
) -> IncidentEvent:
    """The event of a step that leaves the status and the level as they are."""
    return IncidentEvent.objects.create(
        incident=incident,
        actor=actor,
        action=action,
        from_status=incident.status,
        to_status=incident.status,
        from_level=incident.level,
        to_level=incident.level,
        note=note,
        **fields,
    )

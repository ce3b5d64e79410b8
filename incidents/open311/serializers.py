"""Categories as Open311 services, cases as service requests (plain dicts for both formats).

A service request shows what the public may know of a case: never the reporter's name
or phone, its description with anything like an ID or phone number masked, and for a
coarse category only an area (incidents.publication).
"""

from django.utils import timezone

from incidents.models import Category, CategoryAttribute, Incident
from incidents.publication import public_address, public_description, public_location

Status = Incident.Status
OPEN = "open"
CLOSED = "closed"


def _iso(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def service(category: Category, has_attributes: bool) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name,
        "metadata": has_attributes,
        "type": "realtime",
        "keywords": "",
        "group": category.group.name,
    }


def attribute(definition: CategoryAttribute) -> dict:
    return {
        "variable": True,
        "code": definition.code,
        "datatype": definition.datatype,
        "required": definition.required,
        "datatype_description": definition.get_datatype_display(),
        "order": definition.order,
        "description": definition.description,
        "values": [{"key": key, "name": name} for key, name in definition.choices.items()],
    }


def service_definition(category: Category, definitions) -> dict:
    return {"service_code": category.code, "attributes": [attribute(d) for d in definitions]}


def status_of(incident: Incident) -> str:
    return OPEN if incident.status in Incident.OPEN_STATUSES else CLOSED


def status_notes(incident: Incident) -> str:
    if incident.status == Status.MERGED and incident.duplicate_of_id:
        return f"{incident.get_status_display()}: {incident.duplicate_of.code}"
    return str(incident.get_status_display())


def service_request(incident: Incident) -> dict:
    location = public_location(incident)
    return {
        "service_request_id": incident.code,
        "status": status_of(incident),
        "status_notes": status_notes(incident),
        "service_name": incident.category.name,
        "service_code": incident.category.code,
        "description": public_description(incident),
        "agency_responsible": incident.handling_region.name,
        "service_notice": "",
        "requested_datetime": _iso(incident.created_at),
        "updated_datetime": _iso(incident.updated_at),
        "expected_datetime": _iso(incident.deadline) if incident.is_open else None,
        "address": public_address(incident),
        "address_id": "",
        "zipcode": "",
        "lat": location.y if location else None,
        "long": location.x if location else None,
        "media_url": "",
    }

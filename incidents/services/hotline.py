"""The 12345 bridge, intake: a hotline work order (工单) or a call an operator takes becomes
a case through the same service as every other door (incident_report)."""

import uuid
from functools import partial

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from grids.models import Grid
from incidents import permissions
from incidents.models import Category, HotlineOrder, Incident, Urgency
from incidents.services.reporting import incident_report
from members import personal_data
from members.models import User

TITLE_LENGTH = 60


def _existing(order_id: str) -> Incident | None:
    order = HotlineOrder.objects.select_related("incident").filter(order_id=order_id).first()
    return order.incident if order is not None else None


def _checked_phone(caller_phone: str) -> str:
    if not caller_phone.strip():
        raise ValidationError({"caller_phone": _("Give the caller's phone number.")})
    try:
        return personal_data.normalise_phone(caller_phone)
    except ValidationError as error:
        raise ValidationError({"caller_phone": error.messages}) from error


def _title_of(title: str, description: str) -> str:
    first_line = description.strip().splitlines()[0] if description.strip() else ""
    return (title.strip() or first_line)[:TITLE_LENGTH]


@transaction.atomic
def hotline_order_file(
    *,
    actor: User,
    category: Category,
    description: str,
    caller_phone: str,
    order_id: str = "",
    caller_name: str = "",
    title: str = "",
    urgency: str = Urgency.ORDINARY,
    location: Point | None = None,
    address: str = "",
    grid: Grid | None = None,
    client_key: uuid.UUID | None = None,
) -> tuple[Incident, bool]:
    """File a hotline call as a case (source hotline); ``(case, True)`` when it was filed
    now, ``(case, False)`` when this work order had been filed already.

    ``order_id`` is the hotline's own number of the work order. A repeat of it answers
    the case filed the first time, also when two repeats arrive at once: the order's
    unique number lets one of them commit, the other rolls its case back (a savepoint)
    and reads the first one's. Without an ``order_id`` (a call an operator takes on the
    page) there is no back-sync, and ``client_key`` guards a form sent twice.
    """
    if not permissions.can_take_hotline_calls(actor):
        raise PermissionDenied(_("Only hotline operators file hotline calls."))
    order_id = order_id.strip()
    if order_id:
        existing = _existing(order_id)
        if existing is not None:
            return existing, False
    if not description.strip():
        raise ValidationError({"description": _("Describe what the caller reports.")})
    phone = _checked_phone(caller_phone)
    report = partial(
        incident_report,
        actor=actor,
        category=category,
        title=_title_of(title, description),
        description=description,
        source=Incident.Source.HOTLINE,
        urgency=urgency,
        location=location,
        address=address.strip(),
        grid=grid,
        reporter_name=caller_name.strip(),
        reporter_phone=phone,
        client_key=client_key,
    )
    if not order_id:
        return report(), True
    try:
        with transaction.atomic():
            incident = report()
            HotlineOrder.objects.create(order_id=order_id, incident=incident, received_by=actor)
    except IntegrityError:
        # Race: the same work order committed by another request since our check.
        existing = _existing(order_id)
        if existing is None:
            raise
        return existing, False
    return incident, True

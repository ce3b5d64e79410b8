"""Taking in a new case: the first step of the loop."""

import datetime
from collections.abc import Sequence

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_users_with_perms

from grids.models import Grid
from grids.services import locate_grid
from incidents import permissions
from incidents.models import (
    Attachment,
    Category,
    Incident,
    IncidentEvent,
    IncidentSequence,
    Level,
    Urgency,
)
from incidents.services import notify
from incidents.services.attachments import attachment_save
from incidents.services.deadlines import stage_deadline
from members import personal_data
from members.jurisdiction import user_roles
from members.notifications import notifications_create
from members.roles import Role


def _next_code(town, now: datetime.datetime) -> str:
    """Case numbers run per town and year: 331081112-2026-00042. Race-safe (row lock)."""
    year = timezone.localtime(now).year
    IncidentSequence.objects.bulk_create(
        [IncidentSequence(town=town, year=year)], ignore_conflicts=True
    )
    sequence = IncidentSequence.objects.select_for_update().get(town=town, year=year)
    IncidentSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    return f"{town.code}-{year}-{sequence.last + 1:05d}"


def _resolve_grid(location: Point | None, grid: Grid | None) -> Grid:
    if location is not None:
        found = locate_grid(location)
        if found is not None:
            return found
        if grid is None:
            raise ValidationError(
                {"location": _("This place is outside every grid; choose the grid.")}
            )
    if grid is None:
        raise ValidationError({"grid": _("Give the place on the map or choose the grid.")})
    if not grid.is_active:
        raise ValidationError({"grid": _("This grid is no longer active.")})
    return grid


def _check_reporter(actor, grid: Grid, source: str, reporter_name: str, reporter_phone: str):
    if actor is None or not actor.is_authenticated:
        if source != Incident.Source.RESIDENT:
            raise PermissionDenied(_("Sign in to report this kind of case."))
        if not reporter_name.strip() or not reporter_phone.strip():
            raise ValidationError(_("Give your name and phone so that we can reach you."))
        return None
    if Role.RESIDENT in user_roles(actor) and source == Incident.Source.RESIDENT:
        return actor
    if not permissions.can_report_in(actor, grid):
        raise PermissionDenied(_("You may not report cases in this grid."))
    return actor


@transaction.atomic
def incident_report(
    *,
    actor,
    category: Category,
    title: str,
    description: str,
    source: str,
    urgency: str = Urgency.ORDINARY,
    location: Point | None = None,
    address: str = "",
    grid: Grid | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    photos: Sequence = (),
) -> Incident:
    """File a case at the grid rung of the grid that holds it, with its acceptance clock.

    ``photos`` are the reporter's own, stored with the case in the same transaction: a
    photo that turns out unreadable leaves no case behind.
    """
    if not category.is_active:
        raise ValidationError({"category": _("This category is no longer in use.")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Unknown urgency.")})
    if source not in Incident.Source.values:
        raise ValidationError({"source": _("Unknown source.")})
    grid = _resolve_grid(location, grid)
    reporter = _check_reporter(actor, grid, source, reporter_name, reporter_phone)
    phone = personal_data.normalise_phone(reporter_phone) if reporter_phone else ""
    now = timezone.now()
    village = grid.village
    incident = Incident(
        code=_next_code(village.parent, now),
        title=title.strip(),
        description=description.strip(),
        category=category,
        urgency=urgency,
        location=location,
        address=address,
        town=village.parent,
        grid=grid,
        source=source,
        reporter=reporter,
        reporter_name=reporter_name.strip(),
        reporter_phone_encrypted=personal_data.encrypt(phone),
        reporter_phone_hash=personal_data.lookup_hash(phone) if phone else "",
        reporter_phone_masked=personal_data.mask_phone(phone),
        level=Level.GRID,
        handling_region=village,
        status=Incident.Status.REPORTED,
    )
    incident.deadline = stage_deadline(incident, now)
    incident.full_clean(exclude=["code"])
    incident.save()
    IncidentEvent.objects.create(
        incident=incident,
        actor=reporter,
        action=IncidentEvent.Action.REPORT,
        to_status=incident.status,
        to_level=incident.level,
    )
    for upload in photos:
        attachment_save(
            incident=incident, upload=upload, kind=Attachment.Kind.REPORT, uploaded_by=reporter
        )
    leaders = get_users_with_perms(grid, only_with_perms_in=["lead_grid"], with_group_users=False)
    notifications_create(
        recipients=leaders,
        kind="incident",
        title=_("New case %(code)s in %(grid)s") % {"code": incident.code, "grid": grid.name},
        body=incident.title,
        url=notify.incident_url(incident.pk),
    )
    return incident

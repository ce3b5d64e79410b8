"""Patrols (巡查日志): start, route points, notes and findings, stop.

Every step may arrive twice: a phone on one bar of signal resends what it got no answer
for, and its offline outbox replays its queue in order. So each step is idempotent: a
patrol is known by the client key the device generated, points carry the index of their
first point in the route, and stopping a stopped patrol answers the patrol as it is.
"""

import datetime
import math
import uuid
from collections.abc import Sequence
from functools import partial

from django.contrib.gis.geos import LineString
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Grid
from members.models import GridMember, PatrolLog, User
from members.notifications import task_publish

ASSESS_TASK = "members.tasks.patrols_assess_task"

# A batch is what a phone gathers in a few minutes; a patrol is a few hours at most.
MAX_POINTS_PER_BATCH = 500
MAX_POINTS_PER_ROUTE = 20_000
# A device's clock may run a little ahead; an offline patrol may be sent days later.
CLOCK_SKEW = datetime.timedelta(minutes=5)
OLDEST_OFFLINE = datetime.timedelta(days=7)
TEXT_LIMIT = 4000


def _member_of(actor: User) -> GridMember:
    member = getattr(actor, "grid_member", None) if actor.is_authenticated else None
    if member is None or not member.is_active or not actor.is_active:
        raise PermissionDenied(_("Only an active grid member can patrol."))
    return member


def _own(actor: User, patrol: PatrolLog) -> GridMember:
    member = _member_of(actor)
    if patrol.member_id != member.pk:
        raise PermissionDenied(_("This patrol is not yours."))
    return member


def _client_time(
    value: datetime.datetime | None, field: str, now: datetime.datetime
) -> datetime.datetime:
    """A time the device recorded (offline); refused when it cannot be true."""
    if value is None:
        return now
    if timezone.is_naive(value):
        raise ValidationError({field: _("Give the time with its time zone.")})
    if value > now + CLOCK_SKEW:
        raise ValidationError({field: _("This time is in the future.")})
    if value < now - OLDEST_OFFLINE:
        raise ValidationError({field: _("This time is more than a week ago.")})
    return min(value, now)


def _clean_text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > TEXT_LIMIT:
        raise ValidationError({field: _("At most %(limit)d characters.") % {"limit": TEXT_LIMIT}})
    return value


def _same_member_or_refuse(existing: PatrolLog, member: GridMember) -> PatrolLog:
    if existing.member_id != member.pk:
        raise ValidationError({"client_key": _("This key belongs to another patrol.")})
    return existing


@transaction.atomic
def patrol_start(
    *,
    actor: User,
    grid: Grid,
    client_key: uuid.UUID | None = None,
    notes: str = "",
    started_at: datetime.datetime | None = None,
) -> PatrolLog:
    """Start a patrol of one of the member's grids; the same key again returns it."""
    member = _member_of(actor)
    if client_key is not None:
        existing = PatrolLog.objects.filter(client_key=client_key).first()
        if existing is not None:
            return _same_member_or_refuse(existing, member)
    if not actor.has_perm("grids.patrol_grid", grid):
        raise PermissionDenied(_("You are not assigned to this grid."))
    now = timezone.now()
    patrol = PatrolLog(
        member=member,
        grid=grid,
        started_at=_client_time(started_at, "started_at", now),
        notes=_clean_text(notes, "notes") or "",
        client_key=client_key or uuid.uuid4(),
    )
    if PatrolLog.objects.filter(member=member, ended_at__isnull=True).exists():
        raise ValidationError(_("A patrol of yours is still running: stop it first."))
    try:
        with transaction.atomic():
            patrol.save()
    except IntegrityError:
        # The same device's other attempt won the race, or another patrol started meanwhile.
        first = PatrolLog.objects.filter(client_key=patrol.client_key).first()
        if first is None:
            raise ValidationError(
                _("A patrol of yours is still running: stop it first.")
            ) from None
        return _same_member_or_refuse(first, member)
    return patrol


def _clean_points(points: Sequence) -> list[tuple[float, float, float | None]]:
    """[[longitude, latitude], ...] in WGS84, each optionally with the fix's time in Unix
    seconds as a third value; anything else is refused whole."""
    if not isinstance(points, list | tuple) or len(points) > MAX_POINTS_PER_BATCH:
        raise ValidationError(
            {"points": _("Send at most %(n)d points at a time.") % {"n": MAX_POINTS_PER_BATCH}}
        )
    cleaned = []
    for point in points:
        try:
            values = [float(value) for value in point]
            longitude, latitude, *rest = values
        except (TypeError, ValueError):
            raise ValidationError(
                {"points": _("Each point is a longitude and a latitude.")}
            ) from None
        if len(rest) > 1 or not all(math.isfinite(value) for value in values):
            raise ValidationError({"points": _("Each point is a longitude and a latitude.")})
        if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
            raise ValidationError({"points": _("A point lies outside the Earth's coordinates.")})
        cleaned.append((longitude, latitude, rest[0] if rest else None))
    return cleaned


def _route_seconds(
    patrol: PatrolLog, stored: int, fresh: list[tuple[float, float, float | None]]
) -> list[int] | None:
    """Seconds from the start to each point, while every point so far came with its time."""
    known = patrol.route_seconds if stored == 0 else patrol.route_seconds or None
    if (stored and (known is None or len(known) != stored)) or any(
        point[2] is None for point in fresh
    ):
        return None
    seconds = list(known or [])
    start = patrol.started_at.timestamp()
    for _longitude, _latitude, time in fresh:
        # A fix's time before the start, or before the previous fix, is a clock's hiccup.
        offset = round((time or 0) - start)
        seconds.append(max(offset, seconds[-1] if seconds else 0, 0))
    return seconds


@transaction.atomic
def patrol_add_points(
    *, actor: User, patrol: PatrolLog, points: Sequence, first_index: int
) -> PatrolLog:
    """Append points to the route of a running patrol.

    ``first_index`` is the position of the batch's first point in the whole route: points
    the route already holds (a resent batch) are skipped, a gap is refused.
    """
    patrol = PatrolLog.objects.select_for_update().get(pk=patrol.pk)
    _own(actor, patrol)
    if patrol.ended_at is not None:
        raise ValidationError(_("This patrol has ended."))
    cleaned = _clean_points(points)
    stored = list(patrol.route.coords) if patrol.route else []
    if not isinstance(first_index, int) or first_index < 0 or first_index > len(stored):
        raise ValidationError({"first_index": _("Points are missing before this batch.")})
    fresh = cleaned[len(stored) - first_index :]
    if not fresh:
        return patrol
    route = stored + [(longitude, latitude) for longitude, latitude, _time in fresh]
    if len(route) < 2:
        raise ValidationError({"points": _("A route starts with at least two points.")})
    if len(route) > MAX_POINTS_PER_ROUTE:
        raise ValidationError({"points": _("This route is too long.")})
    patrol.route_seconds = _route_seconds(patrol, len(stored), fresh)
    patrol.route = LineString(route, srid=4326)
    patrol.save(update_fields=["route", "route_seconds"])
    return patrol


@transaction.atomic
def patrol_note(
    *, actor: User, patrol: PatrolLog, notes: str | None = None, findings: str | None = None
) -> PatrolLog:
    """Write the notes and findings of one's own patrol, running or ended."""
    patrol = PatrolLog.objects.select_for_update().get(pk=patrol.pk)
    _own(actor, patrol)
    notes, findings = _clean_text(notes, "notes"), _clean_text(findings, "findings")
    if notes is not None:
        patrol.notes = notes
    if findings is not None:
        patrol.findings = findings
    patrol.save(update_fields=["notes", "findings"])
    return patrol


@transaction.atomic
def patrol_stop(
    *,
    actor: User,
    patrol: PatrolLog,
    notes: str | None = None,
    findings: str | None = None,
    ended_at: datetime.datetime | None = None,
) -> PatrolLog:
    """End one's own patrol; a second stop (a resend) changes nothing and returns it."""
    patrol = PatrolLog.objects.select_for_update().get(pk=patrol.pk)
    _own(actor, patrol)
    if patrol.ended_at is not None:
        return patrol
    notes, findings = _clean_text(notes, "notes"), _clean_text(findings, "findings")
    ended_at = _client_time(ended_at, "ended_at", timezone.now())
    if ended_at < patrol.started_at:
        raise ValidationError({"ended_at": _("A patrol cannot end before it starts.")})
    patrol.ended_at = ended_at
    if notes is not None:
        patrol.notes = notes
    if findings is not None:
        patrol.findings = findings
    patrol.save(update_fields=["ended_at", "notes", "findings"])
    transaction.on_commit(partial(_queue_assessment, patrol.pk))
    return patrol


def _queue_assessment(patrol_id: int) -> None:
    """Judge the patrol (members.services.authenticity) in the worker; a broker that does
    not answer leaves it to the nightly run."""
    task_publish(ASSESS_TASK, [[patrol_id]])

"""Judge patrols by the authenticity rules (members.authenticity) and store their flags.

Set-based: a batch of patrols costs the same few queries whatever its size (the patrols,
their members' assignments and grids, the key households, the members' other patrols, the
write), and the rules run in Python over what those queries brought. A patrol's flags are
replaced whole, so judging it twice leaves the same rows.

Two doors: after each patrol ends (``patrols_assess(ids=[...])``, queued on commit; the
member's other patrols of that day and of that month-end window are judged again with it)
and nightly (``patrols_assess(since=...)``), which also judges the days that have ended
since: a day's total is held against the norm only once the day is over.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from members import authenticity as rules
from members.models import GridAssignment, Household, PatrolFlag, PatrolLog

BATCH_SIZE = 500
# The nightly run judges again the patrols started in these last days: a month-end window
# and the norm of the days just ended can still change their flags.
NIGHTLY_DAYS = 35


@dataclass
class _History:
    """One member's patrols around the batch: dates, minutes per day, notes."""

    first_day: datetime.date
    days: list[datetime.date] = field(default_factory=list)
    minutes: dict[datetime.date, float] = field(default_factory=lambda: defaultdict(float))
    notes: list[tuple[int, rules.EarlierNotes]] = field(default_factory=list)


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def patrols_assess(
    *,
    ids: Iterable[int] | None = None,
    since: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """Judge the ended patrols ``ids`` (and their neighbours of the same day and month-end
    window), or every ended patrol started since ``since``. Returns how many were judged."""
    now = now or timezone.now()
    ended = PatrolLog.objects.filter(ended_at__isnull=False)
    if ids is not None:
        targets = ended.filter(_neighbours(list(ids)))
    elif since is not None:
        targets = ended.filter(started_at__gte=since)
    else:
        raise ValueError("Give ids or since.")
    todo = list(targets.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(todo), BATCH_SIZE):
        _assess_batch(todo[start : start + BATCH_SIZE], now=now)
    return len(todo)


def _neighbours(ids: list[int]) -> Q:
    """The patrols whose flags a change to ``ids`` can move: the same member's patrols of
    the same local day and, near a month's end, of the same month-end window."""
    condition = Q(pk__in=ids)
    for member_id, started_at in PatrolLog.objects.filter(pk__in=ids).values_list(
        "member_id", "started_at"
    ):
        day = _local_day(started_at)
        first, last = day, day
        window = rules.window_start(day)
        if window is not None:
            first, last = window, window + datetime.timedelta(days=rules.MONTH_END_DAYS - 1)
        condition |= Q(
            member_id=member_id,
            started_at__gte=_day_bounds(first)[0],
            started_at__lt=_day_bounds(last)[1],
        )
    return condition


@transaction.atomic
def _assess_batch(ids: list[int], *, now: datetime.datetime) -> None:
    # Two judges of the same patrol (a patrol's task and the nightly run) take turns here.
    list(PatrolLog.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    patrols = list(
        PatrolLog.objects.filter(pk__in=ids).values(
            "pk",
            "member_id",
            "grid_id",
            "started_at",
            "ended_at",
            "route",
            "route_seconds",
            "notes",
            "findings",
            "grid__village__patrol_norm_minutes",
            "grid__village__parent__patrol_norm_minutes",
        )
    )
    member_ids = {row["member_id"] for row in patrols}
    grid_ids = {row["grid_id"] for row in patrols}
    assignments = _assignments(member_ids, grid_ids)
    key_households = _key_households(grid_ids)
    histories = _histories(member_ids, patrols)
    today = _local_day(now)
    flags = []
    unions: dict[frozenset[int], GEOSGeometry | None] = {}
    for row in patrols:
        for kind, figures in _judge(row, assignments, key_households, histories, today, unions):
            flags.append(PatrolFlag(patrol_id=row["pk"], kind=kind, figures=figures))
    PatrolFlag.objects.filter(patrol_id__in=ids).delete()
    PatrolFlag.objects.bulk_create(flags)
    PatrolLog.objects.filter(pk__in=ids).update(assessed_at=now)


def _assignments(member_ids: set[int], grid_ids: set[int]) -> dict:
    """Each member's assignments (grid, from, to) and the boundary of every grid involved."""
    rows = GridAssignment.objects.filter(Q(member_id__in=member_ids) | Q(grid_id__in=grid_ids))
    by_member: dict[int, list[tuple[int, datetime.date, datetime.date | None]]] = defaultdict(list)
    boundaries: dict[int, GEOSGeometry] = {}
    for member_id, grid_id, starts_on, ends_on, boundary in rows.values_list(
        "member_id", "grid_id", "starts_on", "ends_on", "grid__boundary"
    ):
        if member_id in member_ids:
            by_member[member_id].append((grid_id, starts_on, ends_on))
        boundaries[grid_id] = boundary
    return {"by_member": by_member, "boundaries": boundaries}


def _key_households(grid_ids: set[int]) -> dict[int, list[tuple[float, float]]]:
    """Located households of the grids with a resident in a key group (重点人群)."""
    rows = (
        Household.objects.filter(
            grid_id__in=grid_ids, location__isnull=False, residents__tags__isnull=False
        )
        .values_list("pk", "grid_id", "location")
        .distinct()
    )
    by_grid: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for _pk, grid_id, location in rows:
        if location is not None:
            by_grid[grid_id].append((location.x, location.y))
    return by_grid


def _histories(member_ids: set[int], patrols: Sequence[Mapping[str, Any]]) -> dict[int, _History]:
    """The members' patrols from the earliest baseline any rule needs to a week after."""
    starts = [row["started_at"] for row in patrols]
    lookback = max(rules.NOTES_LOOKBACK_DAYS, rules.RUSH_BASELINE_DAYS + rules.MONTH_END_DAYS)
    since = min(starts) - datetime.timedelta(days=lookback)
    until = max(starts) + datetime.timedelta(days=rules.MONTH_END_DAYS + 1)
    firsts = dict(
        PatrolLog.objects.filter(member_id__in=member_ids)
        .values("member_id")
        .annotate(first=Min("started_at"))
        .values_list("member_id", "first")
    )
    histories = {pk: _History(first_day=_local_day(first)) for pk, first in firsts.items()}
    rows = PatrolLog.objects.filter(
        member_id__in=member_ids, started_at__gte=since, started_at__lt=until
    ).values_list("pk", "member_id", "started_at", "ended_at", "notes", "findings")
    for pk, member_id, started_at, ended_at, notes, findings in rows.order_by("started_at"):
        history, day = histories[member_id], _local_day(started_at)
        history.days.append(day)
        if ended_at is not None:
            history.minutes[day] += (ended_at - started_at).total_seconds() / 60
        history.notes.append(
            (pk, rules.EarlierNotes(started_at, rules.notes_of(f"{notes} {findings}")))
        )
    return histories


def _grids_of(row: Mapping[str, Any], assignments: dict, unions: dict) -> GEOSGeometry | None:
    """The union of the grids the member was assigned to on the patrol's day, its own
    grid included."""
    day = _local_day(row["started_at"])
    grid_ids = {row["grid_id"]} | {
        grid_id
        for grid_id, starts_on, ends_on in assignments["by_member"].get(row["member_id"], [])
        if starts_on <= day and (ends_on is None or ends_on > day)
    }
    key = frozenset(grid_ids)
    if key not in unions:
        parts = [
            polygon
            for grid_id in sorted(key)
            if grid_id in assignments["boundaries"]
            for polygon in assignments["boundaries"][grid_id]
        ]
        union = MultiPolygon(parts, srid=4326).unary_union if parts else None
        if union is not None:
            union.transform(rules.MERCATOR)
        unions[key] = union
    return unions[key]


def _judge(
    row: Mapping[str, Any],
    assignments: dict,
    key_households: dict[int, list[tuple[float, float]]],
    histories: dict[int, _History],
    today: datetime.date,
    unions: dict[frozenset[int], GEOSGeometry | None],
) -> Iterator[tuple[str, dict]]:
    coords = list(row["route"].coords) if row["route"] is not None else []
    seconds = row["route_seconds"]
    minutes = (row["ended_at"] - row["started_at"]).total_seconds() / 60
    day = _local_day(row["started_at"])
    history = histories[row["member_id"]]

    route = rules.route_rule(coords, _grids_of(row, assignments, unions))
    if route is not None:
        yield route
    if route is None or route[0] != "no_route":
        movement = rules.movement_rule(coords, seconds, minutes)
        if movement is not None:
            yield "little_movement", movement
        dwell = rules.dwell_rule(coords, seconds, key_households.get(row["grid_id"], []))
        if dwell is not None:
            yield "key_households_skipped", dwell

    text = rules.notes_of(f"{row['notes']} {row['findings']}")
    lookback = row["started_at"] - datetime.timedelta(days=rules.NOTES_LOOKBACK_DAYS)
    earlier = (
        notes
        for pk, notes in history.notes
        if pk != row["pk"] and lookback <= notes.started_at < row["started_at"]
    )
    copied = rules.notes_rule(text, earlier) if text is not None else None
    if copied is not None:
        yield "repeated_notes", copied

    rush = rules.month_end_rule(day, history.days, history.first_day)
    if rush is not None:
        yield "month_end_rush", rush

    norm = (
        row["grid__village__patrol_norm_minutes"]
        or row["grid__village__parent__patrol_norm_minutes"]
        or settings.PATROL_DAILY_NORM_MINUTES
    )
    if day < today:
        below = rules.daily_norm_rule(history.minutes.get(day, 0.0), norm)
        if below is not None:
            yield "below_daily_norm", {**below, "day": day.isoformat()}

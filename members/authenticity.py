"""The patrol authenticity rules (巡查真实性): plain functions over one patrol's facts.

Each rule answers ``None`` (no doubt) or the figures behind its doubt, which are stored
with the flag (``members.PatrolFlag.figures``) and put into words by ``flag_reason`` in the
reader's language. ``members.services.authenticity`` gathers the facts of many patrols in
a fixed number of queries and stores the flags. The thresholds below are documented in
README.md ("Patrol authenticity"); they describe practice, not a data set.
"""

import datetime
import difflib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.gis.geos import GEOSGeometry, LineString
from django.utils.formats import date_format
from django.utils.translation import gettext as _

# A route shorter than this is as good as none (a phone that never left the desk).
MIN_ROUTE_METRES = 50
# Share of the route's length inside the member's grids.
MIN_INSIDE_SHARE = 0.6
# A walk with stops covers far more than this; a phone lying still covers GPS jitter only.
MIN_METRES_PER_MINUTE = 8.0
# With the phone's point times: share of the patrol spent moving at a walking or cycling
# speed (MOVING_SPEEDS, metres a second). Faster is a car, slower is standing.
MIN_MOVING_SHARE = 0.25
MOVING_SPEEDS = (0.3, 6.0)
# A stop at a key household: this close, this long.
DWELL_RADIUS_METRES = 30.0
DWELL_MIN_SECONDS = 120
# Near-duplicate notes: compared with the member's earlier patrols of NOTES_LOOKBACK_DAYS;
# pairs whose character trigrams overlap (Jaccard) by NOTES_SIFT or more are compared by
# edit similarity (difflib's ratio), NOTES_SIMILARITY or more is a copy. Texts shorter than
# NOTES_MIN_CHARS ("例行巡查，无异常") are not judged.
NOTES_MIN_CHARS = 12
NOTES_SIFT = 0.3
NOTES_SIMILARITY = 0.85
NOTES_LOOKBACK_DAYS = 60
# Month-end rush: the month's last MONTH_END_DAYS days hold at least RUSH_MIN_PATROLS of the
# member's patrols, at RUSH_RATIO times (or more) the member's own daily rate over the
# RUSH_BASELINE_DAYS before them (other months' last days left out). A member with less
# than RUSH_MIN_HISTORY_DAYS of patrols before the window has no rhythm yet.
MONTH_END_DAYS = 5
RUSH_MIN_PATROLS = 4
RUSH_RATIO = 3.0
RUSH_BASELINE_DAYS = 45
RUSH_MIN_HISTORY_DAYS = 28

# A member is ranked and flagged only with MEMBER_MIN_PATROLS judged patrols in the
# period, and flagged when MEMBER_FLAGGED_SHARE of them (or more) carry a flag.
MEMBER_MIN_PATROLS = 5
MEMBER_FLAGGED_SHARE = 0.3

EARTH_METRES_PER_DEGREE = 111_320.0
MERCATOR = 3857
Figures = dict


def metres_per_degree(latitude: float) -> tuple[float, float]:
    """Metres per degree of longitude and of latitude near ``latitude`` (a town is small)."""
    return EARTH_METRES_PER_DEGREE * math.cos(math.radians(latitude)), 110_540.0


def _scale(coords: Sequence[Sequence[float]]) -> tuple[float, float]:
    return metres_per_degree(coords[0][1]) if coords else (0.0, 0.0)


def step_metres(coords: Sequence[Sequence[float]]) -> list[float]:
    kx, ky = _scale(coords)
    return [
        math.hypot((b[0] - a[0]) * kx, (b[1] - a[1]) * ky)
        for a, b in zip(coords, coords[1:], strict=False)
    ]


def route_metres(coords: Sequence[Sequence[float]]) -> float:
    return sum(step_metres(coords))


def route_rule(coords: Sequence[Sequence[float]], grids: GEOSGeometry | None) -> tuple | None:
    """No route, or a route mostly outside the member's grids (``grids``: their union in
    MERCATOR)."""
    metres = route_metres(coords) if len(coords) >= 2 else 0.0
    if metres < MIN_ROUTE_METRES:
        return "no_route", {"metres": round(metres)}
    if grids is None:
        return "outside_grids", {"metres": round(metres), "inside": 0.0}
    # Shares of length are measured in a conformal projection (Web Mercator): in a town
    # its scale is the same in every direction, so the share is the share in metres.
    line = LineString(list(coords), srid=4326)
    line.transform(MERCATOR)
    inside = line.intersection(grids).length / line.length if line.length else 0.0
    if inside < MIN_INSIDE_SHARE:
        return "outside_grids", {"metres": round(metres), "inside": round(inside, 3)}
    return None


def moving_seconds(coords: Sequence[Sequence[float]], seconds: Sequence[int]) -> int:
    slow, fast = MOVING_SPEEDS
    moving = 0
    steps = zip(step_metres(coords), seconds, seconds[1:], strict=False)
    for metres, t0, t1 in steps:
        elapsed = t1 - t0
        if elapsed > 0 and slow <= metres / elapsed <= fast:
            moving += elapsed
    return moving


def movement_rule(
    coords: Sequence[Sequence[float]], seconds: Sequence[int] | None, minutes: float
) -> Figures | None:
    """Distance and moving time against the patrol's length."""
    if minutes <= 0 or len(coords) < 2:
        return None
    metres = route_metres(coords)
    figures: Figures = {"metres": round(metres), "minutes": round(minutes)}
    rate = metres / minutes
    if rate < MIN_METRES_PER_MINUTE:
        return {**figures, "basis": "distance", "rate": round(rate, 1)}
    if seconds and len(seconds) == len(coords):
        moving = moving_seconds(coords, seconds) / 60
        if moving / minutes < MIN_MOVING_SHARE:
            return {**figures, "basis": "moving", "moving": round(moving)}
    return None


def dwell_rule(
    coords: Sequence[Sequence[float]],
    seconds: Sequence[int] | None,
    households: Sequence[Sequence[float]],
) -> Figures | None:
    """At least one stop at a key household of the grid, when the grid has marked ones.

    With the phone's point times a stop is DWELL_MIN_SECONDS within DWELL_RADIUS_METRES;
    without them (an older app) the route must at least come that close.
    """
    if not households:
        return None
    timed = bool(seconds) and len(seconds or ()) == len(coords)
    kx, ky = _scale(households)
    for hx, hy in households:
        near = [
            index
            for index, (x, y) in enumerate(coords)
            if math.hypot((x - hx) * kx, (y - hy) * ky) <= DWELL_RADIUS_METRES
        ]
        if near and (not timed or _longest_stay(near, seconds or []) >= DWELL_MIN_SECONDS):
            return None
    return {"households": len(households), "timed": timed}


def _longest_stay(indexes: list[int], seconds: Sequence[int]) -> int:
    """Longest time between the first and the last of a run of points near a household; a
    run survives one or two points that GPS jitter threw out of the radius."""
    longest, run_start = 0, indexes[0]
    for previous, index in zip(indexes, indexes[1:], strict=False):
        if index > previous + 3:
            longest = max(longest, seconds[previous] - seconds[run_start])
            run_start = index
    return max(longest, seconds[indexes[-1]] - seconds[run_start])


_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Notes:
    """A patrol's notes and findings as the rule compares them: letters only (Chinese has
    no spaces), and their character trigrams for a quick first sift."""

    letters: str
    shingles: frozenset[str]


def notes_of(text: str) -> Notes | None:
    letters = _NOT_TEXT.sub("", text.lower())
    if len(letters) < NOTES_MIN_CHARS:
        return None
    return Notes(letters, frozenset(letters[i : i + 3] for i in range(len(letters) - 2)))


def similarity(a: Notes, b: Notes) -> float:
    """Trigram Jaccard first (cheap, and low for texts that merely share a phrase), then
    the edit similarity of the letters, which a changed character or two barely moves."""
    shared = len(a.shingles & b.shingles) / len(a.shingles | b.shingles)
    if shared < NOTES_SIFT:
        return shared
    return difflib.SequenceMatcher(None, a.letters, b.letters, autojunk=False).ratio()


@dataclass(frozen=True)
class EarlierNotes:
    started_at: datetime.datetime
    notes: Notes | None


def notes_rule(notes: Notes, earlier: Iterable[EarlierNotes]) -> Figures | None:
    """The most similar earlier notes of the member, when they are nearly the same."""
    best, best_at = 0.0, None
    for other in earlier:
        if other.notes is None:
            continue
        score = similarity(notes, other.notes)
        if score > best:
            best, best_at = score, other.started_at
    if best_at is None or best < NOTES_SIMILARITY:
        return None
    return {"similarity": round(best, 3), "earlier": best_at.isoformat()}


def last_day(day: datetime.date) -> int:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return (following - datetime.timedelta(days=1)).day


def window_start(day: datetime.date) -> datetime.date | None:
    """The first of the month's last MONTH_END_DAYS days, if ``day`` is one of them."""
    first = last_day(day) - MONTH_END_DAYS + 1
    return day.replace(day=first) if day.day >= first else None


def month_end_rule(
    day: datetime.date, member_days: Sequence[datetime.date], first: datetime.date
) -> Figures | None:
    """``member_days``: the local date of each of the member's patrols around ``day`` (one
    per patrol); ``first``: the day of the member's first patrol ever."""
    start = window_start(day)
    if start is None or not member_days:
        return None
    end = start + datetime.timedelta(days=MONTH_END_DAYS)
    in_window = sum(1 for d in member_days if start <= d < end)
    if in_window < RUSH_MIN_PATROLS or (start - first).days < RUSH_MIN_HISTORY_DAYS:
        return None
    since = max(first, start - datetime.timedelta(days=RUSH_BASELINE_DAYS))
    ordinary_days = [
        since + datetime.timedelta(days=n)
        for n in range((start - since).days)
        if window_start(since + datetime.timedelta(days=n)) is None
    ]
    ordinary = set(ordinary_days)
    usual = sum(1 for d in member_days if d in ordinary) / max(len(ordinary_days), 1)
    rate = in_window / MONTH_END_DAYS
    if usual > 0 and rate < RUSH_RATIO * usual:
        return None
    return {
        "patrols": in_window,
        "month": start.strftime("%Y-%m"),
        "rate": round(rate, 2),
        "usual": round(usual, 2),
    }


def daily_norm_rule(minutes: float, norm: int) -> Figures | None:
    if minutes >= norm:
        return None
    return {"minutes": math.floor(minutes), "norm": norm}


def member_verdict(*, judged: int, flagged: int) -> str:
    """``too_few`` below the minimum sample, else ``flagged`` or ``clear``."""
    if judged < MEMBER_MIN_PATROLS:
        return "too_few"
    return "flagged" if flagged / judged >= MEMBER_FLAGGED_SHARE else "clear"


def _percent(share: float) -> int:
    return round(share * 100)


def flag_reason(kind: str, figures: Figures) -> str:
    """The flag in words, with its figures and the threshold it failed."""
    f = figures
    if kind == "no_route":
        return _("No route was recorded (%(metres)d m, at least %(minimum)d m expected).") % {
            "metres": f.get("metres", 0),
            "minimum": MIN_ROUTE_METRES,
        }
    if kind == "outside_grids":
        return _(
            "Only %(inside)d%% of the %(metres)d m route lies inside the member's grids "
            "(at least %(minimum)d%% expected)."
        ) % {
            "inside": _percent(f.get("inside", 0)),
            "metres": f.get("metres", 0),
            "minimum": _percent(MIN_INSIDE_SHARE),
        }
    if kind == "little_movement" and f.get("basis") == "moving":
        return _(
            "Moving for %(moving)d of %(minutes)d minutes (%(metres)d m); at least "
            "%(minimum)d%% of a patrol is spent walking or cycling."
        ) % {
            "moving": f.get("moving", 0),
            "minutes": f.get("minutes", 0),
            "metres": f.get("metres", 0),
            "minimum": _percent(MIN_MOVING_SHARE),
        }
    if kind == "little_movement":
        return _(
            "%(metres)d m in %(minutes)d minutes: %(rate)s m a minute (at least %(minimum)d "
            "expected)."
        ) % {
            "metres": f.get("metres", 0),
            "minutes": f.get("minutes", 0),
            "rate": f.get("rate", 0),
            "minimum": MIN_METRES_PER_MINUTE,
        }
    if kind == "key_households_skipped" and not f.get("timed", True):
        return _(
            "The route comes within %(radius)d m of none of the grid's %(households)d key "
            "households."
        ) % {"radius": DWELL_RADIUS_METRES, "households": f.get("households", 0)}
    if kind == "key_households_skipped":
        return _(
            "No stop of %(minutes)d minutes within %(radius)d m of any of the grid's "
            "%(households)d key households."
        ) % {
            "minutes": DWELL_MIN_SECONDS // 60,
            "radius": DWELL_RADIUS_METRES,
            "households": f.get("households", 0),
        }
    if kind == "repeated_notes":
        earlier = datetime.datetime.fromisoformat(f["earlier"]) if f.get("earlier") else None
        return _(
            "The notes are %(similarity)d%% the same as those of the patrol of %(date)s "
            "(%(threshold)d%% or more counts as a copy)."
        ) % {
            "similarity": _percent(f.get("similarity", 0)),
            "date": date_format(earlier, "SHORT_DATE_FORMAT") if earlier else "",
            "threshold": _percent(NOTES_SIMILARITY),
        }
    if kind == "month_end_rush":
        return _(
            "%(patrols)d patrols in the last %(days)d days of %(month)s: %(rate)s a day against "
            "the member's usual %(usual)s (%(ratio)d times or more counts as a rush)."
        ) % {
            "patrols": f.get("patrols", 0),
            "days": MONTH_END_DAYS,
            "month": f.get("month", ""),
            "rate": f.get("rate", 0),
            "usual": f.get("usual", 0),
            "ratio": RUSH_RATIO,
        }
    if kind == "below_daily_norm":
        return _(
            "%(minutes)d minutes of patrol that day in all, below the town's daily norm of "
            "%(norm)d minutes."
        ) % {"minutes": f.get("minutes", 0), "norm": f.get("norm", 0)}
    return kind

"""One case per fact: the cases near a place being reported that may be the same problem.

One query on the GiST index of ``Incident.location``: a bounding box around the point
(``&&``, index-only) narrows the rows, the spherical distance keeps those within the
radius, and the few candidates are ranked in Python by distance, category and recency.
"""

import datetime
import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.contrib.gis.measure import D
from django.db.models import Q
from django.utils import timezone

from incidents.models import Category, Incident, Publication
from incidents.publication import coarse_point, published_condition
from members.personal_data import mask_text

Status = Incident.Status
METRES_PER_DEGREE = 111_320
CANDIDATES = 50
SUGGESTED = 5
LIVE_STATUSES = (*sorted(Incident.OPEN_STATUSES), Status.SUSPENDED)
# Weights of the rank (lower first): a case at the radius's edge weighs 1, one of another
# category of the same group 0.5 more, one as old as the look-back window 0.25 more.
OTHER_CATEGORY_WEIGHT = 0.5
AGE_WEIGHT = 0.25


@dataclass(frozen=True)
class Suggestion:
    pk: int
    code: str
    title: str
    status: str
    status_label: str
    distance_m: int
    same_category: bool
    category_name: str


def duplicate_radius(category: Category) -> int:
    return category.duplicate_radius_m or settings.DUPLICATE_RADIUS_METERS


def _metres(a: Point, b: Point) -> float:
    """Great-circle distance (haversine): a coarse case's distance from its cell's centre."""
    lat1, lat2 = math.radians(a.y), math.radians(b.y)
    dlat, dlng = lat2 - lat1, math.radians(b.x - a.x)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _bbox(point: Point, radius_m: float) -> Polygon:
    """A box a little larger than the circle, in degrees (longitude shrinks with latitude)."""
    dlat = radius_m * 1.01 / METRES_PER_DEGREE
    dlng = dlat / max(math.cos(math.radians(point.y)), 0.01)
    return Polygon.from_bbox((point.x - dlng, point.y - dlat, point.x + dlng, point.y + dlat))


def incident_duplicate_suggestions(
    *,
    category: Category,
    point: Point,
    now: datetime.datetime | None = None,
    exclude_pk: int | None = None,
    limit: int = SUGGESTED,
    public: bool = False,
    within: Q | None = None,
) -> list[Suggestion]:
    """Open, suspended and recently closed cases of the same category or group within the
    category's radius of ``point``, best match first. One query.

    ``public``: for people without a staff role, only what Open311 lists
    (incidents.publication): requests that came in through the public door, not of an
    internal category; a coarse one is called by its category, at its cell's distance.
    ``within``: for staff, the cases their role may be offered (permissions.suggestion_scope).
    """
    now = now or timezone.now()
    radius = duplicate_radius(category)
    window = datetime.timedelta(days=settings.DUPLICATE_RECENT_DAYS)
    point = Point(point.x, point.y, srid=4326)
    box = _bbox(point, radius)
    box.srid = 4326
    rows = (
        Incident.objects.filter(location__bboverlaps=box)
        .filter(location__distance_lte=(point, D(m=radius)))
        .filter(Q(category_id=category.pk) | Q(category__group_id=category.group_id))
        .filter(
            Q(status__in=LIVE_STATUSES)
            | Q(status__in=sorted(Incident.CLOSED_STATUSES), closed_at__gte=now - window)
        )
        .filter(published_condition() if public else Q())
        .filter(within if within is not None else Q())
        .exclude(pk=exclude_pk)
        .annotate(distance=Distance("location", point))
        .order_by("distance", "-created_at")
        .values(
            "pk",
            "code",
            "title",
            "status",
            "category_id",
            "category__name",
            "category__publication",
            "created_at",
            "distance",
            "location",
        )[:CANDIDATES]
    )
    labels = dict(Status.choices)
    ranked = []
    for row in rows:
        is_coarse = public and row["category__publication"] != Publication.PUBLIC
        metres = _metres(point, coarse_point(row["location"])) if is_coarse else row["distance"].m
        if is_coarse:
            title = row["category__name"]
        else:
            # A title is the reporter's words: phone or ID numbers in it are masked for the
            # public, as on Open311.
            title = mask_text(row["title"]) if public else row["title"]
        same = row["category_id"] == category.pk
        age = min((now - row["created_at"]) / window, 1.0) if window else 0.0
        score = metres / radius + (0 if same else OTHER_CATEGORY_WEIGHT) + age * AGE_WEIGHT
        ranked.append(
            (
                score,
                Suggestion(
                    pk=row["pk"],
                    code=row["code"],
                    title=title,
                    status=row["status"],
                    status_label=str(labels[row["status"]]),
                    distance_m=round(metres),
                    same_category=same,
                    category_name=row["category__name"],
                ),
            )
        )
    ranked.sort(key=lambda pair: (pair[0], pair[1].pk))
    return [suggestion for _score, suggestion in ranked[:limit]]

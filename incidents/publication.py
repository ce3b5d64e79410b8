"""What the public may learn of a case: every public surface (Open311, the residents'
duplicate suggestions and joining, the tracking page of someone else's case) asks here.

A category's ``publication`` decides it (``incidents.models.Publication``):

- ``public``: the case as today: place, address, the reporter's words with phone and ID
  numbers masked;
- ``coarse``: the place snapped to the centre of a cell of about 500 m, no address, no
  description, the category's name as the title;
- ``internal``: never listed, never offered, never joined by the public.

Only requests that came in through the public door (the web form, Open311) are public at
all: cases staff filed on patrol, from the hotline or from a department never are.

Public reads may be cached (the Open311 list) under the generation ``PUBLIC_CASES``
(core.generations). Every service that changes what the public may see of a case, or of
a category, calls ``public_cases_changed()``: the generation moves once the change
commits, so the next read computes afresh; a change rolled back moves nothing.
"""

import math

from django.contrib.gis.geos import Point
from django.db.models import Q

from core.generations import generation, generation_bump_on_commit
from incidents.models import Category, Incident, Publication
from members.personal_data import mask_text

# About 555 m north-south and 490 m east-west at 28°N: a village's corner, not a doorstep.
COARSE_CELL_DEGREES = 0.005


def published_condition() -> Q:
    """The cases any public surface may list, offer or let the public join."""
    return Q(source__in=sorted(Incident.PUBLIC_SOURCES)) & ~Q(
        category__publication=Publication.INTERNAL
    )


def published_cases():
    return Incident.objects.filter(published_condition())


PUBLIC_CASES = "incidents.public_cases"


def public_cases_changed(*sources: str) -> None:
    """Cases (of these sources; none named: any) changed in this transaction: the public
    caches follow once it commits. Cases no public door filed are skipped."""
    if sources and not Incident.PUBLIC_SOURCES.intersection(sources):
        return
    generation_bump_on_commit(PUBLIC_CASES)


def public_cases_generation() -> int:
    """Read before the data a public cache stores (core.generations)."""
    return generation(PUBLIC_CASES)


def is_coarse(category: Category) -> bool:
    return category.publication != Publication.PUBLIC


def coarse_point(point: Point) -> Point:
    """The centre of the cell the point lies in (the same for every point of the cell)."""

    def centre(value: float) -> float:
        return round((math.floor(value / COARSE_CELL_DEGREES) + 0.5) * COARSE_CELL_DEGREES, 6)

    return Point(centre(point.x), centre(point.y), srid=4326)


def public_location(incident: Incident) -> Point | None:
    location = incident.location
    if location is None or not is_coarse(incident.category):
        return location
    return coarse_point(location)


def public_title(incident: Incident) -> str:
    """A coarse or internal case is called by its category: a title names people."""
    if is_coarse(incident.category):
        return incident.category.name
    return mask_text(incident.title)


def public_description(incident: Incident) -> str:
    return "" if is_coarse(incident.category) else mask_text(incident.description)


def public_address(incident: Incident) -> str:
    return "" if is_coarse(incident.category) else incident.address

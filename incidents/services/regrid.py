"""Cases follow a grid that an official split in two (the re-division advisor,
members.services.redivision.split_accept, which sends members.signals.grid_split).

The old grid is retired, not deleted: its closed cases keep pointing at it, with their
history. Its open and suspended cases move to the half that covers their place (one UPDATE
per half), those without a place to the first half, so that the members of the new grids
see and check them; the handling region and the rung stay (both halves lie in the same
village). The case's timeline is not written to: the grid is where the case lies, not a step.
"""

from typing import Any

from grids.models import Grid
from incidents.models import Incident
from incidents.publication import public_cases_changed

ACTIVE_STATUSES = sorted({*Incident.OPEN_STATUSES, Incident.Status.SUSPENDED})


def incidents_follow_grid_split(*, old: Grid, halves: list[Grid]) -> int:
    """Move the old grid's open and suspended cases to the halves; the number moved."""
    active = Incident.objects.filter(grid=old, status__in=ACTIVE_STATUSES)
    moved = 0
    for half in halves:
        moved += active.filter(location__coveredby=half.boundary).update(grid=half)
    moved += active.update(grid=halves[0])
    if moved:
        public_cases_changed()
    return moved


def on_grid_split(sender: Any, *, old: Grid, halves: list[Grid], **kwargs: Any) -> None:
    incidents_follow_grid_split(old=old, halves=halves)

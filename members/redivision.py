"""The re-division advisor's rule: when is a grid too big for its members?

A grid is **overloaded** when its households reach ``OVERLOAD_FACTOR`` (1.5) times the
median households per active grid of its town. Households are the measure because they
are what members visit and keep in the register, and because practice sizes grids by them
(an urban grid 300 to 500 households); the median, not the mean, so that one huge grid
does not raise the bar for itself. Residents, cases per month, patrol hours and members
are shown beside it as context (the dashboard's workload page), not part of the rule: a
grid with many cases needs more hands, not necessarily a new line on the map.

An overloaded grid may get a proposed split (members.services.redivision): two halves
along a line that balances its registered households (grids.splitting). Nothing is
applied until an official accepts it.
"""

import statistics
from collections.abc import Iterable

from django.db.models import QuerySet

from grids.models import Grid

OVERLOAD_FACTOR = 1.5


def median_households(counts: Iterable[int]) -> float:
    """The median households per grid; 0 for a town without grids."""
    values = list(counts)
    return float(statistics.median(values)) if values else 0.0


def is_overloaded(households: int, median: float) -> bool:
    return median > 0 and households >= OVERLOAD_FACTOR * median


def town_grids(grid: Grid) -> QuerySet[Grid]:
    """The active grids of the grid's town, the grid itself included."""
    return Grid.objects.active().filter(village__parent_id=grid.village.parent_id)


def town_median_households(grid: Grid) -> float:
    return median_households(town_grids(grid).values_list("households", flat=True))


def town_medians(town_ids: Iterable[int]) -> dict[int, float]:
    """The median households per active grid of each town, in one query."""
    counts: dict[int, list[int]] = {}
    for town_id, households in (
        Grid.objects.active()
        .filter(village__parent_id__in=list(town_ids))
        .values_list("village__parent_id", "households")
    ):
        counts.setdefault(town_id, []).append(households)
    return {town_id: median_households(values) for town_id, values in counts.items()}

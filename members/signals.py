"""Signals members sends to the apps above it, which it may not import.

``grid_split``: an official accepted a re-division (members.services.redivision
.split_accept). Sent inside the accepting transaction, after the two new grids exist and the
old one is retired, with ``old`` (the retired Grid) and ``halves`` (the two new Grids, the
western or northern first). A receiver that raises undoes the whole split.
"""

from django.dispatch import Signal

grid_split = Signal()

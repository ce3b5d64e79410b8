"""Arithmetic of the figures pages show (the dashboard, survey results)."""

from collections.abc import Mapping
from typing import Any

# A row of a grouped query (``.values(...).annotate(...)``), read by name.
Row = Mapping[str, Any]


def rate(part: int, whole: int) -> float | None:
    """The share ``part / whole``; None when there is nothing to share (no division by 0)."""
    return part / whole if whole else None

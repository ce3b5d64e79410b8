"""Arithmetic of the figures pages show (the dashboard, survey results)."""


def rate(part: int, whole: int) -> float | None:
    """The share ``part / whole``; None when there is nothing to share (no division by 0)."""
    return part / whole if whole else None

"""The period every figure of the dashboard is counted over: local dates, Asia/Shanghai."""

import datetime
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class Period:
    """Local dates [start, end): ``end`` is the first day no longer included."""

    start: datetime.date
    end: datetime.date

    @property
    def start_at(self) -> datetime.datetime:
        return _local_midnight(self.start)

    @property
    def end_at(self) -> datetime.datetime:
        return _local_midnight(self.end)

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @classmethod
    def last_days(cls, days: int, today: datetime.date | None = None) -> "Period":
        """The ``days`` local days up to and including today."""
        today = today or timezone.localdate()
        end = today + datetime.timedelta(days=1)
        return cls(start=end - datetime.timedelta(days=days), end=end)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )

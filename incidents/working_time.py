"""Deadlines on China's working calendar.

Ordinary limits count working time: Monday to Friday, minus public holidays, plus the
weekends worked in exchange (调休), inside the working hours of ``settings.WORKING_HOURS``.
A working day is one day's worth of working hours, so "3 working days" from Friday 15:00
ends on Wednesday 15:00. Urgent limits count clock hours.

The calendar is data (``CalendarDay``, ``CalendarYear``) that a town keeps up to date. A year
with no data counts Monday to Friday minus the fixed-date holidays (元旦 1 January, 劳动节
1 May, 国庆 1-3 October: ``FIXED_HOLIDAYS``) and is reported by ``missing_calendar_years`` so
that pages can say so; computing a deadline never fails for want of a calendar. When the
year is entered, ``incidents_recalculate_deadlines`` moves the deadlines it changes.

Deadlines are counted in minutes from an anchor (``Clock``): a stage's start, or the moment
a suspended case resumed with the minutes it had left.

Working hours may differ by region (``WorkingHours``: a town's own hours, summer and winter
schedules as dated periods), inherited down the ladder; ``WorkingCalendar.for_region`` gives
the calendar of one region. A working day is worth the platform's hours per day
(``settings.WORKING_HOURS``) whatever the region's hours.
"""

import bisect
import dataclasses
import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from grids.models import Region
from incidents.models import CalendarDay, CalendarYear, TimeUnit, WorkingHours, parse_periods

MAX_SEARCH_DAYS = 400
INDEX_AFTER_CALLS = 64
# Holidays on the same date every year: a year not entered yet still keeps them.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)})


def _parse(value: str) -> datetime.time:
    hours, minutes = value.split(":")
    return datetime.time(int(hours), int(minutes))


def working_periods() -> list[tuple[datetime.time, datetime.time]]:
    return [(_parse(start), _parse(end)) for start, end in settings.WORKING_HOURS]


def hours_per_working_day() -> float:
    total = 0.0
    for start, end in working_periods():
        delta = datetime.datetime.combine(datetime.date.min, end) - datetime.datetime.combine(
            datetime.date.min, start
        )
        total += delta.total_seconds() / 3600
    return total


Periods = tuple[tuple[datetime.time, datetime.time], ...]
# A region's hours, nearest region first: (starts_on, ends_on, periods), dated before undated.
Schedule = tuple[tuple[datetime.date | None, datetime.date | None, Periods], ...]


@dataclass
class RegionHours:
    """Every region's own working hours (few rows), and the regions' paths when any exist."""

    by_path: dict[str, list[tuple[datetime.date | None, datetime.date | None, Periods]]]
    paths: dict[int, str]

    @classmethod
    def load(cls) -> "RegionHours":
        by_path: dict = {}
        rows = WorkingHours.objects.values_list("region__path", "starts_on", "ends_on", "periods")
        for path, starts_on, ends_on, periods in rows.order_by("starts_on"):
            by_path.setdefault(path, []).append((starts_on, ends_on, parse_periods(periods)))
        paths = dict(Region.objects.values_list("pk", "path")) if by_path else {}
        return cls(by_path=by_path, paths=paths)

    def schedule(self, region_id: int | None) -> Schedule:
        path = self.paths.get(region_id) if region_id is not None else None
        if not path:
            return ()
        entries: list = []
        prefixes = [path[: index + 1] for index, char in enumerate(path) if char == "/"]
        for prefix in reversed(prefixes):  # the region itself first, then up the ladder
            own = self.by_path.get(prefix, [])
            entries += [entry for entry in own if entry[0] is not None]
            entries += [entry for entry in own if entry[0] is None]
        return tuple(entries)


def default_periods() -> Periods:
    return tuple(working_periods())


@dataclass
class WorkingCalendar:
    """The exceptions of some years, loaded once so that many deadlines cost no query."""

    holidays: set[datetime.date] = field(default_factory=set)
    workdays: set[datetime.date] = field(default_factory=set)
    known_years: set[int] = field(default_factory=set)
    fallback_years: set[int] = field(default_factory=set)
    region_hours: RegionHours = field(default_factory=lambda: RegionHours({}, {}))
    schedule: Schedule = ()
    default: Periods = field(default_factory=default_periods)
    # The loaded years, and per schedule the working periods laid end to end (_PeriodIndex):
    # shared by the copies for_region makes, built on first use.
    years: tuple[int, int] | None = None
    indexes: dict = field(default_factory=dict)

    def for_region(self, region_id: int | None) -> "WorkingCalendar":
        """This calendar with the working hours of a region (its own, or inherited)."""
        schedule = self.region_hours.schedule(region_id)
        if schedule == self.schedule:
            return self
        return dataclasses.replace(self, schedule=schedule)

    def periods_on(self, day: datetime.date) -> Periods:
        for starts_on, ends_on, periods in self.schedule:
            if starts_on is None or (ends_on is not None and starts_on <= day <= ends_on):
                return periods
        return self.default

    @classmethod
    def load(cls, first_year: int, last_year: int) -> "WorkingCalendar":
        calendar = cls()
        rows = CalendarDay.objects.filter(
            date__gte=datetime.date(first_year, 1, 1), date__lte=datetime.date(last_year, 12, 31)
        ).values_list("date", "kind")
        for day, kind in rows:
            (calendar.holidays if kind == CalendarDay.Kind.HOLIDAY else calendar.workdays).add(day)
        calendar.known_years = set(
            CalendarYear.objects.filter(year__gte=first_year, year__lte=last_year).values_list(
                "year", flat=True
            )
        )
        calendar.region_hours = RegionHours.load()
        calendar.years = (first_year, last_year)
        return calendar

    @classmethod
    def around(cls, moment: datetime.datetime) -> "WorkingCalendar":
        """This year and the next: enough for any limit counted from ``moment``."""
        year = timezone.localtime(moment).year
        return cls.load(year, year + 1)

    @classmethod
    def spanning(cls, first: datetime.datetime, last: datetime.datetime) -> "WorkingCalendar":
        """From ``first``'s year to the year after ``last``: a clock anchored in the past."""
        return cls.load(timezone.localtime(first).year, timezone.localtime(last).year + 1)

    def is_workday(self, day: datetime.date) -> bool:
        if day.year not in self.known_years:
            self.fallback_years.add(day.year)
        return self._workday(day)

    def _workday(self, day: datetime.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if day.year not in self.known_years and (day.month, day.day) in FIXED_HOLIDAYS:
            return False
        return day.weekday() < 5

    def is_working_moment(self, moment: datetime.datetime) -> bool:
        """Whether ``moment`` falls inside the working hours of a working day."""
        local = timezone.localtime(moment)
        if not self.is_workday(local.date()):
            return False
        periods = self.periods_on(local.date())
        return any(start <= local.time() < end for start, end in periods)

    def _index(self) -> "_PeriodIndex | None":
        if self.years is None:
            return None
        index = self.indexes.get(self.schedule)
        if index is None:
            # Building costs a walk over two years: worth it for a sweep, not for one case.
            calls = self.indexes["calls"] = self.indexes.get("calls", 0) + 1
            if calls < INDEX_AFTER_CALLS:
                return None
            index = self.indexes[self.schedule] = _PeriodIndex.build(self)
        return index

    def _mark_fallback(self, first: datetime.date, last: datetime.date) -> None:
        for year in range(first.year, last.year + 1):
            if year not in self.known_years:
                self.fallback_years.add(year)

    def working_minutes_between(self, start: datetime.datetime, end: datetime.datetime) -> int:
        """Whole working minutes from ``start`` to ``end`` (0 when ``end`` is not later)."""
        tz = timezone.get_current_timezone()
        begin, finish = timezone.localtime(start, tz), timezone.localtime(end, tz)
        index = self._index()
        low, high = (index.position(begin), index.position(finish)) if index else (None, None)
        if low is not None and high is not None:
            self._mark_fallback(begin.date(), finish.date())
            return max(0, int((high - low).total_seconds() // 60))
        total = datetime.timedelta()
        day = begin.date()
        while day <= finish.date():
            if self.is_workday(day):
                for period_start, period_end in self.periods_on(day):
                    low = max(datetime.datetime.combine(day, period_start, tzinfo=tz), begin)
                    high = min(datetime.datetime.combine(day, period_end, tzinfo=tz), finish)
                    if high > low:
                        total += high - low
            day += datetime.timedelta(days=1)
        return int(total.total_seconds() // 60)

    def minutes_between(
        self, start: datetime.datetime, end: datetime.datetime, working: bool
    ) -> int:
        if working:
            return self.working_minutes_between(start, end)
        return max(0, int((end - start).total_seconds() // 60))

    def add_minutes(
        self, start: datetime.datetime, minutes: int, working: bool
    ) -> datetime.datetime:
        if working:
            return self.add_working_hours(start, minutes / 60)
        return start + datetime.timedelta(minutes=minutes)

    def add_working_hours(self, start: datetime.datetime, hours: float) -> datetime.datetime:
        """The moment ``hours`` of working time after ``start`` (an aware datetime)."""
        tz = timezone.get_current_timezone()
        local = timezone.localtime(start, tz)
        remaining = datetime.timedelta(hours=hours)
        index = self._index() if remaining > datetime.timedelta() else None
        found = index.add(local, remaining) if index else None
        if found is not None:
            self._mark_fallback(local.date(), found.date())
            return found
        day = local.date()
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_workday(day):
                for period_start, period_end in self.periods_on(day):
                    begin = datetime.datetime.combine(day, period_start, tzinfo=tz)
                    end = datetime.datetime.combine(day, period_end, tzinfo=tz)
                    begin = max(begin, local)
                    if begin >= end:
                        continue
                    if begin + remaining <= end:
                        return begin + remaining
                    remaining -= end - begin
            day += datetime.timedelta(days=1)
        raise ValueError("A working-time limit reaches beyond the calendar search window.")

    def deadline(self, start: datetime.datetime, amount: int, unit: str) -> datetime.datetime:
        if unit == TimeUnit.CLOCK_HOURS:
            return start + datetime.timedelta(hours=amount)
        if unit == TimeUnit.WORKING_HOURS:
            return self.add_working_hours(start, amount)
        return self.add_working_hours(start, amount * hours_per_working_day())


@dataclass
class _PeriodIndex:
    """The working periods of the loaded years, laid end to end: a moment's position is
    the working time before it, so that adding working time or counting it between two
    moments is a binary search instead of a walk over the days (the recalculation of many
    cases). Moments outside the loaded years return None: the caller walks the days."""

    starts: list[datetime.datetime]
    ends: list[datetime.datetime]
    cumulative: list[datetime.timedelta]  # working time up to each period's end

    @classmethod
    def build(cls, calendar: "WorkingCalendar") -> "_PeriodIndex":
        tz = timezone.get_current_timezone()
        assert calendar.years is not None  # noqa: S101 (only loaded calendars have an index)
        day, last = (
            datetime.date(calendar.years[0], 1, 1),
            datetime.date(calendar.years[1], 12, 31),
        )
        starts, ends, cumulative = [], [], []
        total = datetime.timedelta()
        while day <= last:
            if calendar._workday(day):
                for period_start, period_end in calendar.periods_on(day):
                    begin = datetime.datetime.combine(day, period_start, tzinfo=tz)
                    end = datetime.datetime.combine(day, period_end, tzinfo=tz)
                    total += end - begin
                    starts.append(begin)
                    ends.append(end)
                    cumulative.append(total)
            day += datetime.timedelta(days=1)
        return cls(starts, ends, cumulative)

    def position(self, moment: datetime.datetime) -> datetime.timedelta | None:
        k = bisect.bisect_right(self.ends, moment)
        if k == len(self.ends) or (k == 0 and moment < self.starts[0]):
            return None
        if moment <= self.starts[k]:
            return self.cumulative[k] - (self.ends[k] - self.starts[k])
        return self.cumulative[k] - (self.ends[k] - moment)

    def add(
        self, moment: datetime.datetime, amount: datetime.timedelta
    ) -> datetime.datetime | None:
        start = self.position(moment)
        if start is None:
            return None
        target = start + amount
        k = bisect.bisect_left(self.cumulative, target)
        if k == len(self.cumulative):
            return None
        return self.ends[k] - (self.cumulative[k] - target)


def limit_minutes(amount: int, unit: str) -> tuple[int, bool]:
    """A limit as (minutes, counted in working time)."""
    if unit == TimeUnit.CLOCK_HOURS:
        return amount * 60, False
    if unit == TimeUnit.WORKING_HOURS:
        return amount * 60, True
    return round(amount * hours_per_working_day() * 60), True


def missing_calendar_years(today: datetime.date) -> list[int]:
    """This year and, from October, the next one, where no official schedule was entered."""
    wanted = {today.year} | ({today.year + 1} if today.month >= 10 else set())
    known = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return sorted(wanted - known)

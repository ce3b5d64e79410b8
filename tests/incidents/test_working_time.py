"""Deadlines on the packaged working calendar: its holidays and swapped working days are the
point, so the dates are literal, and the clock is frozen so that no day of the run matters."""

import datetime

import pytest

from incidents.models import CalendarDay, CalendarYear, TimeUnit
from incidents.working_time import WorkingCalendar, missing_calendar_years
from tests.conftest import NOW, SHANGHAI

pytestmark = pytest.mark.time_machine(NOW, tick=False)
WD, WH, CLOCK = TimeUnit.WORKING_DAYS, TimeUnit.WORKING_HOURS, TimeUnit.CLOCK_HOURS


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def deadline(start, amount, unit):
    return WorkingCalendar.around(start).deadline(start, amount, unit)


@pytest.mark.django_db
def test_working_days_skip_the_national_day_holiday():
    # Wed 30 Sep: 6 working hours left; 1–7 Oct are holidays; Thu 8 Oct gives 7.5.
    assert deadline(at(2026, 9, 30, 10, 0), 2, WD) == at(2026, 10, 9, 10, 0)


@pytest.mark.django_db
def test_a_swapped_working_saturday_counts():
    # Sat 10 Oct 2026 is worked in exchange for the National Day holiday.
    assert deadline(at(2026, 10, 9, 10, 0), 1, WD) == at(2026, 10, 10, 10, 0)


@pytest.mark.django_db
def test_an_ordinary_weekend_does_not_count():
    assert deadline(at(2026, 11, 20, 10, 0), 1, WD) == at(2026, 11, 23, 10, 0)


@pytest.mark.django_db
def test_a_holiday_on_a_weekday_does_not_count():
    # Fri 25 Sep 2026 is the Mid-Autumn Festival.
    assert deadline(at(2026, 9, 24, 10, 0), 1, WD) == at(2026, 9, 28, 10, 0)


@pytest.mark.django_db
def test_working_hours_start_at_the_next_working_period():
    assert deadline(at(2026, 11, 21, 20, 0), 2, WH) == at(2026, 11, 23, 10, 30)
    assert deadline(at(2026, 11, 23, 11, 0), 2, WH) == at(2026, 11, 23, 14, 30)


@pytest.mark.django_db
def test_urgent_limits_count_clock_hours_through_holidays():
    assert deadline(at(2026, 10, 1, 9, 0), 8, CLOCK) == at(2026, 10, 1, 17, 0)


@pytest.mark.django_db
def test_a_year_without_data_falls_back_to_monday_to_friday_and_says_so():
    calendar = WorkingCalendar.around(at(2026, 12, 31, 10, 0))

    # Tue 30 Nov 2027 is a working day: nobody has entered 2027 yet, Mon–Fri it is.
    assert calendar.deadline(at(2027, 11, 29, 10, 0), 1, WD) == at(2027, 11, 30, 10, 0)
    assert calendar.fallback_years == {2027}
    assert missing_calendar_years(datetime.date(2026, 11, 23)) == [2027]
    assert missing_calendar_years(datetime.date(2026, 6, 1)) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end"),
    [
        ((2026, 12, 31), (2027, 1, 4)),  # 元旦: Fri 1 January
        ((2027, 4, 30), (2027, 5, 3)),  # 劳动节: Sat 1 May, then Monday
        ((2027, 9, 30), (2027, 10, 4)),  # 国庆: Fri 1 October
    ],
)
def test_the_fallback_keeps_the_fixed_date_holidays(start, end):
    calendar = WorkingCalendar.around(at(*start, 10, 0))

    assert calendar.deadline(at(*start, 10, 0), 1, WD) == at(*end, 10, 0)
    assert calendar.fallback_years == {2027}


@pytest.mark.django_db
def test_the_fallback_skips_1_to_3_october_on_weekdays():
    calendar = WorkingCalendar.around(at(2028, 9, 29, 10, 0))

    # 2028: 1 October is a Sunday, 2 and 3 October (Mon, Tue) are holidays.
    assert calendar.deadline(at(2028, 9, 29, 10, 0), 1, WD) == at(2028, 10, 4, 10, 0)


@pytest.mark.django_db
def test_once_the_new_year_is_entered_it_is_used():
    CalendarYear.objects.create(year=2027, source="国务院办公厅通知")
    CalendarDay.objects.create(date=datetime.date(2027, 1, 1), kind="holiday", name="元旦")
    calendar = WorkingCalendar.around(at(2026, 12, 31, 10, 0))

    assert calendar.deadline(at(2026, 12, 31, 10, 0), 1, WD) == at(2027, 1, 4, 10, 0)
    assert calendar.fallback_years == set()
    assert missing_calendar_years(datetime.date(2026, 11, 23)) == []


@pytest.mark.django_db
def test_the_calendar_of_the_packaged_years_was_loaded():
    assert CalendarYear.objects.filter(year__range=(2004, 2026)).count() == 23
    assert CalendarDay.objects.get(date=datetime.date(2026, 10, 10)).kind == "workday"


@pytest.mark.django_db
def test_computing_many_deadlines_costs_three_queries(django_assert_num_queries):
    # The exceptions, the years entered, the regions' own working hours (none here).
    with django_assert_num_queries(3):
        calendar = WorkingCalendar.around(at(2026, 9, 30, 10, 0))
        for day in range(1, 29):
            calendar.deadline(at(2026, 9, day, 10, 0), 3, WD)

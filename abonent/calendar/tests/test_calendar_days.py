"""Working days, calendar-day and working-day terms, deadlines (facts checked against the decrees)."""

import datetime as dt

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abonent.calendar.models import CalendarDay
from abonent.calendar.services import (
    add_calendar_days,
    add_working_days,
    deadline_from,
    is_working_day,
    next_working_day,
    working_days_in,
)
from abonent.calendar.tests.conftest import BARNAUL, local

pytestmark = pytest.mark.django_db
D = dt.date


def test_new_year_2026():
    assert not any(is_working_day(D(2026, 1, day)) for day in range(1, 12))
    assert CalendarDay.objects.get(date=D(2026, 1, 9)).kind == CalendarDay.Kind.TRANSFERRED_DAY_OFF
    assert "03.01.2026" in CalendarDay.objects.get(date=D(2026, 1, 9)).name
    assert is_working_day(D(2026, 1, 12))
    assert not is_working_day(D(2026, 12, 31))
    assert not is_working_day(D(2025, 12, 31))


def test_working_days_of_a_range_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        flags = working_days_in(D(2025, 12, 25), D(2026, 3, 20))
    assert len(flags) == 86
    assert all(flags[day] == is_working_day(day) for day in flags)


def test_working_saturdays():
    assert is_working_day(D(2025, 11, 1))
    assert is_working_day(D(2024, 12, 28))
    assert is_working_day(D(2027, 2, 20))
    assert not is_working_day(D(2025, 11, 3))  # the day off moved from 01.11.2025
    assert not is_working_day(D(2026, 11, 28))  # an ordinary Saturday has no row


def test_table_agrees_with_holidays_package_on_every_day():
    ru = holidays.country_holidays("RU", years=range(2024, 2028), language="ru")
    day = D(2024, 1, 1)
    while day.year < 2028:
        assert is_working_day(day) == ru.is_working_day(day), day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(("year", "shortened"), [
    # 2024: 27.04 and 28.12 are working Saturdays worked for days before a transferred day off, so full.
    (2024, ["02-22", "03-07", "05-08", "06-11", "11-02"]),
    # 2025: as the government announced; 30.12 precedes a transferred day off, not a holiday.
    (2025, ["03-07", "04-30", "06-11", "11-01"]),
    (2026, ["04-30", "05-08", "06-11", "11-03"]),
])
def test_shortened_days(year, shortened):
    days = CalendarDay.objects.filter(date__year=year, kind=CalendarDay.Kind.SHORTENED)
    assert [f"{day.date:%m-%d}" for day in days] == shortened
    assert all(is_working_day(day.date) for day in days)


def test_working_days_per_year_match_the_production_calendar():
    counts = {}
    for year in range(2024, 2028):
        day, counts[year] = D(year, 1, 1), 0
        while day.year == year:
            counts[year] += is_working_day(day)
            day += dt.timedelta(days=1)
    assert counts == {2024: 248, 2025: 247, 2026: 247, 2027: 247}


def test_add_calendar_days_moves_off_a_non_working_day():
    assert add_calendar_days(D(2025, 12, 1), 30) == D(2026, 1, 12)  # 31.12.2025 is a day off
    assert add_calendar_days(D(2026, 12, 1), 30) == D(2027, 1, 11)
    assert add_calendar_days(D(2026, 10, 29), 30) == D(2026, 11, 30)  # Saturday 28.11 -> Monday
    assert add_calendar_days(D(2025, 10, 2), 30) == D(2025, 11, 1)  # a working Saturday stays
    assert add_calendar_days(D(2026, 12, 2), 0) == D(2026, 12, 2)
    with pytest.raises(ValueError):
        add_calendar_days(D(2026, 12, 2), -1)


def test_add_working_days_across_new_year():
    assert add_working_days(D(2025, 12, 29), 1) == D(2025, 12, 30)
    assert add_working_days(D(2025, 12, 29), 2) == D(2026, 1, 12)
    assert add_working_days(D(2025, 12, 25), 10) == D(2026, 1, 20)  # same as holidays.get_nth_working_day
    assert add_working_days(D(2026, 1, 1), 1) == D(2026, 1, 12)
    assert add_working_days(D(2025, 10, 31), 1) == D(2025, 11, 1)  # the working Saturday counts
    assert add_working_days(D(2026, 1, 5), 0) == D(2026, 1, 5)


def test_next_working_day():
    assert next_working_day(D(2025, 12, 30)) == D(2026, 1, 12)
    assert next_working_day(D(2026, 12, 3)) == D(2026, 12, 4)
    assert next_working_day(D(2026, 12, 4)) == D(2026, 12, 7)


def test_deadline_from_is_the_end_of_the_local_day():
    deadline = deadline_from(local(2025, 12, 1, 10, 0), 30)
    assert deadline == dt.datetime.combine(D(2026, 1, 12), dt.time.max, tzinfo=BARNAUL)
    # 20:00 UTC on 30 November is already 1 December in Barnaul.
    assert deadline_from(dt.datetime(2025, 11, 30, 20, 0, tzinfo=dt.UTC), 30) == deadline
    assert deadline.utcoffset() == dt.timedelta(hours=7)
    assert deadline_from(local(2025, 12, 25, 9, 0), 10, working_days=True).date() == D(2026, 1, 20)
    with pytest.raises(ValueError):
        deadline_from(dt.datetime(2025, 12, 1, 10, 0), 30)  # naive


def test_long_ranges_take_few_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        add_working_days(D(2024, 1, 1), 900)
    with django_assert_max_num_queries(1):
        add_calendar_days(D(2025, 12, 1), 30)


def _non_working(start: D, end: D) -> set[D]:
    """Reference: the non-working days of [start, end] straight from the table."""
    rows = {row.date: row for row in CalendarDay.objects.filter(date__range=(start, end))}
    days, day = set(), start
    while day <= end:
        row = rows.get(day)
        working = row.kind in CalendarDay.WORKING_KINDS if row else day.weekday() < 5
        if not working:
            days.add(day)
        day += dt.timedelta(days=1)
    return days


starts = st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 9, 30))
fixture_settings = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None,
                            max_examples=60)


@fixture_settings
@given(start=starts, days=st.integers(min_value=0, max_value=90))
def test_add_calendar_days_lands_on_the_first_working_day(start, days):
    result = add_calendar_days(start, days)
    target = start + dt.timedelta(days=days)
    assert result >= target
    off = _non_working(target, result)
    assert result not in off
    assert len(off) == (result - target).days  # every skipped day was non-working


@fixture_settings
@given(start=starts, days=st.integers(min_value=0, max_value=60), more=st.integers(min_value=1, max_value=30))
def test_add_working_days_is_monotone_and_counts_working_days(start, days, more):
    result = add_working_days(start, days)
    assert add_working_days(start, days + more) > result
    if days:
        off = _non_working(start + dt.timedelta(days=1), result)
        assert result not in off
        assert (result - start).days - len(off) == days

"""Opening hours of the channels on the production calendar, and the state line for the site."""

import datetime as dt

import pytest

from abonent.calendar.models import CalendarDay
from abonent.calendar.services import channel_state, is_open, next_open_moment, working_hours_on
from abonent.calendar.tests.conftest import local
from abonent.organisation.models import Channel, WorkingHours

D, T = dt.date, dt.time
PHONE = Channel.PHONE


@pytest.fixture(autouse=True)
def _hours(service_hours):
    return service_hours


def test_working_hours_on_ordinary_days():
    assert working_hours_on(PHONE, D(2026, 12, 3)) == (T(8), T(17))  # Thursday
    assert working_hours_on(PHONE, D(2026, 12, 4)) == (T(8), T(16))  # Friday
    assert working_hours_on(PHONE, D(2026, 12, 5)) is None  # Saturday
    assert working_hours_on(Channel.IN_PERSON, D(2026, 12, 3)) == (T(8), T(17))
    assert working_hours_on(Channel.EMAIL, D(2026, 12, 3)) is None  # no hours for the channel


def test_working_hours_on_holidays_and_shortened_days():
    assert working_hours_on(PHONE, D(2026, 1, 5)) is None
    assert working_hours_on(PHONE, D(2026, 1, 9)) is None
    assert working_hours_on(PHONE, D(2026, 11, 3)) == (T(8), T(16))  # Tuesday before 4 November
    assert working_hours_on(PHONE, D(2026, 5, 8)) == (T(8), T(15))  # a shortened Friday


def test_working_saturday_works_the_hours_of_the_day_it_replaces():
    assert working_hours_on(PHONE, D(2024, 12, 28)) == (T(8), T(17))  # for Monday 30.12, full
    assert working_hours_on(PHONE, D(2025, 11, 1)) == (T(8), T(16))  # for Monday 03.11, shortened
    WorkingHours.objects.filter(weekday=1).update(closes_at=T(18))
    assert working_hours_on(PHONE, D(2024, 11, 2)) == (T(8), T(17))  # for Tuesday 30.04, shortened
    CalendarDay.objects.create(date=D(2026, 12, 12), kind=CalendarDay.Kind.WORKING_WEEKEND, is_manual=True)
    assert working_hours_on(PHONE, D(2026, 12, 12)) == (T(8), T(17))  # unknown: Monday's hours


def test_is_open_friday_vs_thursday():
    assert is_open(PHONE, local(2026, 12, 3, 16, 30))
    assert not is_open(PHONE, local(2026, 12, 4, 16, 30))
    assert is_open(PHONE, local(2026, 12, 4, 15, 59))
    assert not is_open(PHONE, local(2026, 12, 3, 7, 59))
    assert not is_open(PHONE, local(2026, 12, 3, 17, 0))
    # 09:30 UTC is 16:30 in Barnaul.
    assert is_open(PHONE, dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC))
    assert not is_open(PHONE, dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC))
    assert not is_open(PHONE, local(2026, 1, 5, 10, 0))
    with pytest.raises(ValueError):
        is_open(PHONE, dt.datetime(2026, 12, 3, 10, 0))  # naive


def test_next_open_moment():
    open_now = local(2026, 12, 3, 10, 15)
    assert next_open_moment(PHONE, open_now) == open_now
    assert next_open_moment(PHONE, local(2026, 12, 3, 6, 0)) == local(2026, 12, 3, 8, 0)
    assert next_open_moment(PHONE, local(2026, 12, 4, 16, 30)) == local(2026, 12, 7, 8, 0)
    assert next_open_moment(PHONE, local(2025, 12, 30, 17, 0)) == local(2026, 1, 12, 8, 0)
    utc = next_open_moment(PHONE, dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC))  # 17:00 local Friday
    assert utc == local(2026, 12, 7, 8, 0)
    assert next_open_moment(Channel.EMAIL, open_now) is None


def test_break_closes_the_channel():
    WorkingHours.objects.filter(channel=PHONE).update(break_starts_at=T(12), break_ends_at=T(13))
    assert not is_open(PHONE, local(2026, 12, 3, 12, 30))
    assert next_open_moment(PHONE, local(2026, 12, 3, 12, 30)) == local(2026, 12, 3, 13, 0)
    assert channel_state(PHONE, local(2026, 12, 3, 11, 0)) == "открыто до 12:00"
    assert channel_state(PHONE, local(2026, 12, 3, 12, 30)) == "закрыто: перерыв, откроется сегодня в 13:00"
    assert channel_state(PHONE, local(2026, 12, 3, 13, 30)) == "открыто до 17:00"


@pytest.mark.parametrize(("moment", "state"), [
    (local(2026, 12, 3, 10, 0), "открыто до 17:00"),
    (local(2026, 12, 4, 10, 0), "открыто до 16:00"),
    (local(2026, 11, 3, 15, 0), "открыто до 16:00"),
    (local(2026, 12, 3, 7, 0), "закрыто, откроется сегодня в 08:00"),
    (local(2026, 12, 3, 17, 30), "закрыто, откроется завтра в 08:00"),
    (local(2026, 12, 4, 16, 30), "закрыто, откроется 07.12 в 08:00"),
    (local(2026, 12, 5, 10, 0), "закрыто: выходной день, откроется 07.12 в 08:00"),
    (local(2026, 12, 6, 10, 0), "закрыто: выходной день, откроется завтра в 08:00"),
    (local(2026, 1, 5, 10, 0), "закрыто: праздничный день (Новогодние каникулы), откроется 12.01 в 08:00"),
    (local(2026, 1, 9, 10, 0), "закрыто: выходной день, перенесённый с 03.01.2026, откроется 12.01 в 08:00"),
    (local(2026, 1, 11, 10, 0), "закрыто: выходной день, откроется завтра в 08:00"),
    (local(2026, 12, 31, 10, 0),
     "закрыто: выходной день, перенесённый с 04.01.2026, откроется 11.01 в 08:00"),
])
def test_channel_state(moment, state):
    assert channel_state(PHONE, moment) == state


def test_channel_without_hours():
    assert channel_state(Channel.EMAIL, local(2026, 12, 3, 10, 0)) == "закрыто: выходной день"


def test_opening_hours_take_few_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        next_open_moment(PHONE, local(2025, 12, 30, 17, 0))
    with django_assert_max_num_queries(4):
        channel_state(PHONE, local(2026, 1, 5, 10, 0))

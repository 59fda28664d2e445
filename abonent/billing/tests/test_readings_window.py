"""The submission window: boundaries, month lengths, the previous-month group, time zone, defaults."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from abonent.billing.models import ReadingGroup
from abonent.billing.readings import ReadingError, submit_reading, window_for
from abonent.billing.tests.test_readings_support import apartment_group, make_meter, previous_month_group
from abonent.calendar.services import is_working_day

pytestmark = pytest.mark.django_db
D = dt.date


def window(group, today):
    return window_for(make_meter(group=group), today)


@pytest.mark.parametrize(("today", "is_open", "first", "last", "period"), [
    (D(2026, 11, 22), False, D(2026, 11, 23), D(2026, 11, 26), D(2026, 11, 1)),
    (D(2026, 11, 23), True, D(2026, 11, 23), D(2026, 11, 26), D(2026, 11, 1)),
    (D(2026, 11, 26), True, D(2026, 11, 23), D(2026, 11, 26), D(2026, 11, 1)),
    (D(2026, 11, 27), False, D(2026, 12, 23), D(2026, 12, 26), D(2026, 12, 1)),
    (D(2026, 12, 31), False, D(2027, 1, 23), D(2027, 1, 26), D(2027, 1, 1)),
    (D(2026, 11, 1), False, D(2026, 11, 23), D(2026, 11, 26), D(2026, 11, 1)),
])
def test_apartment_window_boundaries(today, is_open, first, last, period):
    w = window(apartment_group(), today)
    assert (w.is_open, w.first, w.last, w.period) == (is_open, first, last, period)


@pytest.mark.parametrize(("today", "is_open", "first", "last", "period"), [
    (D(2026, 12, 1), True, D(2026, 12, 1), D(2026, 12, 2), D(2026, 11, 1)),
    (D(2026, 12, 2), True, D(2026, 12, 1), D(2026, 12, 2), D(2026, 11, 1)),
    (D(2026, 12, 3), False, D(2027, 1, 1), D(2027, 1, 2), D(2026, 12, 1)),
    (D(2026, 12, 31), False, D(2027, 1, 1), D(2027, 1, 2), D(2026, 12, 1)),
    (D(2027, 1, 1), True, D(2027, 1, 1), D(2027, 1, 2), D(2026, 12, 1)),
    (D(2026, 3, 1), True, D(2026, 3, 1), D(2026, 3, 2), D(2026, 2, 1)),
])
def test_previous_month_window_accepts_the_month_just_ended(today, is_open, first, last, period):
    w = window(previous_month_group(), today)
    assert (w.is_open, w.first, w.last, w.period) == (is_open, first, last, period)


def month_end_group(first_day=29, last_day=31):
    return ReadingGroup.objects.create(name=f"Конец месяца {first_day}-{last_day}", first_day=first_day,
                                       last_day=last_day)


@pytest.mark.parametrize(("today", "is_open", "first", "last"), [
    (D(2026, 2, 27), False, D(2026, 2, 28), D(2026, 2, 28)),  # 28 days: 29–31 clamps to the 28th
    (D(2026, 2, 28), True, D(2026, 2, 28), D(2026, 2, 28)),
    (D(2028, 2, 29), True, D(2028, 2, 29), D(2028, 2, 29)),  # leap year
    (D(2028, 2, 28), False, D(2028, 2, 29), D(2028, 2, 29)),
    (D(2026, 4, 29), True, D(2026, 4, 29), D(2026, 4, 30)),  # 30 days
    (D(2026, 4, 30), True, D(2026, 4, 29), D(2026, 4, 30)),
    (D(2026, 5, 31), True, D(2026, 5, 29), D(2026, 5, 31)),  # 31 days
    (D(2026, 3, 1), False, D(2026, 3, 29), D(2026, 3, 31)),
])
def test_window_days_past_the_month_end_clamp_to_its_length(today, is_open, first, last):
    w = window(month_end_group(), today)
    assert (w.is_open, w.first, w.last) == (is_open, first, last)


def test_a_window_on_a_holiday_stays_where_it_is():
    # 01.01.2027 is a public holiday; the 1st–2nd window does not move to the next working day.
    assert not is_working_day(D(2027, 1, 1))
    w = window(previous_month_group(), D(2027, 1, 1))
    assert w.is_open and (w.first, w.last) == (D(2027, 1, 1), D(2027, 1, 2))


def test_meter_without_a_group_uses_the_default_group():
    ReadingGroup.objects.update(is_default=False)
    default = ReadingGroup.objects.create(name="Тест: по умолчанию", first_day=1, last_day=2,
                                          for_previous_month=True, is_default=True)
    w = window(None, D(2026, 12, 2))
    assert w.group == default and w.is_open and w.period == D(2026, 11, 1)


def test_no_group_and_no_default_means_no_window_and_a_refusal():
    ReadingGroup.objects.update(is_default=False)
    meter = make_meter(group=None)
    assert window_for(meter, D(2026, 11, 23)) is None
    with pytest.raises(ReadingError, match="не установлены сроки приёма"):
        submit_reading(meter=meter, value="10", user=None, today=D(2026, 11, 23))


def test_refusal_outside_the_window_names_its_dates():
    meter = make_meter(group=apartment_group())
    with pytest.raises(ReadingError) as refused:
        submit_reading(meter=meter, value="100", user=None, today=D(2026, 11, 27))
    assert str(refused.value) == (
        "Показания по этому прибору принимаются с 23 по 26 число; следующий приём: 23.12.2026–26.12.2026.")
    assert meter.readings.count() == 0


def test_refusal_for_the_previous_month_group_names_the_month():
    meter = make_meter(group=previous_month_group())
    with pytest.raises(ReadingError) as refused:
        submit_reading(meter=meter, value="100", user=None, today=D(2026, 12, 3))
    assert str(refused.value) == (
        "Показания по этому прибору принимаются с 1 по 2 число следующего месяца за прошедший месяц; "
        "следующий приём: 01.01.2027–02.01.2027 (за декабрь 2026).")


BARNAUL = ZoneInfo("Asia/Barnaul")


@time_machine.travel(dt.datetime(2026, 11, 22, 17, 30, tzinfo=dt.UTC), tick=False)
def test_today_is_the_organisations_local_date():
    # 17:30 UTC on the 22nd is 00:30 on the 23rd in Barnaul: the window is already open.
    meter = make_meter(group=apartment_group())
    assert window_for(meter).is_open
    reading = submit_reading(meter=meter, value="100", user=None).reading
    assert reading.taken_on == D(2026, 11, 23) and reading.period == D(2026, 11, 1)


@time_machine.travel(dt.datetime(2026, 11, 26, 17, 30, tzinfo=dt.UTC), tick=False)
def test_the_window_closes_at_local_midnight():
    # 17:30 UTC on the 26th is 00:30 on the 27th in Barnaul.
    meter = make_meter(group=apartment_group())
    with pytest.raises(ReadingError, match="следующий приём: 23.12.2026"):
        submit_reading(meter=meter, value="100", user=None)


def test_refusal_for_a_month_end_group_explains_short_months():
    meter = make_meter(group=month_end_group())
    with pytest.raises(ReadingError) as refused:
        submit_reading(meter=meter, value="100", user=None, today=D(2026, 2, 10))
    assert str(refused.value) == (
        "Показания по этому прибору принимаются с 29 по 31 число (в коротких месяцах — по последний день месяца); "
        "следующий приём: 28.02.2026.")

import datetime as dt
from decimal import Decimal

import pytest

from abonent.billing.schedule import due_dates, upcoming_due_dates
from abonent.customers.models import Customer

pytestmark = pytest.mark.django_db

LEGAL = Customer.Kind.LEGAL_ENTITY


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        # The table computed from the production calendar in the domain notes (2026).
        (dt.date(2026, 1, 1), ["12.01.2026", "26.01.2026", "18.02.2026"]),
        (dt.date(2026, 3, 1), ["10.03.2026", "25.03.2026", "20.04.2026"]),
        (dt.date(2026, 4, 1), ["10.04.2026", "27.04.2026", "18.05.2026"]),
        (dt.date(2026, 5, 1), ["12.05.2026", "25.05.2026", "18.06.2026"]),
        (dt.date(2026, 6, 1), ["10.06.2026", "25.06.2026", "20.07.2026"]),
        (dt.date(2026, 9, 1), ["10.09.2026", "25.09.2026", "19.10.2026"]),
        (dt.date(2026, 10, 1), ["12.10.2026", "26.10.2026", "18.11.2026"]),
        (dt.date(2026, 12, 15), ["10.12.2026", "25.12.2026", "18.01.2027"]),
    ],
)
def test_business_schedule_moves_past_non_working_days(month, expected):
    dates = due_dates(LEGAL, month)
    assert [d.due.strftime("%d.%m.%Y") for d in dates] == expected
    assert [d.share for d in dates] == [Decimal("0.30"), Decimal("0.40"), None]
    assert all(d.period == month.replace(day=1) for d in dates)


@pytest.mark.parametrize("kind", [Customer.Kind.HOUSING_ASSOCIATION, Customer.Kind.MANAGING_COMPANY])
def test_housing_customers_pay_once_by_the_15th_of_the_next_month(kind):
    # 15.02.2026 is a Sunday; 15.12.2026 a Tuesday; 15.01.2027 a Friday but 15.01.2027 is a working day.
    assert [d.due for d in due_dates(kind, dt.date(2026, 1, 20))] == [dt.date(2026, 2, 16)]
    assert [d.due for d in due_dates(kind, dt.date(2026, 11, 1))] == [dt.date(2026, 12, 15)]
    (only,) = due_dates(kind, dt.date(2026, 11, 1))
    assert only.nominal == dt.date(2026, 12, 15) and only.share is None


def test_upcoming_dates_include_the_previous_months_balance_until_it_is_due():
    upcoming = upcoming_due_dates(LEGAL, dt.date(2026, 11, 5))
    assert [(d.period, d.due) for d in upcoming] == [
        (dt.date(2026, 11, 1), dt.date(2026, 11, 10)),
        (dt.date(2026, 10, 1), dt.date(2026, 11, 18)),
        (dt.date(2026, 11, 1), dt.date(2026, 11, 25)),
        (dt.date(2026, 11, 1), dt.date(2026, 12, 18)),
    ]
    assert upcoming_due_dates(LEGAL, dt.date(2026, 11, 19))[0].due == dt.date(2026, 11, 25)


# --- A decree is data: a day added to (or taken out of) the production calendar moves the dates --------------


def decree(day: dt.date, kind: str) -> None:
    from abonent.calendar.models import CalendarDay

    CalendarDay.objects.update_or_create(date=day, defaults={"kind": kind, "name": "по постановлению",
                                                             "is_manual": True})


def test_business_dates_move_past_a_chain_of_holidays_added_to_the_calendar():
    from abonent.calendar.models import CalendarDay

    # 10.06.2026 is a Wednesday; a decree makes 10 and 11 June days off: with 12 June (Russia Day) and the
    # weekend after it the 30 % is due on Monday 15.06. The 40 % (Thursday 25.06) moves to Friday 26.06.
    decree(dt.date(2026, 6, 10), CalendarDay.Kind.TRANSFERRED_DAY_OFF)
    decree(dt.date(2026, 6, 11), CalendarDay.Kind.TRANSFERRED_DAY_OFF)
    decree(dt.date(2026, 6, 25), CalendarDay.Kind.HOLIDAY)

    dates = due_dates(LEGAL, dt.date(2026, 6, 1))

    assert [(d.nominal, d.due) for d in dates] == [
        (dt.date(2026, 6, 10), dt.date(2026, 6, 15)),
        (dt.date(2026, 6, 25), dt.date(2026, 6, 26)),
        (dt.date(2026, 7, 18), dt.date(2026, 7, 20)),  # a Saturday: to Monday
    ]


@pytest.mark.parametrize("kind", [Customer.Kind.HOUSING_ASSOCIATION, Customer.Kind.MANAGING_COMPANY])
def test_housing_due_date_moves_past_a_holiday_and_stays_on_a_working_saturday(kind):
    from abonent.calendar.models import CalendarDay

    # For July 2026: 15.08.2026 is a Saturday → Monday 17.08; a holiday on Monday 17.08 → Tuesday 18.08.
    assert [d.due for d in due_dates(kind, dt.date(2026, 7, 1))] == [dt.date(2026, 8, 17)]
    decree(dt.date(2026, 8, 17), CalendarDay.Kind.HOLIDAY)
    assert [d.due for d in due_dates(kind, dt.date(2026, 7, 1))] == [dt.date(2026, 8, 18)]
    # A Saturday made a working day keeps the date where the rule puts it.
    decree(dt.date(2026, 8, 15), CalendarDay.Kind.WORKING_WEEKEND)
    assert [d.due for d in due_dates(kind, dt.date(2026, 7, 1))] == [dt.date(2026, 8, 15)]


def test_housing_customers_pay_once_after_the_new_year_holidays():
    # For December 2025: 15.01.2026 is a Thursday after the holidays (1–11 January): no move, no advances.
    (only,) = due_dates(Customer.Kind.HOUSING_ASSOCIATION, dt.date(2025, 12, 1))
    assert (only.period, only.nominal, only.due, only.share) == (
        dt.date(2025, 12, 1), dt.date(2026, 1, 15), dt.date(2026, 1, 15), None)
    # The business customers' 30 % for January 2026 falls inside them: 10.01 (Saturday) → Monday 12.01.
    assert due_dates(LEGAL, dt.date(2026, 1, 1))[0].due == dt.date(2026, 1, 12)

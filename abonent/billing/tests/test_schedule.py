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

"""The payment schedule of business customers (Decree 442, items 81–82): 30 % of the month's payable
volume by the 10th, 40 % by the 25th, the balance of the actual cost by the 18th of the next month; housing
associations and managing companies buying for residents pay once, by the 15th of the next month. A due
date on a non-working day moves to the next working day (Civil Code art. 193)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from abonent.calendar.services import add_calendar_days
from abonent.customers.models import Customer

RESIDENTIAL_KINDS = frozenset({Customer.Kind.HOUSING_ASSOCIATION, Customer.Kind.MANAGING_COMPANY})


@dataclass(frozen=True)
class DueDate:
    """One instalment of the schedule for billing month `period`."""

    period: dt.date  # first day of the billing month
    nominal: dt.date  # the date the rule names
    due: dt.date  # the nominal date moved past non-working days
    share: Decimal | None  # 0.30 / 0.40 of the payable volume, None for "the rest of the actual cost"
    label: str


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def due_dates(customer_kind: str, period: dt.date) -> list[DueDate]:
    """The instalments for billing month `period` (any day of it), in date order."""
    month = _month_start(period)
    following = _next_month(month)

    def make(nominal: dt.date, share: Decimal | None, label: str) -> DueDate:
        return DueDate(period=month, nominal=nominal, due=add_calendar_days(nominal, 0), share=share, label=label)

    if customer_kind in RESIDENTIAL_KINDS:
        return [make(following.replace(day=15), None, "оплата за месяц")]
    return [
        make(month.replace(day=10), Decimal("0.30"), "30 % стоимости объёма, подлежащего оплате"),
        make(month.replace(day=25), Decimal("0.40"), "40 % стоимости объёма, подлежащего оплате"),
        make(following.replace(day=18), None, "окончательный расчёт за фактическое потребление"),
    ]


def upcoming_due_dates(customer_kind: str, today: dt.date) -> list[DueDate]:
    """Due dates on or after `today` of the previous and the current billing month (the balance of the
    previous month is still open until the 18th), in date order."""
    previous = _month_start(_month_start(today) - dt.timedelta(days=1))
    dates = due_dates(customer_kind, previous) + due_dates(customer_kind, today)
    return sorted((d for d in dates if d.due >= today), key=lambda d: d.due)

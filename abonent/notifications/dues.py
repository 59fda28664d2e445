"""How much of each instalment of the payment schedule is still unpaid, from the imported charges and
payments (the portal never invents money: with no charge for a month, no amount is claimed for it).

The instalments are those of billing.schedule (Decree 442 items 81–82): for a business customer 30 % and
40 % of the month's payable volume (`Charge.planned_amount`, or last month's actual cost when the billing
system gave none) by the 10th and the 25th, and the rest of the actual cost by the 18th of the next month;
for housing associations and managing companies the month's cost by the 15th of the next month. Payments
received since the window opened are applied to the instalments oldest first (Civil Code art. 319.1 for an
obligation paid without naming it). Instalments due before the window (two months back) count as settled:
the debt rule, fed by the billing system's own balance, covers older debt."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from abonent.billing.schedule import RESIDENTIAL_KINDS, DueDate, due_dates
from abonent.calendar.services import is_working_day

KOPECK = Decimal("0.01")
ZERO = Decimal(0)
WINDOW_MONTHS = 2


@dataclass(frozen=True)
class MonthCharges:
    actual: Decimal | None  # the month's charged cost, once the billing system has charged it
    planned: Decimal | None  # the payable volume's cost (base of the advances), if given


@dataclass(frozen=True)
class Instalment:
    due: DueDate
    amount: Decimal
    unpaid: Decimal


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def window_start(today: dt.date) -> dt.date:
    return add_months(month_start(today), -WINDOW_MONTHS)


def _round(amount: Decimal) -> Decimal:
    return amount.quantize(KOPECK, rounding=ROUND_HALF_UP)


def _obligations(kind: str, month: dt.date, charges: dict[dt.date, MonthCharges]) -> list[tuple[DueDate, Decimal]]:
    this = charges.get(month, MonthCharges(None, None))
    dates = due_dates(kind, month)
    if kind in RESIDENTIAL_KINDS:
        return [(dates[0], this.actual)] if this.actual is not None else []
    previous = charges.get(add_months(month, -1), MonthCharges(None, None))
    base = this.planned if this.planned is not None else previous.actual
    result: list[tuple[DueDate, Decimal]] = []
    advances = ZERO
    for due in dates:
        if due.share is not None:
            if base is not None:
                amount = _round(base * due.share)
                advances += amount
                result.append((due, amount))
        elif this.actual is not None:
            result.append((due, max(ZERO, this.actual - advances)))
    return result


def instalments(kind: str, *, today: dt.date, charges: dict[dt.date, MonthCharges],
                paid_since_window: Decimal) -> list[Instalment]:
    """The instalments due on or after the window's start, oldest first, with what is left unpaid."""
    start = window_start(today)
    obligations: list[tuple[DueDate, Decimal]] = []
    month = add_months(start, -1)
    while month <= month_start(today):
        obligations += [(d, a) for d, a in _obligations(kind, month, charges) if d.due >= start]
        month = add_months(month, 1)
    obligations.sort(key=lambda item: (item[0].due, item[0].nominal))
    pool = paid_since_window
    result = []
    for due, amount in obligations:
        covered = min(pool, amount)
        pool -= covered
        result.append(Instalment(due=due, amount=amount, unpaid=amount - covered))
    return result


def working_days_before(day: dt.date, days: int) -> dt.date:
    """The working day `days` working days before `day` (3 before Wednesday the 10th is Friday the 5th)."""
    current = day
    counted = 0
    while counted < days:
        current -= dt.timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current


def reminder_day(due: dt.date, days: int, *, working: bool) -> dt.date:
    return working_days_before(due, days) if working else due - dt.timedelta(days=days)

"""The account state shown to the customer: the balance as the billing system computed it, the charges and
payments by month, and the payment schedule of the current month with the amount due for each date.

Nothing here invents money: every amount is the billing system's (a balance, a charge, a payment) or a
share of one; an amount that cannot be computed from the data is `None` and the page says so.

The schedule (Decree 442, items 81-82; dates from `billing.schedule.due_dates`):
- business customers pay 30 % and 40 % of the month's payable volume by the 10th and the 25th, and the
  actual cost minus what was paid for the month by the 18th of the next month. The payable volume's cost
  is the month's `Charge.planned_amount` (the contract volume), or else the previous month's actual cost;
- housing associations and managing companies pay the month's actual cost by the 15th of the next month.

Payments are allocated in date order to the instalments open in their month, earliest due date first:
in month M the 30 % of M, the final payment for M-1, the 40 % of M. What is left over counts as paid for
M and lowers M's final payment; a month overpaid (paid for it more than its actual cost) carries the
excess into the next month, where it is allocated first. The ledger starts two months back (the final
payment of M-2 as "actual cost minus the payments dated in M-2"); earlier months are the Balance's
business, which holds the debt and the overdue amount as of its date. The actual cost of the current
month is never taken as known, even when a charge for it is loaded already: consumption is not over."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import TruncMonth

from abonent.billing.models import Balance, Charge, Payment
from abonent.billing.schedule import RESIDENTIAL_KINDS, DueDate, due_dates
from abonent.core.text import plural
from abonent.customers.models import BillingAccount

ZERO = Decimal("0.00")
KOPECK = Decimal("0.01")

NO_DATA = "данные из биллинга ещё не загружены"


def _kopecks(value: Decimal) -> Decimal:
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


# --- The payment schedule ----------------------------------------------------------------------------


@dataclass
class Instalment:
    """One payment of the schedule: what is due by `due`, how much of it is paid by the payments
    allocated to it, and how its amount was found (shown to the customer)."""

    period: dt.date  # the billing month it pays for
    nominal: dt.date
    due: dt.date
    label: str
    is_final: bool
    amount: Decimal | None  # None: the data to compute it is not loaded yet
    basis: str
    paid: Decimal = ZERO

    @property
    def remaining(self) -> Decimal | None:
        return None if self.amount is None else max(self.amount - self.paid, ZERO)

    def state(self, today: dt.date) -> str:
        """"unknown", "paid", "overdue", "partly" or "due"."""
        if self.amount is None:
            return "unknown"
        if self.remaining == ZERO:
            return "paid"
        if self.due < today:
            return "overdue"
        return "partly" if self.paid > ZERO else "due"

    def state_text(self, today: dt.date) -> str:
        return {
            "unknown": "сумма определится после начисления", "paid": "оплачено", "overdue": "просрочено",
            "partly": "оплачено частично", "due": "к оплате",
        }[self.state(today)]


@dataclass
class MonthSchedule:
    """The schedule of billing month `period` as the customer sees it during that month: every payment
    falling due in it (the previous month's final payment among them) and the month's own final payment."""

    period: dt.date
    customer_kind: str
    instalments: list[Instalment]
    paid_in_month: Decimal  # payments dated in the month
    paid_for_month: Decimal  # the part of them (and of an earlier overpayment) that counts for this month
    carried_in: Decimal  # overpayment of the previous month, credited to this one
    has_data: bool  # any charge or payment in the ledger's months

    @property
    def is_residential(self) -> bool:
        return self.customer_kind in RESIDENTIAL_KINDS

    def next_due(self, today: dt.date) -> Instalment | None:
        """The first instalment due today or later that is not paid in full (or whose amount is not known)."""
        for instalment in sorted(self.instalments, key=lambda i: (i.due, i.nominal)):
            if instalment.due >= today and instalment.state(today) != "paid":
                return instalment
        return None


@dataclass(frozen=True)
class MonthFigures:
    """What the ledger needs of one billing month: the charges and the payments dated in it."""

    actual: Decimal | None = None  # Σ Charge.amount; None without charges
    planned: Decimal | None = None  # Σ Charge.planned_amount where given
    payments: tuple[tuple[dt.date, Decimal], ...] = ()

    @property
    def paid(self) -> Decimal:
        return sum((amount for _, amount in self.payments), ZERO)


def _advance_base(figures: dict[dt.date, MonthFigures], month: dt.date) -> tuple[Decimal | None, str]:
    current = figures.get(month, MonthFigures())
    if current.planned is not None:
        return current.planned, f"стоимости объёма, подлежащего оплате: {_fmt(current.planned)}"
    previous = figures.get(add_months(month, -1), MonthFigures())
    if previous.actual is not None:
        return previous.actual, (f"фактической стоимости за {month_name(add_months(month, -1))}: "
                                 f"{_fmt(previous.actual)}")
    return None, "нет данных для расчёта: стоимость объёма, подлежащего оплате, ещё не загружена"


def _fmt(amount: Decimal) -> str:
    from abonent.core.text import money

    return money(amount)


DueDatesCache = dict[tuple[bool, dt.date], list[DueDate]]


def _due_dates(kind: str, month: dt.date, cache: DueDatesCache) -> list[DueDate]:
    """due_dates() reads the production calendar; every account of one customer group shares the result."""
    key = (kind in RESIDENTIAL_KINDS, month)
    if key not in cache:
        cache[key] = due_dates(kind, month)
    return cache[key]


def _month_instalments(kind: str, month: dt.date, figures: dict[dt.date, MonthFigures],
                       cache: DueDatesCache) -> list[Instalment]:
    """The advance payments of `month` (none for housing customers) and its final payment, amount unset."""
    base, basis = (None, "") if kind in RESIDENTIAL_KINDS else _advance_base(figures, month)
    result = []
    for date in _due_dates(kind, month, cache):
        if date.share is None:
            result.append(Instalment(period=month, nominal=date.nominal, due=date.due, label=date.label,
                                     is_final=True, amount=None, basis=""))
        else:
            amount = None if base is None else _kopecks(base * date.share)
            share = f"{date.share * 100:.0f} %"
            result.append(Instalment(period=month, nominal=date.nominal, due=date.due, label=date.label,
                                     is_final=False, amount=amount,
                                     basis=f"{share} от {basis}" if base is not None else basis))
    return result


def _set_final(final: Instalment, actual: Decimal | None, paid_for: Decimal, residential: bool) -> Decimal:
    """Fills the final payment's amount: the actual cost less what was paid for the month. Returns the
    overpayment, which is credited to the next month."""
    paid_text = f"оплачено за месяц {_fmt(paid_for)}" if not residential else f"оплачено заранее {_fmt(paid_for)}"
    if actual is None:
        final.basis = f"будет известна после начисления за {month_name(final.period)}"
        if paid_for:
            final.basis += f"; {paid_text}"
        return ZERO
    final.amount = max(actual - paid_for, ZERO)
    final.basis = f"{'стоимость' if residential else 'фактическая стоимость'} за {month_name(final.period)} " \
                  f"{_fmt(actual)}"
    if paid_for or not residential:
        final.basis += f" − {paid_text}"
    return max(paid_for - actual, ZERO)


def _allocate(payments: list[Decimal], queue: list[Instalment]) -> Decimal:
    """Allocates the amounts, in order, to the instalments with a known amount, earliest due first;
    returns what is left over."""
    left_over = ZERO
    open_items = sorted((i for i in queue if i.amount is not None), key=lambda i: (i.due, i.nominal))
    for amount in payments:
        for item in open_items:
            share = min(amount, item.remaining)
            item.paid += share
            amount -= share
        left_over += amount
    return left_over


def build_schedule(*, customer_kind: str, month: dt.date, figures: dict[dt.date, MonthFigures],
                   cache: DueDatesCache | None = None) -> MonthSchedule:
    """The schedule of `month` from the figures of `month` and the two months before it (no queries but
    the production calendar's, shared through `cache` between accounts)."""
    cache = {} if cache is None else cache
    month = month_start(month)
    residential = customer_kind in RESIDENTIAL_KINDS
    first, earlier = add_months(month, -1), add_months(month, -2)
    # Where the ledger starts: the final payment of M-2, its actual cost less the payments dated in M-2
    # (housing customers pay after the month, so for them the whole cost is still open).
    previous_final = _month_instalments(customer_kind, earlier, figures, cache)[-1]
    start = figures.get(earlier, MonthFigures())
    carry = _set_final(previous_final, start.actual, ZERO if residential else start.paid, residential)
    for current in (first, month):
        data = figures.get(current, MonthFigures())
        *advances, final = _month_instalments(customer_kind, current, figures, cache)
        carried_in = carry
        left_over = _allocate(([carry] if carry else []) + [amount for _, amount in data.payments],
                              [*advances, previous_final])
        paid_for = sum((a.paid for a in advances), ZERO) + left_over
        # The month being lived through has no actual cost yet, whatever its charges say so far.
        carry = _set_final(final, data.actual if current != month else None, paid_for, residential)
        if current == month:
            return MonthSchedule(
                period=month, customer_kind=customer_kind,
                instalments=sorted([*advances, previous_final, final], key=lambda i: (i.due, i.nominal)),
                paid_in_month=data.paid, paid_for_month=paid_for, carried_in=carried_in,
                has_data=any(f.actual is not None or f.payments for f in figures.values()),
            )
        previous_final = final
    raise AssertionError("unreachable")


def month_name(month: dt.date) -> str:
    """"ноябрь 2026"."""
    names = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
             "ноябрь", "декабрь"]
    return f"{names[month.month - 1]} {month.year}"


def _figures_for(account_ids: list[int], month: dt.date) -> dict[int, dict[dt.date, MonthFigures]]:
    """The charges and payments of the ledger's months for many accounts: two queries."""
    first = add_months(month_start(month), -2)
    end = add_months(month_start(month), 1)
    charges: dict[int, dict[dt.date, dict]] = defaultdict(lambda: defaultdict(dict))
    rows = (Charge.objects.filter(account_id__in=account_ids, period__gte=first, period__lt=end)
            .values("account_id", "period").annotate(actual=Sum("amount"), planned=Sum("planned_amount"))
            .order_by())
    for row in rows:
        charges[row["account_id"]][month_start(row["period"])] = {"actual": row["actual"], "planned": row["planned"]}
    payments: dict[int, dict[dt.date, list]] = defaultdict(lambda: defaultdict(list))
    for account_id, paid_on, amount in (Payment.objects.filter(account_id__in=account_ids, paid_on__gte=first,
                                                               paid_on__lt=end)
                                        .order_by("paid_on", "pk").values_list("account_id", "paid_on", "amount")):
        payments[account_id][month_start(paid_on)].append((paid_on, amount))
    result = {}
    for account_id in account_ids:
        months = set(charges[account_id]) | set(payments[account_id])
        result[account_id] = {
            m: MonthFigures(actual=charges[account_id].get(m, {}).get("actual"),
                            planned=charges[account_id].get(m, {}).get("planned"),
                            payments=tuple(payments[account_id].get(m, ())))
            for m in months
        }
    return result


def schedules_for(accounts: Iterable[BillingAccount], today: dt.date) -> dict[int, MonthSchedule]:
    """The current month's schedule of each account (contract and customer selected by the caller): two
    queries for the billing data however many accounts there are (the production calendar is kept per process
    by calendar.services)."""
    accounts = list(accounts)
    figures = _figures_for([a.pk for a in accounts], today)
    cache: DueDatesCache = {}
    return {a.pk: build_schedule(customer_kind=a.contract.customer.kind, month=today, figures=figures[a.pk],
                                 cache=cache)
            for a in accounts}


def month_schedule(account: BillingAccount, today: dt.date) -> MonthSchedule:
    return schedules_for([account], today)[account.pk]


# --- The balance --------------------------------------------------------------------------------------


def latest_balances(accounts: Iterable[BillingAccount]) -> dict[int, Balance]:
    """The newest balance of each account that has one: one query."""
    ids = [a.pk for a in accounts]
    newest = Balance.objects.filter(account=OuterRef("account")).order_by("-as_of").values("as_of")[:1]
    return {b.account_id: b for b in Balance.objects.filter(account_id__in=ids, as_of=Subquery(newest))}


def latest_balance(account: BillingAccount) -> Balance | None:
    return account.balances.order_by("-as_of").first()


# --- History by month ---------------------------------------------------------------------------------


@dataclass
class MonthRow:
    """One month of the account's history: charged for the month, paid in the month, and the rows."""

    period: dt.date
    charged: Decimal | None
    paid: Decimal | None
    charges: list[Charge] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)

    @property
    def name(self) -> str:
        return month_name(self.period)

    @property
    def rows_text(self) -> str:
        """"1 начисление, 3 оплаты" / "начислений нет, 2 оплаты" (of the rows loaded by fill_details)."""
        def count(n: int, one: str, few: str, many: str) -> str:
            return f"{n} {plural(n, one, few, many)}" if n else f"{many} нет"

        return (f"{count(len(self.charges), 'начисление', 'начисления', 'начислений')}, "
                f"{count(len(self.payments), 'оплата', 'оплаты', 'оплат')}")


def history(account: BillingAccount) -> list[MonthRow]:
    """Month totals, newest first: two aggregate queries, however many years the history holds."""
    charged = dict(Charge.objects.filter(account=account).values("period").annotate(total=Sum("amount"))
                   .order_by().values_list("period", "total"))
    paid = dict(Payment.objects.filter(account=account).annotate(month=TruncMonth("paid_on")).values("month")
                .annotate(total=Sum("amount")).order_by().values_list("month", "total"))
    charged = {month_start(k): v for k, v in charged.items()}
    paid = {month_start(k): v for k, v in paid.items()}
    months = sorted(set(charged) | set(paid), reverse=True)
    return [MonthRow(period=m, charged=charged.get(m), paid=paid.get(m)) for m in months]


def fill_details(account: BillingAccount, rows: list[MonthRow]) -> None:
    """Loads the charges and payments of the given months (a page of the history): two queries."""
    if not rows:
        return
    first, last = min(r.period for r in rows), add_months(max(r.period for r in rows), 1)
    by_month = {r.period: r for r in rows}
    for charge in Charge.objects.filter(account=account, period__gte=first, period__lt=last).order_by("period", "pk"):
        if (row := by_month.get(month_start(charge.period))) is not None:
            row.charges.append(charge)
    for payment in (Payment.objects.filter(account=account, paid_on__gte=first, paid_on__lt=last)
                    .order_by(F("paid_on").asc(), "pk")):
        if (row := by_month.get(month_start(payment.paid_on))) is not None:
            row.payments.append(payment)

"""Demo billing data: about three years of monthly charges, invoices, acts and tax invoices (data only, the
system renders their PDFs), payments (mostly on time by the schedule, some customers in debt), balances,
meters (1–3 per account, the apartment-building ones in their reading group) and monthly readings for the
demo customers of `demo/customers.py`.

Everything is generated as the billing system's export files and goes through the importer, so the demo
exercises the real path; a seeded random per account keeps it deterministic, and a second run with the same
files is a no-op (the same SHA-256)."""

import csv
import datetime as dt
import io
import json
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from abonent.billing.importing import import_file
from abonent.billing.schedule import RESIDENTIAL_KINDS, due_dates
from abonent.customers.models import BillingAccount, Customer

MONTHS = 36
CENT, MILLI = Decimal("0.01"), Decimal("0.001")
MKD_GROUP = "Приборы учёта в многоквартирных домах"
METER_MODELS = [("Меркурий 230 ART-03", 6), ("Нева МТ 314", 6), ("Энергомера ЦЭ6803В", 7), ("Милур 307", 6),
                ("СЭТ-4ТМ.03М", 8)]
# Illustrative prices per kWh without VAT by year (not real tariffs).
PRICES = {2023: Decimal("7.60"), 2024: Decimal("8.20"), 2025: Decimal("8.90"), 2026: Decimal("9.85"),
          2027: Decimal("10.40")}


def _vat_rate(period: dt.date) -> Decimal:
    return Decimal("0.22") if period.year >= 2026 else Decimal("0.20")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _ru(value: Decimal) -> str:
    """Decimals as a Russian export writes them: a comma before the fraction."""
    return str(value).replace(".", ",")


@dataclass
class Files:
    balances: list[dict] = field(default_factory=list)
    charges: list[dict] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    payments: list[dict] = field(default_factory=list)
    meters: list[dict] = field(default_factory=list)
    readings: list[dict] = field(default_factory=list)


class _Schedules:
    """Due dates per (residential?, period), computed once: the calendar lookups are the slow part."""

    def __init__(self):
        self._cache: dict[tuple[bool, dt.date], list] = {}

    def of(self, residential: bool, period: dt.date) -> list:
        key = (residential, period)
        if key not in self._cache:
            kind = Customer.Kind.HOUSING_ASSOCIATION if residential else Customer.Kind.LEGAL_ENTITY
            self._cache[key] = due_dates(kind, period)
        return self._cache[key]


def _meters(account: BillingAccount, rng: random.Random, files: Files, residential: bool) -> list[dict]:
    in_mkd = residential or account.object_name == "Многоквартирный дом"
    capacity = account.contract.max_capacity_kw
    zonal = account.contract.price_category == 2
    meters = []
    for n in range(1 + rng.randint(0, 2) if capacity >= 50 else 1):
        model, digits = rng.choice(METER_MODELS)
        ratio = Decimal(1) if capacity < 150 else Decimal(rng.choice([20, 30, 40, 60, 80]))
        serial = f"{rng.randint(10_000_000, 99_999_999)}"
        for zone in ("день", "ночь") if zonal else ("сутки",):
            meter = {"external_id": f"M-{account.number}-{n + 1}{'' if zone == 'сутки' else '-' + zone[0]}",
                     "account": account.number, "serial_number": serial, "model": model, "zone": zone,
                     "digits": digits, "ratio": str(ratio), "reading_group": MKD_GROUP if in_mkd else "",
                     "location": rng.choice(["ВРУ-0,4 кВ", "ТП-1045, РУ-0,4 кВ", "щит учёта в подвале",
                                             "электрощитовая 1 этажа"]),
                     "is_active": 1}
            files.meters.append(meter)
            meters.append({**meter, "value": Decimal(rng.randint(0, 10 ** (digits - 1)))})
    weights = [Decimal(rng.randint(1, 4)) for _ in meters]
    total = sum(weights)
    for meter, weight in zip(meters, weights, strict=True):
        meter["weight"] = weight / total
    return meters


def _account(account: BillingAccount, periods: list[dt.date], today: dt.date, files: Files,
             schedules: _Schedules) -> None:
    rng = random.Random(f"billing-{account.number}")
    customer = account.contract.customer
    residential = customer.kind in RESIDENTIAL_KINDS
    meters = _meters(account, rng, files, residential)
    load = Decimal(rng.randint(8, 35)) / 100
    base_kwh = account.contract.max_capacity_kw * 24 * 30 * load
    debtor = rng.random() < 0.15  # stops paying in full a few months before today
    debt_from = len(periods) - rng.randint(2, 5)
    ledger: list[tuple[dt.date, Decimal, str]] = []  # (date, +charge / −payment, what)
    previous_amount: Decimal | None = None
    seq = int(account.number[-6:])
    for index, period in enumerate(periods):
        season = Decimal("1.25" if period.month in (12, 1, 2) else "0.8" if period.month in (6, 7, 8) else "1")
        volume = Decimal(0)
        month_end = _next_month(period) - dt.timedelta(days=1)
        for meter in meters:
            kwh = (base_kwh * season * meter["weight"] * Decimal(rng.uniform(0.85, 1.15))).quantize(Decimal(1))
            ratio = Decimal(meter["ratio"])
            step = (kwh / ratio).quantize(MILLI)
            consumption = (step * ratio).quantize(MILLI)
            meter["value"] = (meter["value"] + step) % (Decimal(10) ** meter["digits"])
            volume += consumption
            taken = period.replace(day=25) if meter["reading_group"] else _next_month(period)
            if taken <= today:
                files.readings.append({"external_id": f"R-{meter['external_id']}-{period:%Y%m}",
                                       "meter": meter["external_id"], "period": f"{period:%m.%Y}",
                                       "taken_on": f"{taken:%d.%m.%Y}", "value": _ru(meter["value"]),
                                       "consumption": _ru(consumption)})
        price = PRICES.get(period.year, PRICES[2027]) * (1 + Decimal(account.contract.price_category - 1) / 50)
        rate = _vat_rate(period)
        net = _money(volume * price)
        vat = _money(net * rate)
        amount = net + vat
        planned = previous_amount if previous_amount is not None else amount
        charge_id = f"CH-{account.number}-{period:%Y%m}"
        files.charges.append({"external_id": charge_id, "account": account.number, "period": f"{period:%m.%Y}",
                              "service": "Электрическая энергия (мощность)", "volume_kwh": _ru(volume),
                              "amount": _ru(amount), "vat": _ru(vat), "planned_amount": _ru(planned)})
        ledger.append((month_end, amount, "charge"))
        previous_amount = amount
        dates = schedules.of(residential, period)
        _documents(account, period, month_end, dates[-1].due, volume, price, net, vat, amount, rate, seq, files)
        _payments(account, rng, period, dates, planned, amount, debtor and index >= debt_from, today, files, ledger)
    # The current month: only its advance instalments (30 % and 40 % of the planned cost) can be due yet.
    current = _next_month(periods[-1])
    dates = [d for d in schedules.of(residential, current) if d.share is not None]
    _payments(account, rng, current, dates, previous_amount, None, debtor, today, files, ledger)
    _balances(account, periods, today, ledger, schedules, residential, files)


def _payments(account, rng, period, dates, planned, amount, in_debt, today, files, ledger) -> None:
    """Each instalment a few days before its date (now and then a little late); a debtor skips or shortens
    them. `amount` is the month's actual cost, None while the month is not billed yet."""
    for due in dates:
        if due.share is None:
            share = amount - sum(_money(planned * d.share) for d in dates if d.share)
        else:
            share = _money(planned * due.share)
        if in_debt:
            share = _money(share * Decimal(rng.choice([0, 0, "0.5"])))
        if share <= 0:
            continue
        paid_on = due.due - dt.timedelta(days=rng.choice([0, 0, 1, 2, 3, 5]))
        if rng.random() < 0.05:
            paid_on = due.due + dt.timedelta(days=rng.randint(2, 12))
        if paid_on > today:
            continue
        files.payments.append({
            "external_id": f"P-{account.number}-{period:%Y%m}-{due.nominal:%d%m}", "account": account.number,
            "paid_on": f"{paid_on:%d.%m.%Y}", "amount": _ru(share), "source": "bank",
            "document_number": f"{rng.randint(100, 9999)}",
            "purpose": f"Оплата за электроэнергию за {period:%m.%Y} по договору № {account.contract.number}, "
                       f"л/с {account.number}, в т. ч. НДС",
        })
        ledger.append((paid_on, -share, "payment"))


def _documents(account, period, month_end, due_on, volume, price, net, vat, amount, rate, seq, files) -> None:
    line = {"name": "Электрическая энергия (мощность)", "unit": "кВт·ч", "okei": "245", "quantity": str(volume),
            "price": str(price.quantize(Decimal("0.00001"))), "amount": str(net),
            "vat_rate": f"{int(rate * 100)} %", "vat": str(vat), "total": str(amount)}
    for kind, prefix, due in (("invoice", "СЧ", due_on), ("act", "АК", None), ("tax_invoice", "СФ", None)):
        files.documents.append({
            "external_id": f"{kind.upper()}-{account.number}-{period:%Y%m}", "account": account.number,
            "kind": kind, "number": f"{prefix}-{period:%y%m}/{seq}", "issued_on": f"{month_end:%Y-%m-%d}",
            "period": f"{period:%Y-%m}", "amount": str(amount), "vat": str(vat),
            **({"due_on": f"{due:%Y-%m-%d}"} if due else {}), "lines": [line],
        })


def _balances(account, periods, today, ledger, schedules, residential, files) -> None:
    """The balance on the first of each month and today: charges minus payments before the date; overdue is
    what was charged for months whose final date has passed and is not paid."""
    dates = [_next_month(p) for p in periods if _next_month(p) <= today]
    if today not in dates:
        dates.append(today)
    finals = {p: schedules.of(residential, p)[-1].due for p in periods}
    charges = {dt.date(d.year, d.month, 1): amount for d, amount, what in ledger if what == "charge"}
    for as_of in dates:
        balance = sum((amount for d, amount, _ in ledger if d < as_of), Decimal(0))
        paid = -sum((amount for d, amount, what in ledger if what == "payment" and d < as_of), Decimal(0))
        due = sum((charges[p] for p in periods if finals[p] < as_of and p in charges), Decimal(0))
        overdue = min(max(due - paid, Decimal(0)), max(balance, Decimal(0)))
        files.balances.append({"account": account.number, "as_of": f"{as_of:%d.%m.%Y}", "amount": _ru(balance),
                               "overdue": _ru(overdue)})


def build_files(today: dt.date | None = None) -> Files:
    today = today or timezone.localdate()
    last = _previous_month(today)
    periods = [last]
    while len(periods) < MONTHS:
        periods.insert(0, _previous_month(periods[0]))
    files, schedules = Files(), _Schedules()
    for account in BillingAccount.objects.select_related("contract__customer").order_by("number"):
        _account(account, periods, today, files, schedules)
    return files


def to_csv(kind: str, rows: list[dict]) -> bytes:
    out = io.StringIO(newline="")
    out.write(f"#format_version=1;kind={kind}\r\n")
    columns = list(dict.fromkeys(name for row in rows for name in row))
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return "\ufeff".encode() + out.getvalue().encode()


def to_json(kind: str, rows: list[dict]) -> bytes:
    return json.dumps({"format_version": 1, "kind": kind, "rows": rows}, ensure_ascii=False, indent=1).encode()


# The order matters: readings name meters; the kinds alternate CSV and JSON as the billing system may.
PLAN = [("meters", to_json), ("readings", to_csv), ("charges", to_csv), ("documents", to_json),
        ("payments", to_csv), ("balances", to_csv)]


def seed(today: dt.date | None = None) -> dict[str, int]:
    """Generate and import the demo billing files; returns the rows per kind. A re-run with the same date is
    a no-op; on a later date only what changed is written."""
    files = build_files(today)
    counts = {}
    for kind, writer in PLAN:
        rows = getattr(files, kind)
        if not rows:
            continue
        suffix = "json" if writer is to_json else "csv"
        result = import_file(content=writer(kind, rows), file_name=f"demo-{kind}.{suffix}")
        if not result.is_ok:
            raise RuntimeError(f"Демо-данные биллинга не загружены: {result.summary} "
                               + "; ".join(e.text() for e in result.errors[:5]))
        counts[kind] = result.rows_total
    return counts

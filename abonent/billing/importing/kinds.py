"""What each kind of import file holds, format version 1: its columns (JSON keys), how each is parsed, the
model it fills, the natural key it is matched by, and the checks across the columns of one row.

These lists are the reference that docs/billing-import.md describes; a test keeps the two in step."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

from abonent.billing.importing import fields as f
from abonent.billing.models import (
    IMPORT_KIND_LABELS,
    Balance,
    Charge,
    FinancialDocument,
    Meter,
    MeterReading,
    Payment,
    ReadingGroup,
)
from abonent.customers.models import BillingAccount

MONEY = f.decimal(max_digits=14, places=2)
MONEY_NON_NEGATIVE = f.decimal(max_digits=14, places=2, minimum=Decimal(0))
KWH = f.decimal(max_digits=14, places=3)
EXTERNAL_ID = f.code(max_length=64)


@dataclass(frozen=True)
class Column:
    name: str  # in the CSV header and as the JSON key
    parse: f.Parser
    label: str  # Russian, for the documentation and the screens
    required: bool = True
    default: Any = None
    field: str | None = ""  # the model field; "" = same as name; None = not stored as such


@dataclass(frozen=True)
class Reference:
    """A column naming another row by its key in the billing system (`account` is the account number) and
    the model field it fills (`account_id`). `extra` are fields of the referenced row the checks need."""

    column: str
    field: str
    model: type[models.Model]
    lookup: str
    missing: str  # Russian message with {value}
    extra: tuple[str, ...] = ()
    when_blank: dict[str, Any] | None = None  # the row a blank value means (a filter), None: no reference


# A check across the columns of one parsed row, given the extra fields of its references:
# returns (column, message) pairs.
RowCheck = Callable[[dict[str, Any], dict[str, dict[str, Any]]], list[tuple[str, str]]]


@dataclass(frozen=True)
class Kind:
    code: str
    label: str  # Russian: «сальдо», «начисления»
    model: type[models.Model]
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # model fields
    references: tuple[Reference, ...] = ()
    constants: dict[str, Any] = field(default_factory=dict)
    check: RowCheck | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def stored_fields(self) -> list[str]:
        """The model fields an import writes and compares (the key among them)."""
        names = [c.field or c.name for c in self.columns if c.field is not None]
        names += [r.field for r in self.references]
        return list(dict.fromkeys(names))


ACCOUNT = Reference("account", "account_id", BillingAccount, "number", "лицевой счёт {value} не найден.")


def _account_column() -> Column:
    return Column("account", f.code(max_length=30), "номер лицевого счёта", field=None)


def _external_id(what: str) -> Column:
    return Column("external_id", EXTERNAL_ID, f"код {what} в биллинге (уникальный, не меняется)")


def _vat_within_amount(row: dict) -> list[tuple[str, str]]:
    if abs(row["vat"]) > abs(row["amount"]):
        return [("vat", "НДС не может быть больше суммы с НДС.")]
    return []


# --- balances ---


def _check_balance(row: dict, _refs: dict) -> list[tuple[str, str]]:
    if row["overdue"] > max(row["amount"], Decimal(0)):
        return [("overdue", "просроченная задолженность не может быть больше долга по сальдо.")]
    return []


BALANCES = Kind(
    code="balances", label="сальдо", model=Balance,
    columns=(
        _account_column(),
        Column("as_of", f.parse_date, "дата, на которую рассчитано сальдо"),
        Column("amount", MONEY, "сальдо, ₽: долг — положительное число, аванс (переплата) — отрицательное"),
        Column("overdue", MONEY_NON_NEGATIVE, "в том числе просроченная задолженность, ₽ (по умолчанию 0)",
               required=False, default=Decimal("0.00")),
    ),
    key=("account_id", "as_of"), references=(ACCOUNT,), check=_check_balance,
)

# --- charges ---

CHARGES = Kind(
    code="charges", label="начисления", model=Charge,
    columns=(
        _external_id("начисления"),
        _account_column(),
        Column("period", f.parse_period, "расчётный период (месяц)"),
        Column("service", f.text(max_length=200), "услуга (по умолчанию «Электрическая энергия»)",
               required=False, default="Электрическая энергия"),
        Column("volume_kwh", KWH, "объём, кВт·ч", required=False, field="volume_kwh"),
        Column("amount", MONEY, "сумма с НДС, ₽ (перерасчёт в уменьшение — отрицательная)"),
        Column("vat", MONEY, "в том числе НДС, ₽ (по умолчанию 0)", required=False, default=Decimal("0.00")),
        Column("planned_amount", MONEY_NON_NEGATIVE,
               "стоимость объёма, подлежащего оплате в месяце, ₽: база платежей 30 % и 40 % графика",
               required=False),
    ),
    key=("external_id",), references=(ACCOUNT,), check=lambda row, _refs: _vat_within_amount(row),
)

# --- financial documents ---

DOCUMENT_KINDS = {
    "invoice": FinancialDocument.Kind.INVOICE, "счёт": FinancialDocument.Kind.INVOICE,
    "счёт на оплату": FinancialDocument.Kind.INVOICE,
    "act": FinancialDocument.Kind.ACT, "акт": FinancialDocument.Kind.ACT,
    "tax_invoice": FinancialDocument.Kind.TAX_INVOICE, "счёт-фактура": FinancialDocument.Kind.TAX_INVOICE,
}


@dataclass(frozen=True)
class LineColumn:
    name: str  # the key in a JSON line; the CSV column is "line_" + name
    parse: f.Parser
    label: str
    required: bool = False
    default: Any = None


LINE_COLUMNS = (
    LineColumn("name", f.text(max_length=300), "наименование (товар, работа, услуга)", required=True),
    LineColumn("unit", f.text(max_length=20), "единица измерения (по умолчанию «кВт·ч»)", default="кВт·ч"),
    LineColumn("okei", f.code(max_length=4), "код единицы по ОКЕИ (по умолчанию 245 — кВт·ч)", default="245"),
    LineColumn("quantity", f.decimal(max_digits=16, places=3), "количество"),
    LineColumn("price", f.decimal(max_digits=16, places=5), "цена за единицу без НДС, ₽"),
    LineColumn("amount", MONEY, "стоимость без НДС, ₽", required=True),
    LineColumn("vat_rate", f.text(max_length=10), "ставка НДС («22 %», «20 %», «без НДС»)", default="22 %"),
    LineColumn("vat", MONEY, "сумма НДС, ₽", default=Decimal("0.00")),
    LineColumn("total", MONEY, "стоимость с НДС, ₽", required=True),
)
LINE_CSV_COLUMNS = ("line_no", *(f"line_{c.name}" for c in LINE_COLUMNS))


def _check_document(row: dict, _refs: dict) -> list[tuple[str, str]]:
    problems = _vat_within_amount(row)
    if row["due_on"] is not None and row["due_on"] < row["issued_on"]:
        problems.append(("due_on", "срок оплаты раньше даты документа."))
    lines = row["lines"]
    if lines:
        total = sum((Decimal(line["total"]) for line in lines), Decimal(0))
        if total != row["amount"]:
            problems.append(("amount", f"сумма документа {row['amount']} не равна сумме его строк {total}."))
    return problems


DOCUMENTS = Kind(
    code="documents", label="финансовые документы", model=FinancialDocument,
    columns=(
        _external_id("документа"),
        _account_column(),
        Column("kind", f.choice(DOCUMENT_KINDS, "вид документа"),
               "вид: invoice — счёт на оплату, act — акт приёма-передачи, tax_invoice — счёт-фактура"),
        Column("number", f.text(max_length=64), "номер документа"),
        Column("issued_on", f.parse_date, "дата документа"),
        Column("period", f.parse_period, "расчётный период (месяц)"),
        Column("amount", MONEY, "сумма с НДС, ₽"),
        Column("vat", MONEY, "в том числе НДС, ₽ (по умолчанию 0)", required=False, default=Decimal("0.00")),
        Column("due_on", f.parse_date, "оплатить до (для счёта)", required=False),
        Column("pdf", f.text(max_length=255), "путь к PDF внутри ZIP-пакета; пусто — документ формируется по данным",
               required=False, default="", field=None),
        Column("lines", lambda raw: raw, "строки документа (см. ниже)", required=False, default=(), field="lines"),
    ),
    key=("external_id",), references=(ACCOUNT,), check=_check_document,
)

# --- payments ---

PAYMENT_SOURCES = {
    "bank": Payment.Source.BANK, "платёжное поручение": Payment.Source.BANK, "банк": Payment.Source.BANK,
    "online": Payment.Source.ONLINE, "онлайн": Payment.Source.ONLINE,
    "other": Payment.Source.OTHER, "прочее": Payment.Source.OTHER,
}

PAYMENTS = Kind(
    code="payments", label="платежи", model=Payment,
    columns=(
        _external_id("платежа"),
        _account_column(),
        Column("paid_on", f.parse_date, "дата оплаты"),
        Column("amount", f.decimal(max_digits=14, places=2, positive=True), "сумма, ₽ (больше нуля)"),
        Column("source", f.choice(PAYMENT_SOURCES, "источник платежа"),
               "источник: bank — платёжное поручение (по умолчанию), online — оплата в личном кабинете, other — прочее",
               required=False, default=Payment.Source.BANK),
        Column("document_number", f.text(max_length=64), "номер платёжного документа", required=False, default=""),
        Column("purpose", f.text(max_length=255), "назначение платежа", required=False, default=""),
    ),
    key=("external_id",), references=(ACCOUNT,),
)

# --- meters ---

ZONES = {zone: zone for zone in ("сутки", "день", "ночь", "пик", "полупик")}

METERS = Kind(
    code="meters", label="приборы учёта", model=Meter,
    columns=(
        _external_id("прибора учёта"),
        _account_column(),
        Column("serial_number", f.text(max_length=64), "заводской номер"),
        Column("model", f.text(max_length=200), "тип (марка) прибора", required=False, default="", field="model_name"),
        Column("zone", f.choice(ZONES, "тарифная зона"),
               "тарифная зона: сутки (по умолчанию), день, ночь, пик, полупик",
               required=False, default="сутки"),
        Column("digits", f.integer(minimum=1, maximum=12), "разрядность: знаков до запятой (по умолчанию 6)",
               required=False, default=6),
        Column("ratio", f.decimal(max_digits=10, places=2, positive=True),
               "коэффициент трансформации (по умолчанию 1)", required=False, default=Decimal("1.00")),
        Column("reading_group", f.text(max_length=200),
               "группа приёма показаний (название); пусто — группа по умолчанию", required=False, field=None),
        Column("location", f.text(max_length=200), "место установки", required=False, default=""),
        Column("is_active", f.boolean, "в работе: 1 (по умолчанию) или 0", required=False, default=True),
    ),
    key=("external_id",),
    references=(
        ACCOUNT,
        Reference("reading_group", "reading_group_id", ReadingGroup, "name",
                  "группа приёма показаний «{value}» не найдена.",
                  when_blank={"is_default": True}),
    ),
)

# --- readings ---


def _check_reading(row: dict, refs: dict) -> list[tuple[str, str]]:
    problems = []
    meter = refs.get("meter")
    if meter and row["value"] >= Decimal(10) ** meter["digits"]:
        problems.append(("value", f"показание больше разрядности прибора ({meter['digits']} знаков до запятой)."))
    if row["taken_on"] < row["period"]:
        problems.append(("taken_on", "дата снятия раньше начала расчётного периода."))
    return problems


READINGS = Kind(
    code="readings", label="показания", model=MeterReading,
    columns=(
        _external_id("показания"),
        Column("meter", EXTERNAL_ID, "код прибора учёта в биллинге (external_id из файла приборов)", field=None),
        Column("period", f.parse_period, "расчётный период (месяц)"),
        Column("taken_on", f.parse_date, "дата снятия показания"),
        Column("value", f.decimal(max_digits=16, places=3, minimum=Decimal(0)), "показание"),
        Column("consumption", f.decimal(max_digits=16, places=3),
               "расход за период, кВт·ч (с учётом коэффициента)", required=False),
    ),
    key=("external_id",),
    references=(Reference("meter", "meter_id", Meter, "external_id", "прибор учёта с кодом {value} не найден.",
                          extra=("digits",)),),
    constants={"source": MeterReading.Source.BILLING},
    check=_check_reading,
)

KINDS: dict[str, Kind] = {k.code: k for k in (BALANCES, CHARGES, DOCUMENTS, PAYMENTS, METERS, READINGS)}
KIND_LABELS = IMPORT_KIND_LABELS

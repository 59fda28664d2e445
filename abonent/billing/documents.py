"""Financial documents as PDF: the billing system's own PDF when the import brought one, otherwise the
document rendered from its data on the organisation's letterhead: the invoice (счёт на оплату) with the
GOST R 56042-2014 payment QR code, the act of delivery of electricity (акт приёма-передачи), and the tax
invoice (счёт-фактура) in the layout of Government Decree No. 1137 as far as the data allows.

Lines of a document (`FinancialDocument.lines`) are dicts in the billing importer's format (see
billing/importing/kinds.py LINE_COLUMNS); every key is optional here:
  name                     «Электрическая энергия (мощность)»
  unit, okei               «кВт·ч», «245» (the defaults when a quantity is given)
  quantity                 «12480»
  price                    price per unit without VAT
  amount                   value without VAT
  vat_rate                 «22 %»
  vat                      VAT amount
  total                    value with VAT
Missing values are derived from the others; a document without lines prints one line with its own amount
and VAT (and the month's volume from the charges, when there is one)."""

import datetime
import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.template.loader import render_to_string
from django.utils.text import slugify

from abonent.appeals.documents import html_to_pdf
from abonent.billing import qr
from abonent.billing.models import FinancialDocument, MeterReading
from abonent.core.text import MONTHS_GENITIVE, plural
from abonent.organisation.models import Organisation

log = logging.getLogger(__name__)

TEMPLATES = {
    FinancialDocument.Kind.INVOICE: "billing/documents/invoice.html",
    FinancialDocument.Kind.ACT: "billing/documents/act.html",
    FinancialDocument.Kind.TAX_INVOICE: "billing/documents/tax_invoice.html",
}
FILE_PREFIXES = {
    FinancialDocument.Kind.INVOICE: "schet",
    FinancialDocument.Kind.ACT: "akt",
    FinancialDocument.Kind.TAX_INVOICE: "schet-faktura",
}
DEFAULT_SERVICE = "Электрическая энергия (мощность)"
KWH, KWH_OKEI = "кВт·ч", "245"
MONTHS_NOMINATIVE = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
                     "октябрь", "ноябрь", "декабрь"]
CENT = Decimal("0.01")


def document_pdf(document: FinancialDocument) -> bytes:
    """The PDF of a financial document: the stored one from billing if there is one, else rendered."""
    if document.pdf:
        with document.pdf.open("rb") as stored:
            return stored.read()
    return render_document_pdf(document)


def render_document_pdf(document: FinancialDocument) -> bytes:
    html = render_to_string(TEMPLATES[document.kind], document_context(document))
    return html_to_pdf(html)


def document_filename(document: FinancialDocument) -> str:
    """An ASCII file name for downloads: «schet-S-2026-0312-2026-03-31.pdf»."""
    number = slugify(transliterate(document.number)) or str(document.pk)
    return f"{FILE_PREFIXES[document.kind]}-{number}-{document.issued_on:%Y-%m-%d}.pdf"


_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r",
                      "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "iu", "ia"], strict=True))


def transliterate(text: str) -> str:
    """Cyrillic to Latin letters for file names: «СФ-12» → «sf-12»."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


# --- The data a template needs ------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    number: int
    name: str
    unit: str
    okei: str
    quantity: Decimal | None
    price: Decimal | None
    amount_without_vat: Decimal
    vat_rate: str
    vat: Decimal
    amount: Decimal

    @property
    def quantity_display(self) -> str:
        return quantity_text(self.quantity)

    @property
    def price_display(self) -> str:
        return price_text(self.price)

    @property
    def amount_without_vat_display(self) -> str:
        return amount_text(self.amount_without_vat)

    @property
    def vat_display(self) -> str:
        return amount_text(self.vat) if self.vat else "без НДС"

    @property
    def amount_display(self) -> str:
        return amount_text(self.amount)


def document_context(document: FinancialDocument) -> dict:
    account = document.account
    contract = account.contract
    organisation = Organisation.current()
    lines = document_lines(document)
    total_without_vat = sum((line.amount_without_vat for line in lines), Decimal(0))
    total_vat = sum((line.vat for line in lines), Decimal(0))
    context = {
        "organisation": organisation,
        "document": document,
        "account": account,
        "contract": contract,
        "customer": contract.customer,
        "lines": lines,
        "total_without_vat": amount_text(total_without_vat),
        "total_vat": amount_text(total_vat) if total_vat else "без НДС",
        "total": amount_text(sum((line.amount for line in lines), Decimal(0))),
        "amount": amount_text(document.amount),
        "vat_rate": _common_rate(lines),
        "amount_words": amount_in_words(document.amount),
        "issued_long": _date_long(document.issued_on),
        "period_text": period_text(document.period),
    }
    if document.kind == FinancialDocument.Kind.INVOICE:
        context["qr_image"], context["qr_error"] = _qr(document, organisation)
    elif document.kind == FinancialDocument.Kind.ACT:
        context["readings"] = _readings(document)
    else:
        context["shipment"] = (FinancialDocument.objects
                               .filter(account=account, period=document.period, kind=FinancialDocument.Kind.ACT)
                               .order_by("-issued_on", "-pk").first())
    return context


def _qr(document: FinancialDocument, organisation: Organisation | None) -> tuple[str, str]:
    """The code as an image, or why there is none (the invoice is still printed, with the requisites)."""
    try:
        return qr.qr_svg_data_uri(qr.invoice_payment_string(document, organisation)), ""
    except qr.QrError as error:
        log.warning("invoice %s without a payment QR code: %s", document.number, error)
        return "", str(error)


def document_lines(document: FinancialDocument) -> list[Line]:
    rows = [row for row in document.lines if isinstance(row, dict)] if isinstance(document.lines, list) else []
    if not rows:
        rows = [{"name": DEFAULT_SERVICE, "total": document.amount, "vat": document.vat,
                 "quantity": _month_volume(document)}]
    return [_line(n, row) for n, row in enumerate(rows, start=1)]


def _month_volume(document: FinancialDocument) -> Decimal | None:
    volumes = [v for v in document.account.charges.filter(period=document.period)
               .values_list("volume_kwh", flat=True) if v is not None]
    return sum(volumes, Decimal(0)) if volumes else None


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except InvalidOperation:
        return None


def _line(number: int, row: dict) -> Line:
    quantity = _decimal(row.get("quantity"))
    amount, vat, without = _decimal(row.get("total")), _decimal(row.get("vat")), _decimal(row.get("amount"))
    price = _decimal(row.get("price"))
    if without is None and price is not None and quantity is not None:
        without = (price * quantity).quantize(CENT)
    if amount is None:
        amount = (without or Decimal(0)) + (vat or Decimal(0))
    if vat is None:
        vat = amount - without if without is not None else Decimal(0)
    if without is None:
        without = amount - vat
    if price is None and quantity:
        price = (without / quantity).quantize(Decimal("0.00001"))
    unit = str(row.get("unit") or (KWH if quantity is not None else ""))
    return Line(
        number=number,
        name=str(row.get("name") or DEFAULT_SERVICE),
        unit=unit,
        okei=str(row.get("okei") or (KWH_OKEI if unit == KWH else "")),
        quantity=quantity,
        price=price,
        amount_without_vat=without,
        vat_rate=str(row.get("vat_rate") or _rate(without, vat)),
        vat=vat,
        amount=amount,
    )


def _rate(without: Decimal, vat: Decimal) -> str:
    if not vat:
        return "без НДС"
    if without <= 0:
        return ""
    rate = (vat / without * 100).quantize(Decimal(1))
    return f"{rate} %" if rate in (Decimal(10), Decimal(20), Decimal(22)) else ""


def _common_rate(lines: list[Line]) -> str:
    rates = {line.vat_rate for line in lines}
    return rates.pop() if len(rates) == 1 else ""


def _readings(document: FinancialDocument) -> list[dict]:
    """Meter readings of the act's month with the reading before them, per meter."""
    rows = []
    current = (MeterReading.objects.filter(meter__account=document.account, period=document.period)
               .select_related("meter").order_by("meter__serial_number", "meter__zone", "-taken_on", "-pk"))
    seen: set[int] = set()
    for reading in current:
        if reading.meter_id in seen:
            continue
        seen.add(reading.meter_id)
        previous = (MeterReading.objects.filter(meter=reading.meter, period__lt=document.period)
                    .order_by("-period", "-taken_on", "-pk").first())
        rows.append({"meter": reading.meter, "previous": quantity_text(previous.value) if previous else "",
                     "current": quantity_text(reading.value), "ratio": quantity_text(reading.meter.ratio),
                     "consumption": quantity_text(reading.consumption)})
    return rows


# --- Russian wording --------------------------------------------------------------------------------


def period_text(period: datetime.date) -> str:
    """«март 2026 г.»"""
    return f"{MONTHS_NOMINATIVE[period.month - 1]} {period.year} г."


def _date_long(day: datetime.date) -> str:
    """«31 марта 2026 г.», as documents write it."""
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year} г."


_UNITS = ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_UNITS_FEMININE = ["", "одна", "две", *_UNITS[3:]]
_TEENS = ["десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать", "шестнадцать",
          "семнадцать", "восемнадцать", "девятнадцать"]
_TENS = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят",
         "девяносто"]
_HUNDREDS = ["", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот",
             "девятьсот"]
_SCALES = [  # (forms, feminine)
    (("", "", ""), False),
    (("тысяча", "тысячи", "тысяч"), True),
    (("миллион", "миллиона", "миллионов"), False),
    (("миллиард", "миллиарда", "миллиардов"), False),
    (("триллион", "триллиона", "триллионов"), False),
]


def _triad(n: int, feminine: bool) -> list[str]:
    words = [_HUNDREDS[n // 100]]
    rest = n % 100
    if 10 <= rest < 20:
        words.append(_TEENS[rest - 10])
    else:
        words += [_TENS[rest // 10], (_UNITS_FEMININE if feminine else _UNITS)[rest % 10]]
    return [w for w in words if w]


def number_in_words(n: int) -> str:
    """123456 → «сто двадцать три тысячи четыреста пятьдесят шесть» (masculine units)."""
    if n == 0:
        return "ноль"
    words: list[str] = []
    for scale, (forms, feminine) in enumerate(_SCALES):
        triad = n // 1000 ** scale % 1000
        if triad:
            part = _triad(triad, feminine)
            if scale:
                part.append(plural(triad, *forms))
            words = part + words
    return " ".join(words)


def amount_in_words(amount: Decimal) -> str:
    """149972.16 → «Сто сорок девять тысяч девятьсот семьдесят два рубля 16 копеек»."""
    amount = Decimal(amount).quantize(CENT)
    sign = "минус " if amount < 0 else ""
    rubles, kopecks = divmod(int(abs(amount) * 100), 100)
    text = (f"{sign}{number_in_words(rubles)} {plural(rubles, 'рубль', 'рубля', 'рублей')} "
            f"{kopecks:02d} {plural(kopecks, 'копейка', 'копейки', 'копеек')}")
    return text[0].upper() + text[1:]


def quantity_text(value: Decimal | None) -> str:
    """12480.000 → «12 480»; 12.5 → «12,5»."""
    if value is None:
        return ""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    whole = re.sub(r"(?<=\d)(?=(\d{3})+$)", "\u00a0", whole)
    return f"{sign}{whole},{frac}" if frac else f"{sign}{whole}"


def amount_text(value: Decimal) -> str:
    """149972.16 → «149 972,16» (a money column without the currency sign)."""
    value = Decimal(value).quantize(CENT)
    whole, _, frac = f"{abs(value):f}".partition(".")
    whole = re.sub(r"(?<=\d)(?=(\d{3})+$)", "\u00a0", whole)
    return f"{'-' if value < 0 else ''}{whole},{frac}"


def price_text(value: Decimal | None) -> str:
    """At least two decimals, at most five: 9.85 → «9,85», 9.85123 → «9,85123»."""
    if value is None:
        return ""
    text = f"{value:f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return quantity_text(Decimal(whole)) + "," + frac

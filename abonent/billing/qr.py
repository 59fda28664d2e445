"""The payment QR code of GOST R 56042-2014 («Стандарты финансовых операций. Двумерные символы штрихового
кода для осуществления платежей физическими лицами»), which Russian bank apps read to fill in a payment.

The payload is `ST0001` + the character set digit (1 = windows-1251, 2 = UTF-8, 3 = KOI8-R) + the separator
(`|`), then `Key=Value` requisites joined by the separator. The five mandatory requisites come first and in
this order: Name, PersonalAcc, BankName, BIC, CorrespAcc. A value may not contain the separator; the GOST
limits the length of the mandatory and additional requisites (LIMITS below). `Sum` is in kopecks.

`payment_string` builds a payload and refuses (QrError, in Russian) whatever a bank app would misread;
`parse_payment_string` reads one back; `invoice_requisites` takes the payee from the organisation's
requisites and the purpose from an invoice; `qr_code` makes the symbol (error correction level M, as the
GOST recommends)."""

import io
import re
from collections.abc import Mapping
from decimal import Decimal

import segno

SEPARATOR = "|"
VERSION = "ST0001"
CHARSETS = {"1": "cp1251", "2": "utf-8", "3": "koi8-r"}
CHARSET_DIGITS = {name: digit for digit, name in CHARSETS.items()}

REQUIRED = ("Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc")
# Maximum lengths, in characters, of the mandatory and additional requisites (GOST R 56042-2014, tables 1
# and 2). The other requisites (PersAcc, Contract, PaymPeriod, TechCode…) have no fixed length.
LIMITS = {
    "Name": 160, "PersonalAcc": 20, "BankName": 45, "BIC": 9, "CorrespAcc": 20,
    "Sum": 18, "Purpose": 210, "PayeeINN": 12, "PayerINN": 12, "DrawerStatus": 2, "KPP": 9, "CBC": 20,
    "OKTMO": 11, "PaytReason": 2, "TaxPeriod": 10, "DocNo": 15, "DocDate": 10, "TaxPaytKind": 2,
}
EXACT_LENGTH = {"PersonalAcc": 20, "BIC": 9}
DIGITS_ONLY = ("PersonalAcc", "BIC", "CorrespAcc", "Sum", "PayeeINN", "PayerINN")
LABELS = {
    "Name": "наименование получателя", "PersonalAcc": "расчётный счёт получателя", "BankName": "банк получателя",
    "BIC": "БИК", "CorrespAcc": "корреспондентский счёт", "Sum": "сумма", "Purpose": "назначение платежа",
    "PayeeINN": "ИНН получателя", "PayerINN": "ИНН плательщика", "KPP": "КПП получателя",
}
KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
ERROR_LEVEL = "M"


class QrError(ValueError):
    """The requisites cannot make a payload a bank app reads correctly; the message is Russian."""


def _label(key: str) -> str:
    return LABELS.get(key, key)


def payment_string(requisites: Mapping[str, str], *, charset: str = "utf-8") -> str:
    """The GOST payload for `requisites` (an ordered mapping: the five mandatory keys first, in order).
    Refuses a missing or misplaced mandatory requisite, a value with the separator or a line break, a value
    over its length limit, a non-digit account, BIC or sum."""
    if charset not in CHARSET_DIGITS:
        raise QrError(f"Кодировка {charset} не предусмотрена ГОСТ Р 56042-2014.")
    keys = list(requisites)
    missing = [k for k in REQUIRED if not str(requisites.get(k) or "").strip()]
    if missing:
        raise QrError("Не заполнены обязательные реквизиты: " + ", ".join(_label(k) for k in missing) + ".")
    if tuple(keys[:len(REQUIRED)]) != REQUIRED:
        raise QrError("Обязательные реквизиты должны идти первыми: " + ", ".join(REQUIRED) + ".")
    parts = [VERSION + CHARSET_DIGITS[charset]]
    for key in keys:
        value = str(requisites[key])
        _check(key, value)
        parts.append(f"{key}={value}")
    payload = SEPARATOR.join(parts)
    try:
        payload.encode(charset)
    except UnicodeEncodeError as error:
        raise QrError(f"Символ «{error.object[error.start]}» нельзя записать в кодировке {charset}.") from None
    return payload


def _check(key: str, value: str) -> None:
    if not KEY_RE.match(key):
        raise QrError(f"Недопустимое имя реквизита: «{key}».")
    if SEPARATOR in value:
        raise QrError(f"Реквизит «{_label(key)}» содержит символ «{SEPARATOR}», который разделяет реквизиты.")
    if any(ch in value for ch in "\r\n\t"):
        raise QrError(f"Реквизит «{_label(key)}» содержит перевод строки или табуляцию.")
    if not value.strip():
        raise QrError(f"Реквизит «{_label(key)}» пуст.")
    limit = LIMITS.get(key)
    if limit is not None and len(value) > limit:
        raise QrError(f"Реквизит «{_label(key)}» длиннее {limit} символов ({len(value)}).")
    exact = EXACT_LENGTH.get(key)
    if exact is not None and len(value) != exact:
        raise QrError(f"Реквизит «{_label(key)}» должен состоять из {exact} цифр.")
    if key in DIGITS_ONLY and not (value.isascii() and value.isdigit()):
        raise QrError(f"Реквизит «{_label(key)}» должен состоять только из цифр.")


def parse_payment_string(data: str | bytes) -> dict[str, str]:
    """The requisites of a GOST payload, in their order. Bytes are decoded by the header's character set.
    Refuses a payload without the ST0001 header, with an unknown character set, a requisite without `=`,
    a repeated requisite or the mandatory requisites out of order."""
    if isinstance(data, bytes):
        if len(data) < 8 or not data.startswith(VERSION.encode()):
            raise QrError("Это не платёжный QR-код ГОСТ Р 56042-2014: нет заголовка ST0001.")
        charset = CHARSETS.get(chr(data[6]))
        if charset is None:
            raise QrError(f"Неизвестный код кодировки «{chr(data[6])}» в заголовке.")
        try:
            data = data.decode(charset)
        except UnicodeDecodeError:
            raise QrError(f"Текст не в заявленной кодировке {charset}.") from None
    if len(data) < 8 or not data.startswith(VERSION):
        raise QrError("Это не платёжный QR-код ГОСТ Р 56042-2014: нет заголовка ST0001.")
    if data[6] not in CHARSETS:
        raise QrError(f"Неизвестный код кодировки «{data[6]}» в заголовке.")
    separator = data[7]
    requisites: dict[str, str] = {}
    for part in data[8:].split(separator):
        if not part:
            continue  # some generators end the payload with a separator
        key, sep, value = part.partition("=")
        if not sep or not KEY_RE.match(key):
            raise QrError(f"Реквизит без имени или без «=»: «{part[:40]}».")
        if key in requisites:
            raise QrError(f"Реквизит «{key}» повторяется.")
        requisites[key] = value
    if tuple(list(requisites)[:len(REQUIRED)]) != REQUIRED:
        raise QrError("Обязательные реквизиты отсутствуют или идут не по порядку.")
    return requisites


def kopecks(amount: Decimal) -> str:
    """Sum=… is in kopecks: 149 972,16 ₽ → "14997216"."""
    return str(int((Decimal(amount) * 100).to_integral_value()))


def clean_text(value: str, limit: int) -> str:
    """A free-text value made safe for the payload: the separator becomes «/», line breaks become
    spaces, runs of spaces collapse, and an over-long value is cut at the limit (with «…»)."""
    value = " ".join(value.replace(SEPARATOR, "/").split())
    if len(value) > limit:
        value = value[:limit - 1].rstrip() + "…"
    return value


def qr_code(payload: str, *, charset: str = "utf-8") -> segno.QRCode:
    """The QR symbol: byte mode in the payload's own character set, error correction level M exactly
    (segno would otherwise raise it when the symbol has room), no ECI header (bank apps do not expect one)."""
    return segno.make(payload, error=ERROR_LEVEL, boost_error=False, encoding=charset, micro=False)


def qr_svg_data_uri(payload: str, *, charset: str = "utf-8") -> str:
    """The symbol as an SVG data: URI for <img> in HTML and in WeasyPrint's PDFs (4 modules of quiet zone)."""
    return qr_code(payload, charset=charset).svg_data_uri(scale=4, border=4, omitsize=False)


def qr_png(payload: str, *, charset: str = "utf-8", scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    qr_code(payload, charset=charset).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


# --- The requisites of an invoice -------------------------------------------------------------------


def payee_requisites(organisation) -> dict[str, str]:
    """Name, PersonalAcc, BankName, BIC, CorrespAcc, PayeeINN, KPP from the organisation's requisites.
    Refuses when the bank requisites are not filled in (the invoice is then printed without the code)."""
    if organisation is None:
        raise QrError("Реквизиты организации не заполнены.")
    missing = [label for label, value in (("банк", organisation.bank_name), ("БИК", organisation.bic),
                                          ("расчётный счёт", organisation.bank_account)) if not value]
    if missing:
        raise QrError("В реквизитах организации не заполнены: " + ", ".join(missing) + ".")
    name = organisation.full_name if len(organisation.full_name) <= LIMITS["Name"] else organisation.short_name
    return {
        "Name": clean_text(name, LIMITS["Name"]),
        "PersonalAcc": organisation.bank_account,
        "BankName": clean_text(organisation.bank_name, LIMITS["BankName"]),
        "BIC": organisation.bic,
        "CorrespAcc": organisation.correspondent_account or "0",
        "PayeeINN": organisation.inn,
        "KPP": organisation.kpp,
    }


def vat_text(amount: Decimal, vat: Decimal) -> str:
    """«в т.ч. НДС 22% 27044.16 руб.»; the rate is told from the amounts when it is one of the known rates."""
    if not vat:
        return "НДС не облагается"
    base = Decimal(amount) - Decimal(vat)
    rate = (Decimal(vat) / base * 100).quantize(Decimal(1)) if base > 0 else None
    rate_text = f" {rate}%" if rate in (Decimal(10), Decimal(20), Decimal(22)) else ""
    return f"в т.ч. НДС{rate_text} {Decimal(vat):.2f} руб."


def invoice_requisites(document, organisation) -> dict[str, str]:
    """The requisites for an invoice (счёт на оплату): the payee, the invoice amount in kopecks, and a
    purpose that names the invoice, the contract, the billing account and the period, with VAT, so the
    payment is matched to the account without a call. Also Contract, PersAcc, PaymPeriod, QuittId and
    QuittDate for apps that show them, and TechCode 02 (housing and utility services)."""
    account = document.account
    contract = account.contract
    period = f"{document.period:%m.%Y}"
    purpose = clean_text(
        f"Оплата электроэнергии по счёту № {document.number} от {document.issued_on:%d.%m.%Y}, "
        f"дог. № {contract.number}, л/с {account.number}, за {period}, {vat_text(document.amount, document.vat)}",
        LIMITS["Purpose"],
    )
    requisites = payee_requisites(organisation)
    requisites["Purpose"] = purpose
    if document.amount > 0:
        requisites["Sum"] = kopecks(document.amount)
    customer = contract.customer
    if customer.inn:
        requisites["PayerINN"] = customer.inn
    requisites.update({
        "Contract": clean_text(contract.number, 50),
        "PersAcc": clean_text(account.number, 30),
        "PaymPeriod": period,
        "QuittId": clean_text(document.number, 64),
        "QuittDate": f"{document.issued_on:%d.%m.%Y}",
        "TechCode": "02",
    })
    return requisites


def invoice_payment_string(document, organisation=None) -> str:
    if organisation is None:
        from abonent.organisation.models import Organisation

        organisation = Organisation.current()
    return payment_string(invoice_requisites(document, organisation))

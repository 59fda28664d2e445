"""Parsers of one cell of an import file. Each takes the raw value (a string from CSV; a string, number,
boolean or null from JSON) and returns the Python value, or raises `CellError` with a Russian message
that the report prefixes with the line and the column."""

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100

_DATE_RU = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", re.ASCII)
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_PERIOD_RU = re.compile(r"(\d{1,2})\.(\d{4})", re.ASCII)
_PERIOD_ISO = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)
_NUMBER = re.compile(r"[-+]?(\d+([.,]\d*)?|[.,]\d+)", re.ASCII)
_SPACE = re.compile(r"\s")
_PLAIN_NUMBER = re.compile(r"-?\d{1,20}([.,]\d{1,20})?", re.ASCII)
# Thousands separators that spreadsheets put into numbers: spaces, no-break and thin spaces, apostrophes.
_GROUPING = str.maketrans("", "", " \u00a0\u202f\u2009'")


class CellError(ValueError):
    """A bad value in one cell; the message is Russian and names no line (the caller adds it)."""


Parser = Callable[[Any], Any]


def is_blank(raw: Any) -> bool:
    if type(raw) is str:
        return not raw or raw.isspace()
    return raw is None


def _text_of(raw: Any) -> str:
    if type(raw) is str:
        return raw.strip()
    if isinstance(raw, bool | list | dict):
        raise CellError("ожидается строка или число.")
    return str(raw).strip()


def _date(year: int, month: int, day: int, raw: str) -> dt.date:
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise CellError(f"нет такой даты «{raw}».") from None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise CellError(f"дата «{raw}» вне допустимого диапазона ({EARLIEST_YEAR}–{LATEST_YEAR} годы).")
    return value


def parse_date(raw: Any) -> dt.date:
    """ДД.ММ.ГГГГ as Russian exports write it, or ГГГГ-ММ-ДД (ISO 8601)."""
    text = _text_of(raw)
    if match := _DATE_RU.fullmatch(text):
        day, month, year = map(int, match.groups())
        return _date(year, month, day, text)
    if match := _DATE_ISO.fullmatch(text):
        year, month, day = map(int, match.groups())
        return _date(year, month, day, text)
    raise CellError(f"«{text}» — не дата; ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД.")


def parse_period(raw: Any) -> dt.date:
    """A billing month: ММ.ГГГГ or ГГГГ-ММ, or its first day as a date. Returns the first day of the month."""
    text = _text_of(raw)
    for pattern, order in ((_PERIOD_RU, "my"), (_PERIOD_ISO, "ym")):
        if match := pattern.fullmatch(text):
            first, second = map(int, match.groups())
            month, year = (first, second) if order == "my" else (second, first)
            if not 1 <= month <= 12:
                raise CellError(f"нет такого месяца «{text}».")
            return _date(year, month, 1, text)
    try:
        day = parse_date(text)
    except CellError:
        raise CellError(f"«{text}» — не расчётный период; ожидается ММ.ГГГГ или ГГГГ-ММ.") from None
    if day.day != 1:
        raise CellError(f"расчётный период «{text}» должен быть месяцем (ММ.ГГГГ) или его первым числом.")
    return day


def decimal(*, max_digits: int, places: int, minimum: Decimal | None = None, positive: bool = False) -> Parser:
    """A number with a comma or a dot before the fraction and any thousands grouping; at most `places`
    digits after the separator and `max_digits - places` before it."""
    whole_digits = max_digits - places

    quantum = Decimal(1).scaleb(-places)
    limit = Decimal(10) ** whole_digits

    def parse(raw: Any) -> Decimal:
        if isinstance(raw, Decimal | int) and not isinstance(raw, bool):
            text = str(raw)
        else:
            text = _text_of(raw)
            if not _PLAIN_NUMBER.fullmatch(text):
                text = text.translate(_GROUPING)
                if text.count(",") + text.count(".") > 1 or not _NUMBER.fullmatch(text):
                    raise CellError(f"«{raw}» — не число; дробную часть отделяйте запятой или точкой, "
                                    "например 1234,56.")
        try:
            value = Decimal(text.replace(",", "."))
            rounded = value.quantize(quantum)
        except InvalidOperation:
            raise CellError(f"«{raw}» — не число или слишком большое число.") from None
        if rounded != value:
            raise CellError(f"«{raw}»: не более {places} знаков после запятой.")
        if abs(rounded) >= limit:
            raise CellError(f"«{raw}»: слишком большое число (не более {whole_digits} знаков до запятой).")
        if positive and rounded <= 0:
            raise CellError(f"«{raw}»: сумма должна быть больше нуля.")
        if minimum is not None and rounded < minimum:
            raise CellError(f"«{raw}»: значение не может быть меньше {minimum}.")
        return rounded

    return parse


def integer(*, minimum: int, maximum: int) -> Parser:
    def parse(raw: Any) -> int:
        text = _text_of(raw)
        if not re.fullmatch(r"[-+]?\d+", text, re.ASCII):
            raise CellError(f"«{text}» — не целое число.")
        value = int(text)
        if not minimum <= value <= maximum:
            raise CellError(f"«{text}»: допустимо от {minimum} до {maximum}.")
        return value

    return parse


def text(*, max_length: int) -> Parser:
    def parse(raw: Any) -> str:
        value = _text_of(raw)
        if "\x00" in value:
            raise CellError("текст содержит недопустимый символ NUL.")
        if len(value) > max_length:
            raise CellError(f"не длиннее {max_length} символов (сейчас {len(value)}).")
        return value

    return parse


def code(*, max_length: int = 64) -> Parser:
    """An identifier from the billing system: printable, without spaces inside."""
    as_text = text(max_length=max_length)

    def parse(raw: Any) -> str:
        value = as_text(raw)
        if _SPACE.search(value) or not value.isprintable():
            raise CellError(f"код «{value}» не должен содержать пробелов и служебных символов.")
        return value

    return parse


def choice(values: Mapping[str, str], what: str) -> Parser:
    """One of `values` (keys are the accepted spellings, case-insensitive; values the stored codes)."""
    def fold(value: str) -> str:
        return value.casefold().replace("ё", "е")

    folded = {fold(key): stored for key, stored in values.items()}
    shown = ", ".join(dict.fromkeys(values))

    def parse(raw: Any) -> str:
        value = _text_of(raw)
        try:
            return folded[fold(value)]
        except KeyError:
            raise CellError(f"неизвестное значение «{value}» ({what}); допустимы: {shown}.") from None

    return parse


def boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = _text_of(raw).casefold()
    if value in {"1", "да", "true", "yes"}:
        return True
    if value in {"0", "нет", "false", "no"}:
        return False
    raise CellError(f"«{raw}»: ожидается 1 или 0 (да или нет).")

"""Russian wording helpers: plural forms, money and dates as Russian readers expect them; and text from outside
cleaned of control characters before it is stored."""

import datetime
import math
import re
from decimal import Decimal
from typing import Any

MONTHS_GENITIVE = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                   "октября", "ноября", "декабря"]


def plural(n: int, one: str, few: str, many: str) -> str:
    """plural(21, "день", "дня", "дней") -> "день"."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def days_text(n: int, *, working: bool = False) -> str:
    """"30 календарных дней", "1 рабочий день", "3 рабочих дня"."""
    if working:
        return f"{n} {plural(n, 'рабочий день', 'рабочих дня', 'рабочих дней')}"
    return f"{n} {plural(n, 'календарный день', 'календарных дня', 'календарных дней')}"


def date_long(day: datetime.date) -> str:
    """"«29» ноября 2026 г."."""
    return f"«{day.day:02d}» {MONTHS_GENITIVE[day.month - 1]} {day.year} г."


def money(amount: Decimal) -> str:
    """"1 234 567,89 ₽" with non-breaking thin spaces between thousands."""
    sign = "-" if amount < 0 else ""
    whole, frac = f"{abs(amount):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{'\u00a0'.join(groups)},{frac}\u00a0₽"


# What no database here stores: NUL (PostgreSQL refuses it in text and jsonb; SQLite takes it, so a value that
# passes the tests there stops an intake on PostgreSQL) and lone surrogates (JSON's "\ud800": not UTF-8).
_UNSTORABLE = "\x00\ud800-\udfff"
_UNSTORABLE_RE = re.compile(f"[{_UNSTORABLE}]")
# ... and what no reader can see: C0 controls other than tab and line breaks, and DEL.
_CONTROL_RE = re.compile(f"[{_UNSTORABLE}\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


def is_storable(text: str) -> bool:
    """False for text with a character no database stores (NUL, a lone surrogate): for input that is refused
    rather than cleaned."""
    return not _UNSTORABLE_RE.search(text)


def strip_control(text: str) -> str:
    """Text from outside (a mail header, an operator's answer) without control characters other than tab and
    line breaks, and without lone surrogates."""
    return _CONTROL_RE.sub("", text)


def storable_json(value: Any) -> Any:
    """A JSON value from outside as a database stores it: strip_control over every string, keys included, and
    NaN or Infinity (which Python's json reads, but neither jsonb nor SQLite's JSON takes) as their text."""
    if isinstance(value, str):
        return strip_control(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {storable_json(str(key)): storable_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable_json(item) for item in value]
    return value

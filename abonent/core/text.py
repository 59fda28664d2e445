"""Russian wording helpers: plural forms, money and dates as Russian readers expect them."""

import datetime
from decimal import Decimal

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

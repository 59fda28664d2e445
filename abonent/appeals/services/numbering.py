from django.db.models import F

from abonent.appeals.models import Counter


def take_number(name: str, year: int) -> int:
    """The next value of a gapless yearly counter. Must run inside the transaction that stores the
    numbered row: the row lock (PostgreSQL) or the write lock taken by BEGIN IMMEDIATE (SQLite)
    serialises concurrent registrations, and a rollback gives the number back unused."""
    Counter.objects.get_or_create(name=name, year=year)
    Counter.objects.filter(name=name, year=year).update(value=F("value") + 1)
    return Counter.objects.select_for_update().values_list("value", flat=True).get(name=name, year=year)


def registration_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:06d}"

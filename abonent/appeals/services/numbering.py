from django.db import connections, router

from abonent.appeals.models import Counter


def take_number(name: str, year: int) -> int:
    """The next value of a gapless yearly counter. Must run inside the transaction that stores the
    numbered row, as late in it as possible: the counter's row stays locked (PostgreSQL) until the commit,
    serialising concurrent registrations (SQLite's BEGIN IMMEDIATE serialises the whole transaction), and a
    rollback gives the number back unused. One statement, the year's first number included."""
    connection = connections[router.db_for_write(Counter)]
    quote = connection.ops.quote_name
    table, name_column, year_column, value = (quote(n) for n in (Counter._meta.db_table, "name", "year", "value"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({name_column}, {year_column}, {value}) VALUES (%s, %s, 1) "  # noqa: S608 - names
            f"ON CONFLICT ({name_column}, {year_column}) DO UPDATE SET {value} = {table}.{value} + 1 "  # quoted
            f"RETURNING {value}", [name, year])
        return cursor.fetchone()[0]


def registration_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:06d}"

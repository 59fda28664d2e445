from functools import cache

from django.db import connections, router
from django.db.models.signals import post_save, pre_save

from abonent.appeals.models import Appeal, Counter

NUMBERED = ("sequence", "number")


def _upsert(connection) -> str:
    """The counter's next value in one statement, the year's first included; parameters: name, year."""
    quote = connection.ops.quote_name
    table, name_column, year_column, value = (quote(n) for n in (Counter._meta.db_table, "name", "year", "value"))
    return (f"INSERT INTO {table} ({name_column}, {year_column}, {value}) VALUES (%s, %s, 1) "  # noqa: S608 - names
            f"ON CONFLICT ({name_column}, {year_column}) DO UPDATE SET {value} = {table}.{value} + 1 "  # quoted
            f"RETURNING {value}")


def take_number(name: str, year: int) -> int:
    """The next value of a gapless yearly counter. Must run inside the transaction that stores the
    numbered row, as late in it as possible: the counter's row stays locked (PostgreSQL) until the commit,
    serialising concurrent registrations (SQLite's BEGIN IMMEDIATE serialises the whole transaction), and a
    rollback gives the number back unused. One statement, the year's first number included."""
    connection = connections[router.db_for_write(Counter)]
    with connection.cursor() as cursor:
        cursor.execute(_upsert(connection), [name, year])
        return cursor.fetchone()[0]


def registration_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:06d}"


def insert_with_number(appeal: Appeal) -> None:
    """Takes the year's next registration number and inserts the appeal with it: the registration's last write
    (decision 0002). On PostgreSQL one statement does both, the counter's upsert in its WITH clause: from the
    counter's lock to the commit the worker then returns from the database once, not twice with the insert
    built in between, and each return is a wait for the interpreter among the worker's threads while the other
    registrations wait for the lock. On SQLite, whose write transactions exclude each other, the counter and the
    model's save. The model's save signals are sent either way."""
    if appeal.pk is None:
        raise ValueError("insert_with_number() wants the appeal's id taken beforehand (abonent.core.ids.next_id)")
    connection = connections[router.db_for_write(Appeal)]
    if connection.vendor != "postgresql":
        appeal.sequence = take_number("appeal", appeal.year)
        appeal.number = registration_number(appeal.year, appeal.sequence)
        appeal.save(force_insert=True)
        return
    pre_save.send(sender=Appeal, instance=appeal, raw=False, using=connection.alias, update_fields=None)
    sql, fields = _numbered_insert(connection.alias)
    values = [f.get_db_prep_save(f.pre_save(appeal, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, ["appeal", appeal.year, *values, f"{appeal.year}-"])
        appeal.sequence, appeal.number = cursor.fetchone()
    appeal._state.adding, appeal._state.db = False, connection.alias
    post_save.send(sender=Appeal, instance=appeal, created=True, update_fields=None, raw=False,
                   using=connection.alias)


@cache
def _numbered_insert(alias: str) -> tuple[str, list]:
    """insert_with_number()'s statement on PostgreSQL and the fields whose values it takes after the counter's two
    parameters, then the number's prefix; made once per connection alias (registration is the hot path)."""
    connection = connections[alias]
    fields = [f for f in Appeal._meta.local_concrete_fields if f.attname not in NUMBERED and not f.generated]
    quote = connection.ops.quote_name
    taken = "(SELECT value FROM taken)"
    # The same digits as registration_number(): at least six, more from the millionth appeal of a year on.
    number = f"CONCAT(CAST(%s AS text), LPAD(CAST({taken} AS text), GREATEST(6, LENGTH(CAST({taken} AS text))), '0'))"
    sql = (f"WITH taken AS ({_upsert(connection)}) "  # noqa: S608 - quoted names and placeholders only
           f"INSERT INTO {quote(Appeal._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}, "
           f"{', '.join(quote(name) for name in NUMBERED)}) VALUES ({', '.join(['%s'] * len(fields))}, {taken}, "
           f"{number}) RETURNING {', '.join(quote(name) for name in NUMBERED)}")
    return sql, fields

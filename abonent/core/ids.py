"""A row's id taken before the row is written, so that the rows pointing at it can be written first: foreign keys
are checked at the commit on both databases (Django declares them deferrable). Registration writes an appeal's
events and task before the appeal itself, whose insert takes the yearly counter's lock (abonent.appeals.services.
intake)."""

from django.db import connections, router


def next_id(model, using: str | None = None) -> int:
    connection = connections[using or router.db_for_write(model)]
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, column])
        else:
            # SQLite: a write transaction shuts every other writer out (BEGIN IMMEDIATE), so the id after both the
            # highest ever given (AUTOINCREMENT's sqlite_sequence) and the highest present is free until the commit.
            if not connection.in_atomic_block:
                raise RuntimeError("next_id() on SQLite only inside the transaction that writes the row")
            quote = connection.ops.quote_name
            cursor.execute(
                f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608 - names
                f"COALESCE(MAX({quote(column)}), 0)) + 1 FROM {quote(table)}", [table])  # quoted
        return cursor.fetchone()[0]

"""Commits that release their locks before the disk confirms them, and are still reported only once on disk
(PostgreSQL; elsewhere nothing changes).

Registration holds the row of the yearly counter from taking a number to its commit (gap-free numbers,
decision 0002), and a synchronous commit holds it through the WAL flush as well — about 4 ms on the virtual
disks of bench/RESULTS.md, so every registration in the system queued behind the previous one's disk wait.
`release_before_flush()` turns `synchronous_commit` off for the current transaction only: at the commit its
locks are released as soon as the commit record is in the WAL buffers. The first thing after the commit, before
any other on-commit action, is `wait_for_flush()`: a write of its own committed synchronously, and a flush writes
the WAL in order up to it, so the transaction's commit is on disk when it returns — outside the lock, and
sharing the disk write with every other waiter (group commit). Nothing is answered or handed on before that.
Asynchronous commit never breaks consistency: a crash before the flush loses the transaction together with
everything that came after it in the WAL (the next numbers too), so numbers stay gap-free and unique.
The write is a transactional logical-decoding message: no table, no lock, any role may emit it."""

from functools import partial

from django.db import DEFAULT_DB_ALIAS, connections, transaction


def release_before_flush(using: str = DEFAULT_DB_ALIAS) -> None:
    """Call inside the transaction, before any on-commit action of it is registered; otherwise (or outside
    PostgreSQL) the commit stays synchronous."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not connection.in_atomic_block or connection.run_on_commit:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('synchronous_commit', 'off', true)")
    transaction.on_commit(partial(wait_for_flush, using), using=using)


def wait_for_flush(using: str = DEFAULT_DB_ALIAS) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_logical_emit_message(true, 'abonent', 'flush')")


# A FROM item that turns the synchronous commit off for a statement's own (autocommit) transaction: for writes
# whose loss in a crash does no harm (rate counters), so that they cost no disk wait at all.
WITHOUT_FLUSH_WAIT = "(SELECT set_config('synchronous_commit', 'off', true)) AS without_flush_wait"

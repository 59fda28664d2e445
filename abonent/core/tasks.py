import datetime
import threading
from functools import partial

from crontask import cron
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.tasks import task
from django.tasks.base import Task
from django.utils import timezone
from django_tasks_db import DatabaseBackend

from abonent.core.models import Heartbeat

SCHEDULER = "scheduler"


@cron("* * * * *")
@task
def scheduler_heartbeat() -> None:
    """Runs on the scheduler's clock through the task queue: a fresh beat proves both are alive."""
    Heartbeat.objects.update_or_create(name=SCHEDULER, defaults={"beat_at": timezone.now()})


def enqueue_on_commit(task_: Task, *args, using: str | None = None) -> None:
    """Enqueues `task_` so that it runs if, and only if, the current transaction commits.

    On the database task queue (the embedded default) the task's row is written in the transaction itself: it
    commits or vanishes with the rows the task is about, and the transaction needs no commit of its own per task
    (each is a wait for the disk). Elsewhere (RQ, the tests' immediate backend) the task is enqueued once the
    commit is done, where a crash in between leaves the work to the sweeps, as before."""
    if queued_in_database(task_, using=using):
        task_.enqueue(*args)
    else:
        transaction.on_commit(partial(task_.enqueue, *args), using=using)


def queued_in_database(task_: Task, *, using: str | None = None) -> bool:
    """Whether enqueuing `task_` writes a row through the connection `using` (by default the default one)."""
    if not isinstance(task_.get_backend(), DatabaseBackend):
        return False
    from django_tasks_db.models import DBTaskResult

    return router.db_for_write(DBTaskResult) == (using or DEFAULT_DB_ALIAS)


_relays_due: dict[str, datetime.datetime] = {}
_relays_lock = threading.Lock()


def kick_relay_on_commit(task_: Task, *, delay: datetime.timedelta, using: str | None = None) -> None:
    """Has `task_`, which works off a table of committed rows waiting for it (an outbox), run `delay` from now,
    unless a run this process enqueued and committed is due at least half the delay from now. For a queue that
    defers tasks and is written in the caller's transaction: the database queue (queued_in_database).

    A task per waiting row would be, on the database queue, one more insert in each writing transaction (a
    seventh of a registration's cost). A row whose transaction takes longer than half the delay from here to its
    commit can commit after the run has looked: the table's sweep takes it. The run counts as due only once the
    transaction that enqueued it commits, so that a rollback leaves no gap."""
    now = timezone.now()
    with _relays_lock:
        due = _relays_due.get(task_.module_path)
    if due is not None and due - now >= delay / 2:
        return
    run_after = now + delay
    enqueue_on_commit(task_.using(run_after=run_after), using=using)
    transaction.on_commit(partial(_relay_committed, task_.module_path, run_after), using=using)


def _relay_committed(path: str, run_after: datetime.datetime) -> None:
    with _relays_lock:
        if path not in _relays_due or _relays_due[path] < run_after:
            _relays_due[path] = run_after

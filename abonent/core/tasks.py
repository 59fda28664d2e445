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
    if _queued_in_database(using or DEFAULT_DB_ALIAS, task_):
        task_.enqueue(*args)
    else:
        transaction.on_commit(partial(task_.enqueue, *args), using=using)


def _queued_in_database(alias: str, task_: Task) -> bool:
    if not isinstance(task_.get_backend(), DatabaseBackend):
        return False
    from django_tasks_db.models import DBTaskResult

    return router.db_for_write(DBTaskResult) == alias

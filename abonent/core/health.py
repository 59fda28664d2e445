"""What the health endpoint checks: the database answers, the task queue is not backed up, the scheduler
beats. Each check returns (ok, detail); the endpoint is for load balancers and monitoring, so it says
what is wrong without revealing anything else."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from abonent.core.models import Heartbeat
from abonent.core.tasks import SCHEDULER

BACKLOG_LIMIT = 1000  # ready tasks waiting longer than BACKLOG_AGE mean the workers do not keep up
BACKLOG_AGE = dt.timedelta(minutes=5)
SCHEDULER_SILENCE = dt.timedelta(minutes=3)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return Check("database", False, type(exc).__name__)
    return Check("database", True, connection.vendor)


def uses_database_queue() -> bool:
    return settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db")


def _task_queue() -> Check:
    if not uses_database_queue():
        return Check("tasks", True, "очередь вне базы данных")
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    cutoff = now - BACKLOG_AGE
    # ready() holds undelayed tasks (run_after is the far future) and delayed ones whose time has come.
    waiting = DBTaskResult.objects.ready().filter(
        Q(run_after__lt=cutoff) | Q(run_after__gt=now, enqueued_at__lt=cutoff)
    ).count()
    failed = DBTaskResult.objects.failed().filter(finished_at__gte=now - dt.timedelta(days=1)).count()
    detail = f"ожидают дольше 5 мин: {waiting}; сбоев за сутки: {failed}"
    return Check("tasks", waiting < BACKLOG_LIMIT, detail)


def _scheduler() -> Check:
    beat = Heartbeat.objects.filter(name=SCHEDULER).values_list("beat_at", flat=True).first()
    if beat is None:
        return Check("scheduler", False, "планировщик ещё не запускался")
    silent = timezone.now() - beat
    return Check("scheduler", silent < SCHEDULER_SILENCE, f"последний сигнал {int(silent.total_seconds())} с назад")


def run_checks() -> list[Check]:
    database = _database()
    if not database.ok:
        return [database]
    return [database, _task_queue(), _scheduler()]

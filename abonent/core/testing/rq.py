"""A task backend for running the suite on real RQ and Redis: each enqueue goes through django-tasks-rq
into Redis, then an in-process burst worker runs what is queued, so tests observe the effects as they do
with the immediate backend, after RQ's serialisation, job class and callbacks. Delayed tasks stay in
RQ's scheduled registry, as they would in production until their time comes."""

import os
import threading

import django_rq
from django_tasks_rq import Job, RQBackend
from rq import SimpleWorker

_state = threading.local()
_flushed: set[str] = set()


class RQBurstBackend(RQBackend):
    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        # Each xdist worker owns a Redis database; jobs a crashed earlier run left there must not run here.
        for queue in self._get_queues():
            url = repr(queue.connection.connection_pool.connection_kwargs)
            if url not in _flushed:
                queue.connection.flushdb()
                _flushed.add(url)

    def enqueue(self, task, args, kwargs):
        result = super().enqueue(task, args, kwargs)
        # RQ's worker installs signal handlers, which only the main thread may do; jobs queued from other
        # threads run at the main thread's next enqueue.
        if threading.current_thread() is threading.main_thread() and not getattr(_state, "working", False):
            _state.working = True
            try:
                queues = self._get_queues()
                SimpleWorker(queues, connection=queues[0].connection, job_class=Job).work(
                    burst=True, logging_level="WARNING", with_scheduler=False
                )
            finally:
                _state.working = False
        return result


def redis_db_for_this_process() -> int:
    """gw0 → 10, gw1 → 11, …; a run without xdist uses 9."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return 10 + int(worker[2:]) if worker.startswith("gw") else 9


def queues_config() -> dict:
    url = f"redis://127.0.0.1:6379/{redis_db_for_this_process()}"
    return {name: {"URL": url} for name in ("default", "intake", "notifications", "reports")}


__all__ = ["RQBurstBackend", "django_rq", "queues_config"]

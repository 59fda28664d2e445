"""Runs under `make test-rq` (settings_test_rq): tasks go through real Redis and an RQ worker."""

import datetime as dt

import pytest
from django.conf import settings
from django.tasks import TaskResultStatus, default_task_backend
from django.utils import timezone

from abonent.core.models import Heartbeat
from abonent.core.tasks import scheduler_heartbeat

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("RQ" not in settings.TASKS["default"]["BACKEND"], reason="only with the RQ task backend"),
]


def test_a_task_runs_through_redis_and_an_rq_worker():
    import django_rq

    result = scheduler_heartbeat.enqueue()

    assert Heartbeat.objects.filter(name="scheduler").exists()
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    queue = django_rq.get_queue("default")
    assert queue.finished_job_registry.get_job_ids() or queue.count == 0


def test_a_delayed_task_waits_in_rqs_scheduled_registry():
    import django_rq

    later = timezone.now() + dt.timedelta(minutes=5)
    result = scheduler_heartbeat.using(run_after=later).enqueue()

    assert not Heartbeat.objects.exists()
    assert result.id in django_rq.get_queue("default").scheduled_job_registry.get_job_ids()
    assert default_task_backend.supports_defer

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from abonent.core.models import Heartbeat
from abonent.core.tasks import SCHEDULER, scheduler_heartbeat
from abonent.settings import TASK_QUEUES

pytestmark = pytest.mark.django_db

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}


def test_healthy_when_the_scheduler_beats(client):
    scheduler_heartbeat.call()
    response = client.get(reverse("core:health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "tasks", "scheduler"}
    assert response["Cache-Control"] == "no-store"


def test_a_silent_scheduler_fails_the_check(client):
    Heartbeat.objects.create(name=SCHEDULER, beat_at=timezone.now() - dt.timedelta(minutes=10))
    response = client.get(reverse("core:health"))
    assert response.status_code == 503
    assert response.json()["checks"]["scheduler"]["ok"] is False


def test_a_scheduler_that_never_ran_fails_the_check(client):
    response = client.get(reverse("core:health"))
    assert response.status_code == 503
    assert "не запускался" in response.json()["checks"]["scheduler"]["detail"]


@override_settings(TASKS=DB_QUEUE)
def test_a_backed_up_database_queue_fails_the_check(client, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from abonent.core import health

    scheduler_heartbeat.call()
    monkeypatch.setattr(health, "BACKLOG_LIMIT", 2)
    old = timezone.now() - dt.timedelta(minutes=30)
    for _ in range(2):
        result = DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}}, task_path="abonent.core.tasks.scheduler_heartbeat",
            backend_name="default", run_after=old, queue_name="default",
        )
        DBTaskResult.objects.filter(pk=result.pk).update(enqueued_at=old)
    response = client.get(reverse("core:health"))
    assert response.status_code == 503
    assert "ожидают дольше 5 мин: 2" in response.json()["checks"]["tasks"]["detail"]


@override_settings(TASKS=DB_QUEUE)
def test_it_admin_sees_failed_tasks_others_do_not(client, it_admin, operator):
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}}, task_path="abonent.appeals.tasks.deliver_reply",
        backend_name="default", run_after=timezone.now(), queue_name="default", status=TaskResultStatus.FAILED,
        finished_at=timezone.now(), exception_class_path="builtins.RuntimeError", traceback="Traceback: boom",
    )
    client.force_login(operator)
    assert client.get(reverse("core:operations")).status_code == 403
    client.force_login(it_admin)
    page = client.get(reverse("core:operations"))
    assert page.status_code == 200
    assert "abonent.appeals.tasks.deliver_reply" in page.text and "Traceback: boom" in page.text

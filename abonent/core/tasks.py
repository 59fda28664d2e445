from crontask import cron
from django.tasks import task
from django.utils import timezone

from abonent.core.models import Heartbeat

SCHEDULER = "scheduler"


@cron("* * * * *")
@task
def scheduler_heartbeat() -> None:
    """Runs on the scheduler's clock through the task queue: a fresh beat proves both are alive."""
    Heartbeat.objects.update_or_create(name=SCHEDULER, defaults={"beat_at": timezone.now()})

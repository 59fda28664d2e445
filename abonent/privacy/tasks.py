"""The daily destruction of data past its retention period (retention.run), at night, after the backups."""

from crontask import cron
from django.tasks import task

from abonent.privacy import retention
from abonent.privacy.models import RetentionRun


@cron("30 3 * * *")
@task
def apply_retention() -> dict:
    """Idempotent: a second run the same night finds nothing left to destroy."""
    act = retention.run(trigger=RetentionRun.Trigger.SCHEDULE)
    return {"act": act.pk if act else None, "counts": act.counts if act else {}}

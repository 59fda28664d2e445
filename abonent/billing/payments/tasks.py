"""The poller that recovers online payments whose notification from the provider was lost (or never sent):
every minute, unfinished payments older than a few minutes are read back from the provider. Idempotent: a
payment already applied stays as it is."""

from crontask import cron
from django.tasks import task

from abonent.billing.payments import services


@cron("* * * * *")
@task
def poll_online_payments() -> dict:
    result = services.poll_unfinished()
    return {"checked": result.checked, "changed": result.changed, "failed": result.failed,
            "given_up": result.given_up}

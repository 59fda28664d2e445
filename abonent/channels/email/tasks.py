"""Background work of the e-mail channel: a poll task per mailbox, enqueued every two minutes, and the
outbox: a send task per message after commit (a fan-out's: one per batch of messages) plus a sweep for retries
that have come due."""

from crontask import cron
from django.tasks import task

from abonent.channels.email import inbound, outbox
from abonent.channels.email.models import MailboxConnection


@task(queue_name="intake")
def poll_mailbox(connection_id: int) -> dict:
    result = inbound.poll_mailbox(connection_id)
    return {"skipped": result.skipped, "seen": result.seen, "recorded": result.recorded, "queued": result.queued,
            "outcomes": result.outcomes, "error": result.error}


@cron("*/2 * * * *")
@task(queue_name="intake")
def poll_mailboxes() -> int:
    """Enqueues a poll of every active mailbox; the per-mailbox lock makes overlapping polls harmless."""
    ids = list(MailboxConnection.objects.filter(poll_enabled=True, mailbox__is_active=True)
               .values_list("pk", flat=True))
    for connection_id in ids:
        poll_mailbox.enqueue(connection_id)
    return len(ids)


@task(queue_name="intake")
def register_inbound(record_ids: list[int]) -> dict:
    """Registers recorded messages; several workers may run these side by side (inbound's docstring)."""
    return inbound.register_received(record_ids)


@cron("*/5 * * * *")
@task(queue_name="intake")
def sweep_inbound() -> int:
    """Records left unregistered past inbound.STALE_AFTER are queued again, a chunk per task."""
    ids = inbound.sweep_ids()
    for start in range(0, len(ids), inbound.FETCH_CHUNK):
        register_inbound.enqueue(ids[start:start + inbound.FETCH_CHUNK])
    return len(ids)


@task(queue_name="notifications")
def deliver_email(email_id: int) -> str:
    email = outbox.deliver(email_id)
    return email.status if email else "not due"


@task(queue_name="notifications")
def deliver_emails(email_ids: list[int]) -> dict:
    """A batch of a fan-out, over one SMTP connection."""
    statuses = [email.status for email in outbox.deliver_many(email_ids)]
    return {status: statuses.count(status) for status in set(statuses)}


@cron("* * * * *")
@task(queue_name="notifications")
def retry_outbox() -> int:
    """Queued messages whose next attempt has come (after a transient SMTP error, a lost enqueue or a worker
    that died mid-batch), in batches over one SMTP connection each."""
    ids = outbox.due_ids()
    for start in range(0, len(ids), outbox.SEND_BATCH):
        outbox.deliver_many(ids[start:start + outbox.SEND_BATCH])
    return len(ids)

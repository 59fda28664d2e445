"""Background work of the e-mail channel: a poll task per mailbox, enqueued every two minutes, and the
outbox: a send task per message after commit plus a sweep for retries that have come due."""

from crontask import cron
from django.tasks import task

from abonent.channels.email import inbound, outbox
from abonent.channels.email.models import MailboxConnection


@task
def poll_mailbox(connection_id: int) -> dict:
    result = inbound.poll_mailbox(connection_id)
    return {"skipped": result.skipped, "seen": result.seen, "outcomes": result.outcomes, "error": result.error}


@cron("*/2 * * * *")
@task
def poll_mailboxes() -> int:
    """Enqueues a poll of every active mailbox; the per-mailbox lock makes overlapping polls harmless."""
    ids = list(MailboxConnection.objects.filter(poll_enabled=True, mailbox__is_active=True)
               .values_list("pk", flat=True))
    for connection_id in ids:
        poll_mailbox.enqueue(connection_id)
    return len(ids)


@task
def deliver_email(email_id: int) -> str:
    email = outbox.deliver(email_id)
    return email.status if email else "not due"


@cron("* * * * *")
@task
def retry_outbox() -> int:
    """Queued messages whose next attempt has come (after a transient SMTP error, or a lost enqueue)."""
    ids = outbox.due_ids()
    for email_id in ids:
        outbox.deliver(email_id)
    return len(ids)

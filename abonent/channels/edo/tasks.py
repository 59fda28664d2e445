"""Background work of the EDO channel: a poll of every due box every five minutes (each box has its own
interval), the outbox (a send task per document after commit plus a sweep for retries that have come due) and
the receipts (delivered → read) of what was sent."""

from crontask import cron
from django.tasks import task
from django.utils import timezone

from abonent.channels.edo import inbound, sender
from abonent.channels.edo.models import EdoBox


@task(queue_name="intake")
def poll_edo_box(box_id: int) -> dict:
    result = inbound.poll_box(box_id)
    return {"skipped": result.skipped, "registered": result.registered, "repeated": result.repeated,
            "error": result.error}


@cron("*/5 * * * *")
@task(queue_name="intake")
def poll_edo_boxes() -> int:
    """Enqueues a poll of every enabled box whose interval has passed; the per-box lock makes overlaps harmless."""
    now = timezone.now()
    boxes = [box.pk for box in EdoBox.objects.filter(polling_enabled=True) if box.is_due(now)]
    for box_id in boxes:
        poll_edo_box.enqueue(box_id)
    return len(boxes)


@task(queue_name="notifications")
def deliver_edo(outgoing_id: int) -> str:
    outgoing = sender.deliver(outgoing_id)
    return outgoing.status if outgoing else "not due"


@cron("* * * * *")
@task(queue_name="notifications")
def retry_edo_outbox() -> int:
    ids = sender.due_ids()
    for outgoing_id in ids:
        sender.deliver(outgoing_id)
    return len(ids)


@cron("*/10 * * * *")
@task(queue_name="notifications")
def check_edo_receipts() -> dict:
    return sender.check_receipts()

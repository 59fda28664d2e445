import datetime

from django.utils import timezone

from abonent.appeals.models import Appeal, AppealEvent
from abonent.core.tasks import enqueue_on_commit, kick_relay_on_commit, queued_in_database

# How long after an event's commit the database queue's relay processes it (decision 0003).
RELAY_DELAY = datetime.timedelta(seconds=1)


def record_event(appeal: Appeal, kind: str, /, *, actor=None, **data) -> AppealEvent:
    """Writes one step of the appeal's timeline and hands it to the outbox task, which runs once the transaction
    commits (on the database task queue its row commits with the event); an event left unprocessed by a crash
    is caught by the sweep."""
    return record_events(appeal, (kind, data), actor=actor)[0]


def record_events(appeal: Appeal, *steps: tuple[str, dict], actor=None) -> list[AppealEvent]:
    """Several steps of one moment in one insert (registration writes two or three). A step the outbox task has
    nothing to do for is written processed and queues no task. On the database queue the events wait for the
    relay (at most one run enqueued per process and half second); elsewhere each has its own task."""
    from abonent.appeals.tasks import HANDLED_KINDS, process_event, relay_outbox

    now = timezone.now()
    events = AppealEvent.objects.bulk_create([
        AppealEvent(appeal=appeal, kind=kind, actor=actor, data=data, at=now,
                    processed_at=None if kind in HANDLED_KINDS else now)
        for kind, data in steps
    ])
    waiting = [event.pk for event in events if event.processed_at is None]
    if waiting and queued_in_database(process_event):
        kick_relay_on_commit(relay_outbox, delay=RELAY_DELAY)
    else:
        for event_id in waiting:
            enqueue_on_commit(process_event, event_id)
    return events

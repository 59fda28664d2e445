from abonent.appeals.models import Appeal, AppealEvent
from abonent.core.tasks import enqueue_on_commit


def record_event(appeal: Appeal, kind: str, /, *, actor=None, **data) -> AppealEvent:
    """Writes one step of the appeal's timeline and hands it to the outbox task, which runs once the transaction
    commits (on the database task queue its row commits with the event); an event left unprocessed by a crash
    is caught by the sweep."""
    event = AppealEvent.objects.create(appeal=appeal, kind=kind, actor=actor, data=data)
    from abonent.appeals.tasks import process_event

    enqueue_on_commit(process_event, event.pk)
    return event

from functools import partial

from django.db import transaction

from abonent.appeals.models import Appeal, AppealEvent


def record_event(appeal: Appeal, kind: str, /, *, actor=None, **data) -> AppealEvent:
    """Writes one step of the appeal's timeline. Events that may concern the customer are handed to the
    outbox task once the transaction commits; a crash before that leaves them unprocessed for the sweep."""
    event = AppealEvent.objects.create(appeal=appeal, kind=kind, actor=actor, data=data)
    from abonent.appeals.tasks import process_event

    transaction.on_commit(partial(process_event.enqueue, event.pk))
    return event

"""Feedback test data made through the services, as production makes it."""

from django.core import mail

from abonent.appeals.models import Reply
from abonent.appeals.services import approve_reply, draft_reply, submit_reply
from abonent.appeals.tests.factories import register


def sent_reply(*, registered_by, executor, signatory, **appeal_fields) -> Reply:
    """An appeal registered, answered, signed and sent (by e-mail unless the reply channel says otherwise)."""
    appeal = register(registered_by=registered_by, **{"sender_email": "client@example.ru", **appeal_fields})
    reply = draft_reply(appeal=appeal, text="Начисление выполнено по показаниям прибора учёта.", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.SENT, reply.failure
    mail.outbox.clear()
    return reply

"""Replies and notices by e-mail (standard 2.2.6): to the address the customer wrote from or gave.
Sending means "accepted into the durable outbox" (see outbox.py); the provider id is the Message-ID,
and the message threads under the customer's own letter when the appeal came by e-mail."""

from django.utils import timezone

from abonent.appeals.delivery import DeliveryError, Notice
from abonent.appeals.models import Appeal, Reply
from abonent.channels.email.outbox import OutgoingFile, enqueue_email

SOURCE_PREFIX = "email:"


def recipient(appeal: Appeal) -> str:
    address = appeal.sender_email or (appeal.customer.email if appeal.customer else "")
    if not address:
        raise DeliveryError("У обращения нет адреса электронной почты для ответа.", permanent=True)
    return address


def thread_headers(appeal: Appeal) -> dict[str, str]:
    """In-Reply-To/References to the customer's letter, so their mail client shows one conversation."""
    key = appeal.source_key or ""
    if key.startswith(SOURCE_PREFIX + "<"):
        original = key[len(SOURCE_PREFIX):]
        return {"in_reply_to": original, "references": original}
    return {}


class EmailSender:
    def send_reply(self, reply: Reply, pdf: bytes) -> str:
        appeal = reply.appeal
        received = timezone.localtime(appeal.received_at)
        subject = f"Ответ на обращение № {appeal.number} от {received:%d.%m.%Y} (исх. № {reply.outgoing_number})"
        signature = f"\n\n{reply.signatory_position}\n{reply.signatory_name}" if reply.signatory_name else ""
        body = (f"{reply.text}{signature}\n\nИсполнитель: {reply.executor_name}, тел. {reply.executor_phone}\n"
                f"Ответ с подписью — во вложении.")
        email = enqueue_email(
            to=[recipient(appeal)], subject=subject, body=body, appeal=appeal, reply=reply,
            files=[OutgoingFile(f"Ответ {reply.outgoing_number}.pdf", pdf, "application/pdf")],
            **thread_headers(appeal))
        return email.message_id

    def send_notice(self, notice: Notice) -> str:
        email = enqueue_email(to=[recipient(notice.appeal)], subject=notice.subject, body=notice.body,
                              appeal=notice.appeal, **thread_headers(notice.appeal))
        return email.message_id

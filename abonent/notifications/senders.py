"""Handing a notice to its channel. Each handoff writes a row into the channel's own durable outbox (the
e-mail outbox, the EDO outbox, the PBX's outbound call queue) in the dispatcher's transaction, so a notice is
either handed over once together with its "sent" status or not at all; the channel then does the network
work with its own claims and retries, and its result comes back as the delivery report (receipts.py).
Returns the channel's id of the message; raises DeliveryError (permanent or transient). A channel with a batch
sender (BATCH_SENDERS) takes a dispatcher's whole batch in one go."""

from abonent.appeals.delivery import DeliveryError
from abonent.notifications.models import Channel, Notification


def _email_address(notice: Notification) -> str:
    if not notice.recipient or "@" not in notice.recipient:
        raise DeliveryError("Не указан адрес электронной почты для уведомления.", permanent=True)
    return notice.recipient


def send_email(notice: Notification) -> str:
    from abonent.channels.email.outbox import enqueue_email

    email = enqueue_email(to=[_email_address(notice)], subject=notice.subject or notice.type.name, body=notice.body)
    return email.message_id


def send_emails(notices: list[Notification]) -> dict[int, str | DeliveryError]:
    """A batch of e-mail notices written to the outbox together (one insert, a send task per outbox batch)."""
    from abonent.channels.email.outbox import Letter, enqueue_emails

    results: dict[int, str | DeliveryError] = {}
    letters, sendable = [], []
    for notice in notices:
        try:
            letters.append(Letter(to=[_email_address(notice)], subject=notice.subject or notice.type.name,
                                  body=notice.body))
            sendable.append(notice)
        except DeliveryError as error:
            results[notice.pk] = error
    for notice, email in zip(sendable, enqueue_emails(letters), strict=True):
        results[notice.pk] = email.message_id
    return results


def send_edo(notice: Notification) -> str:
    from django.db import transaction

    from abonent.channels.edo.models import EdoBox, EdoOutgoing, EdoOutgoingFile
    from abonent.channels.edo.tasks import deliver_edo
    from abonent.notifications.audience import edo_routes

    route = edo_routes([notice.customer]).get(notice.customer_id)
    if route is None:
        raise DeliveryError("Клиент не обменивается документами по ЭДО: ящик получателя неизвестен.",
                            permanent=True)
    box = EdoBox.objects.filter(polling_enabled=True).order_by("pk").first()
    if box is None:
        raise DeliveryError("Не настроен ни один ящик ЭДО для отправки.", permanent=True)
    title = (notice.subject or notice.type.name)[:500]
    outgoing = EdoOutgoing.objects.create(box=box, counterparty_inn=route.inn, counterparty_kpp=route.kpp,
                                          counterparty_box=route.box_id, title=title)
    EdoOutgoingFile.objects.create(outgoing=outgoing, name="Уведомление.txt",
                                   content=f"{title}\n\n{notice.body}\n".encode())
    transaction.on_commit(lambda: deliver_edo.enqueue(outgoing.pk))
    return str(outgoing.operation_id)


def send_phone(notice: Notification) -> str:
    from abonent.channels.phone.outbound import enqueue_outbound_call
    from abonent.channels.phone.services import PhoneError

    try:
        call = enqueue_outbound_call(notice.recipient, notice.body, f"notification:{notice.pk}")
    except PhoneError as error:
        raise DeliveryError(error.message, permanent=True) from None
    return str(call.pk)


def send_portal(notice: Notification) -> str:
    return ""


SENDERS = {
    Channel.EMAIL: send_email,
    Channel.EDO: send_edo,
    Channel.PHONE: send_phone,
    Channel.PORTAL: send_portal,
}


# Channels that take a whole batch at once: notice id → the channel's id of the message, or the DeliveryError.
BATCH_SENDERS = {
    Channel.EMAIL: send_emails,
}


def send(notice: Notification) -> str:
    sender = SENDERS.get(notice.channel)
    if sender is None:
        raise DeliveryError(f"Канал «{notice.get_channel_display()}» не отправляет уведомления.", permanent=True)
    return sender(notice)

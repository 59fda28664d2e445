"""Replies and notices through EDO (standard 2.2.7: the answer goes back the way the appeal came). Sending
means "written to the EDO outbox in the caller's transaction"; a task sends it after commit with the row's
operation id (so the operator never gets two copies, even when an answer is lost), retries transient errors
with backoff, and follows the document to the recipient's receipt (sent → delivered → read). A permanent
failure of a reply already marked sent goes back to staff through mark_reply_undelivered."""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from abonent.appeals.delivery import RETRY_DELAYS, DeliveryError, Notice
from abonent.appeals.models import Appeal, Reply
from abonent.channels.edo.client import DeliveryStatus, EdoError, EdoFile, Party
from abonent.channels.edo.models import EdoBox, EdoIncoming, EdoOutgoing, EdoOutgoingFile

log = logging.getLogger(__name__)
RECEIPT_WINDOW = datetime.timedelta(days=30)  # how long we keep asking for a receipt
STALE_SENDING = datetime.timedelta(minutes=10)
OS = EdoOutgoing.Status


def route(appeal: Appeal) -> tuple[EdoBox, Party]:
    """The box and counterparty to answer through: those of the customer's own EDO document when the appeal
    came by EDO, otherwise the customer's INN/KPP through our first active box."""
    incoming = (EdoIncoming.objects.filter(appeal=appeal).select_related("box").order_by("pk").first())
    if incoming is not None:
        return incoming.box, Party(inn=incoming.sender_inn, kpp=incoming.sender_kpp, name=incoming.sender_name,
                                   box_id=incoming.sender_box)
    inn = appeal.customer.inn if appeal.customer else appeal.sender_inn
    kpp = appeal.customer.kpp if appeal.customer else ""
    if not inn:
        raise DeliveryError("У обращения нет ИНН отправителя для ответа по ЭДО.", permanent=True)
    box = EdoBox.objects.filter(polling_enabled=True).order_by("pk").first()
    if box is None:
        raise DeliveryError("Не настроен ни один ящик ЭДО.", permanent=True)
    return box, Party(inn=inn, kpp=kpp)


def enqueue(*, appeal: Appeal, reply: Reply | None, title: str, files: list[EdoFile]) -> EdoOutgoing:
    box, party = route(appeal)
    outgoing = EdoOutgoing.objects.create(
        box=box, appeal=appeal, reply=reply, counterparty_inn=party.inn, counterparty_kpp=party.kpp,
        counterparty_box=party.box_id, title=title[:500])
    EdoOutgoingFile.objects.bulk_create([EdoOutgoingFile(outgoing=outgoing, name=f.name, content=f.content)
                                         for f in files])
    from abonent.channels.edo.tasks import deliver_edo

    transaction.on_commit(lambda: deliver_edo.enqueue(outgoing.pk))
    return outgoing


class EdoSender:
    def send_reply(self, reply: Reply, pdf: bytes) -> str:
        appeal = reply.appeal
        received = timezone.localtime(appeal.received_at)
        title = f"Ответ на обращение № {appeal.number} от {received:%d.%m.%Y} (исх. № {reply.outgoing_number})"
        outgoing = enqueue(appeal=appeal, reply=reply, title=title,
                           files=[EdoFile(f"Ответ {reply.outgoing_number}.pdf", pdf)])
        return str(outgoing.operation_id)

    def send_notice(self, notice: Notice) -> str:
        outgoing = enqueue(appeal=notice.appeal, reply=None, title=notice.subject,
                           files=[EdoFile("Уведомление.txt", f"{notice.subject}\n\n{notice.body}\n".encode())])
        return str(outgoing.operation_id)


# --- the outbox ---


def _claim(outgoing_id: int) -> EdoOutgoing | None:
    now = timezone.now()
    claimed = EdoOutgoing.objects.filter(pk=outgoing_id, status=OS.QUEUED, next_attempt_at__lte=now).update(
        status=OS.SENDING, updated_at=now)
    return EdoOutgoing.objects.select_related("box").get(pk=outgoing_id) if claimed else None


def deliver(outgoing_id: int, *, client=None) -> EdoOutgoing | None:
    """Sends a due queued document once. Returns it, or None when it is not due or another worker has it."""
    from abonent.channels.edo.inbound import client_for

    outgoing = _claim(outgoing_id)
    if outgoing is None:
        return None
    attempts = outgoing.attempts + 1
    try:
        client = client or client_for(outgoing.box)
        provider_id = client.send(
            box=outgoing.box.box_id, title=outgoing.title, operation_id=str(outgoing.operation_id),
            counterparty=Party(inn=outgoing.counterparty_inn, kpp=outgoing.counterparty_kpp,
                               box_id=outgoing.counterparty_box),
            attachments=[EdoFile(f.name, bytes(f.content)) for f in outgoing.files.order_by("pk")])
    except EdoError as error:
        log.warning("EDO document %s not sent: %s", outgoing.operation_id, error.message)
        if error.permanent or attempts > len(RETRY_DELAYS):
            return _fail(outgoing, attempts, error.message)
        outgoing.status, outgoing.attempts, outgoing.last_error = OS.QUEUED, attempts, error.message
        outgoing.next_attempt_at = timezone.now() + datetime.timedelta(seconds=RETRY_DELAYS[attempts - 1])
        outgoing.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "updated_at"])
        return outgoing
    outgoing.status, outgoing.attempts, outgoing.last_error = OS.SENT, attempts, ""
    outgoing.provider_message_id, outgoing.sent_at = provider_id, timezone.now()
    outgoing.save(update_fields=["status", "attempts", "last_error", "provider_message_id", "sent_at", "updated_at"])
    return outgoing


def _fail(outgoing: EdoOutgoing, attempts: int, text: str) -> EdoOutgoing:
    with transaction.atomic():
        outgoing.status, outgoing.attempts, outgoing.last_error = OS.FAILED, attempts, text
        outgoing.save(update_fields=["status", "attempts", "last_error", "updated_at"])
        _tell_staff(outgoing, text)
    return outgoing


def _tell_staff(outgoing: EdoOutgoing, reason: str) -> None:
    if outgoing.appeal_id is None:
        return
    from abonent.appeals.services import add_note, mark_reply_undelivered

    text = f"не доставлен по ЭДО ({outgoing.box.get_operator_display()}, ИНН {outgoing.counterparty_inn}): {reason}"
    if outgoing.reply_id:
        mark_reply_undelivered(reply_id=outgoing.reply_id, reason=f"Ответ {text}")
    else:
        add_note(appeal=outgoing.appeal, author=None, text=f"Документ «{outgoing.title}» {text}")


def due_ids(now: datetime.datetime | None = None, limit: int = 200) -> list[int]:
    """Queued documents whose attempt has come; a row left "sending" by a crashed worker is queued again
    (safe: the operation id makes the operator return the first result)."""
    now = now or timezone.now()
    EdoOutgoing.objects.filter(status=OS.SENDING, updated_at__lt=now - STALE_SENDING).update(
        status=OS.QUEUED, updated_at=now)
    return list(EdoOutgoing.objects.filter(status=OS.QUEUED, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


def check_receipts(now: datetime.datetime | None = None) -> dict[str, int]:
    """Asks the operator about every document sent in the last 30 days and not yet read."""
    from abonent.channels.edo.inbound import client_for

    now = now or timezone.now()
    counts = {DeliveryStatus.DELIVERED: 0, DeliveryStatus.READ: 0, DeliveryStatus.FAILED: 0}
    pending = (EdoOutgoing.objects.filter(status__in=[OS.SENT, OS.DELIVERED], sent_at__gte=now - RECEIPT_WINDOW)
               .select_related("box").order_by("box_id", "pk"))
    clients: dict[int, object] = {}
    for outgoing in pending:
        try:
            client = clients.setdefault(outgoing.box_id, client_for(outgoing.box))
            status = client.status(outgoing.provider_message_id)
        except EdoError as error:
            log.warning("EDO receipt for %s not read: %s", outgoing.operation_id, error.message)
            continue
        apply_status(outgoing, status, now)
        if status in counts and status != outgoing.status:
            counts[status] += 1
    return counts


def apply_status(outgoing: EdoOutgoing, status: str, now: datetime.datetime) -> None:
    outgoing.status_checked_at = now
    fields = ["status_checked_at"]
    if status == DeliveryStatus.FAILED:
        _fail(outgoing, outgoing.attempts, "оператор ЭДО сообщил об отказе или удалении документа")
        return
    if status in (DeliveryStatus.DELIVERED, DeliveryStatus.READ) and outgoing.delivered_at is None:
        outgoing.status, outgoing.delivered_at = OS.DELIVERED, now
        fields += ["status", "delivered_at"]
    if status == DeliveryStatus.READ and outgoing.read_at is None:
        outgoing.status, outgoing.read_at = OS.READ, now
        fields += ["status", "read_at"]
        if outgoing.reply_id:
            from abonent.appeals.services import add_note

            with transaction.atomic():
                outgoing.save(update_fields=sorted(set(fields)) + ["updated_at"])
                add_note(appeal=outgoing.appeal, author=None,
                         text=f"Ответ получен клиентом по ЭДО: «{outgoing.title}», "
                              f"{timezone.localtime(now):%d.%m.%Y %H:%M}.")
            return
    outgoing.save(update_fields=sorted(set(fields)) + ["updated_at"])

"""Appeal notices in the journal. The appeals module sends its own acknowledgements, extension notices and
replies through the channel senders (appeals/tasks.py); they must not be sent again. So this module only
records them: a sweep reads the committed appeal events after a cursor and writes, for each notice the
appeals module sent, a notice row with what the channel's outbox holds (recipient, subject, text, status,
provider id); the delivery reports then follow it like any other notice. A copy goes to the customer's portal
notices when the customer has a portal login and has not declined it.

- ACKNOWLEDGED (written after the acknowledgement was sent, with channel and provider id) → appeal_registered;
- REPLY_SENT (channel, provider id) → appeal_reply_sent;
- DEADLINE_EXTENDED → appeal_extended, once the event is processed (the notice goes out then), matched to the
  outbox row the sender wrote for it."""

import datetime

from django.db import transaction
from django.utils import timezone

from abonent.appeals.models import AppealEvent, Reply
from abonent.notifications import rendering
from abonent.notifications.audience import PORTAL_RECIPIENT, Audience
from abonent.notifications.compose import dedupe_key
from abonent.notifications.models import Channel, Notification, NotificationType, SyncState

E = AppealEvent.Kind
N = Notification.Status
CURSOR = "appeal_events"
TYPE_OF = {E.ACKNOWLEDGED: "appeal_registered", E.REPLY_SENT: "appeal_reply_sent",
           E.DEADLINE_EXTENDED: "appeal_extended"}
WAIT_FOR_PROCESSING = datetime.timedelta(hours=6)
EXTENSION_SUBJECT = "Продление срока рассмотрения обращения"


def sweep(*, now: datetime.datetime | None = None, limit: int = 1000) -> int:
    """Mirrors the new appeal events; returns the number of notice rows written."""
    now = now or timezone.now()
    with transaction.atomic():
        SyncState.objects.get_or_create(name=CURSOR)
        state = SyncState.objects.select_for_update().get(name=CURSOR)
        events = list(AppealEvent.objects.filter(pk__gt=state.position, kind__in=list(TYPE_OF))
                      .select_related("appeal__customer").order_by("pk")[:limit])
        types = {t.code: t for t in NotificationType.objects.filter(code__in=TYPE_OF.values())}
        written = 0
        for event in events:
            if (event.kind == E.DEADLINE_EXTENDED and event.processed_at is None
                    and event.at > now - WAIT_FOR_PROCESSING):
                break  # its notice is not sent yet; look again on the next sweep
            written += mirror(event, types)
            state.position = event.pk
        state.save(update_fields=["position", "updated_at"])
    return written


def mirror(event: AppealEvent, types: dict[str, NotificationType]) -> int:
    appeal = event.appeal
    type = types.get(TYPE_OF[event.kind])
    if appeal.customer is None or type is None:
        return 0
    channel = event.data.get("channel") or appeal.reply_channel
    sent = _sent_notice(event, channel)
    rows = []
    if sent is not None:
        rows.append(Notification(type=type, kind=type.code, channel=channel, customer=appeal.customer,
                                 account=appeal.billing_account, appeal=appeal,
                                 dedupe_key=dedupe_key(type.code, appeal.customer_id, f"e{event.pk}", channel), **sent))
    if channel != Channel.PORTAL:
        copy = _portal_copy(event, type)
        if copy is not None:
            rows.append(copy)
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _sent_notice(event: AppealEvent, channel: str) -> dict | None:
    """Recipient, texts and status of the notice the appeals module sent for `event`, from the channel's
    outbox; None when nothing was sent (a channel without notices, or a failure recorded as a note)."""
    appeal, provider_id = event.appeal, event.data.get("provider_id", "")
    extension = event.kind == E.DEADLINE_EXTENDED
    if channel == Channel.EMAIL:
        from abonent.channels.email.models import OutgoingEmail

        mails = OutgoingEmail.objects.filter(appeal=appeal)
        mail = (mails.filter(reply=None, subject__startswith=EXTENSION_SUBJECT, created_at__gte=event.at)
                .order_by("pk").first() if extension else mails.filter(message_id=provider_id).first())
        if mail is None:
            return None
        status = {"sent": N.DELIVERED, "failed": N.FAILED}.get(mail.status, N.SENT)
        body = mail.body + ("\n\n[Вложение: ответ с подписью, PDF]" if mail.reply_id else "")
        return _row(", ".join(mail.recipients), mail.subject, body, status, provider_id=mail.message_id,
                    sent_at=mail.created_at, delivered_at=mail.sent_at if status == N.DELIVERED else None,
                    error=mail.last_error if status == N.FAILED else "")
    if channel == Channel.EDO:
        from abonent.channels.edo.models import EdoOutgoing

        docs = EdoOutgoing.objects.filter(appeal=appeal)
        doc = (docs.filter(reply=None, title__startswith=EXTENSION_SUBJECT, created_at__gte=event.at)
               .order_by("pk").first() if extension else docs.filter(operation_id=_uuid(provider_id)).first())
        if doc is None:
            return None
        status = {"delivered": N.DELIVERED, "read": N.READ, "failed": N.FAILED}.get(doc.status, N.SENT)
        files = list(doc.files.order_by("pk").values_list("name", "content"))
        body = "\n".join(bytes(content).decode("utf-8", "replace") if name.endswith(".txt") else f"[Файл: {name}]"
                         for name, content in files)
        recipient = f"ИНН {doc.counterparty_inn}" + (f", КПП {doc.counterparty_kpp}" if doc.counterparty_kpp else "")
        return _row(recipient, doc.title, body, status, provider_id=str(doc.operation_id), sent_at=doc.created_at,
                    delivered_at=doc.delivered_at, read_at=doc.read_at,
                    error=doc.last_error if status == N.FAILED else "")
    if event.kind == E.REPLY_SENT:
        reply = Reply.objects.filter(pk=event.data.get("reply")).first()
        if reply is None:
            return None
        subject = f"Ответ на обращение № {appeal.number} (исх. № {reply.outgoing_number})"
        portal = channel == Channel.PORTAL
        recipient = PORTAL_RECIPIENT if portal else (provider_id or appeal.get_reply_channel_display())
        sent_at = reply.sent_at or event.at
        return _row(recipient, subject, reply.text, N.DELIVERED if portal else N.SENT, provider_id=provider_id,
                    sent_at=sent_at, delivered_at=sent_at if portal else None)
    if event.kind == E.ACKNOWLEDGED and channel == Channel.PORTAL:
        from abonent.appeals import notices

        notice = notices.acknowledgement(appeal)
        return _row(PORTAL_RECIPIENT, notice.subject, notice.body, N.DELIVERED, provider_id=provider_id,
                    sent_at=event.at, delivered_at=event.at)
    return None


def _row(recipient, subject, body, status, *, provider_id="", sent_at=None, delivered_at=None, read_at=None,
         error="") -> dict:
    return {"recipient": recipient[:254], "subject": subject[:300], "body": body, "status": status,
            "provider_id": provider_id[:300], "created_at": sent_at or timezone.now(), "sent_at": sent_at,
            "delivered_at": delivered_at, "read_at": read_at, "error": error, "attempts": 1}


def _uuid(value: str):
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def appeal_vars(event: AppealEvent) -> dict:
    appeal = event.appeal
    return {"appeal": {
        "number": appeal.number, "registered_at": timezone.localtime(appeal.registered_at).date(),
        "due_at": timezone.localtime(appeal.due_at).date(), "reply_channel": appeal.get_reply_channel_display(),
        "reply_sent_at": timezone.localtime(event.at).date()},
        "reason": event.data.get("reason", "") if event.kind == E.DEADLINE_EXTENDED else ""}


def _portal_copy(event: AppealEvent, type: NotificationType) -> Notification | None:
    customer = event.appeal.customer
    template = type.templates.filter(channel=Channel.PORTAL).first()
    if template is None or not type.is_active:
        return None
    audience = Audience([customer], [type])
    if Channel.PORTAL not in dict(audience.choose(customer, type, [Channel.PORTAL])):
        return None
    context = rendering.context_for(customer=customer, account=event.appeal.billing_account, **appeal_vars(event))
    text = rendering.render(subject=template.subject, body=template.body, context=context)
    return Notification(type=type, kind=type.code, channel=Channel.PORTAL, customer=customer,
                        account=event.appeal.billing_account, appeal=event.appeal, recipient=PORTAL_RECIPIENT,
                        subject=text.subject, body=text.body, status=N.DELIVERED, attempts=0, created_at=event.at,
                        sent_at=event.at, delivered_at=event.at,
                        dedupe_key=dedupe_key(type.code, customer.pk, f"e{event.pk}", Channel.PORTAL))

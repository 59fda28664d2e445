"""Delivery reports: what each channel's outbox learned about a notice it was handed, copied onto the notice.

- e-mail: accepted by the SMTP server → delivered (ПП 442 п. 8(1): an e-mail notice is deemed received when
  sent); refused for good or bounced → failed;
- EDO: the operator's receipts → delivered, then read; refused → failed;
- phone: the PBX reports the call answered → delivered; busy / no answer / failed after the last attempt →
  failed;
- portal: delivered when written, read when the customer opens it (selectors.open_notice)."""

import datetime
import uuid

from django.utils import timezone

from abonent.notifications.models import Channel, Notification

N = Notification.Status
WINDOW = datetime.timedelta(days=30)
CHUNK = 500


def _open(channel: str, statuses, now) -> list[tuple[int, str, str]]:
    return list(Notification.objects.filter(channel=channel, status__in=statuses, sent_at__gte=now - WINDOW)
                .exclude(provider_id="").order_by("pk").values_list("pk", "provider_id", "status"))


def _chunks(rows):
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


def _update(pk: int, **fields) -> int:
    return Notification.objects.filter(pk=pk).update(updated_at=timezone.now(), **fields)


def sync_email(now) -> dict[str, int]:
    from abonent.channels.email.models import OutgoingEmail

    counts = {"delivered": 0, "failed": 0}
    for rows in _chunks(_open(Channel.EMAIL, [N.SENT, N.DELIVERED], now)):
        mails = {m.message_id: m for m in OutgoingEmail.objects.filter(message_id__in=[r[1] for r in rows])
                 .only("message_id", "status", "sent_at", "last_error")}
        for pk, provider_id, status in rows:
            mail = mails.get(provider_id)
            if mail is None:
                continue
            if mail.status == OutgoingEmail.Status.SENT and status == N.SENT:
                counts["delivered"] += _update(pk, status=N.DELIVERED, delivered_at=mail.sent_at or now)
            elif mail.status == OutgoingEmail.Status.FAILED:
                counts["failed"] += _update(pk, status=N.FAILED, error=mail.last_error[:2000])
    return counts


def sync_edo(now) -> dict[str, int]:
    from abonent.channels.edo.models import EdoOutgoing

    S = EdoOutgoing.Status
    counts = {"delivered": 0, "read": 0, "failed": 0}
    for rows in _chunks(_open(Channel.EDO, [N.SENT, N.DELIVERED], now)):
        ids = []
        for _, provider_id, _ in rows:
            try:
                ids.append(uuid.UUID(provider_id))
            except ValueError:
                continue
        docs = {str(d.operation_id): d for d in EdoOutgoing.objects.filter(operation_id__in=ids)
                .only("operation_id", "status", "delivered_at", "read_at", "last_error")}
        for pk, provider_id, status in rows:
            doc = docs.get(provider_id)
            if doc is None:
                continue
            if doc.status == S.READ:
                counts["read"] += _update(pk, status=N.READ, delivered_at=doc.delivered_at or now,
                                          read_at=doc.read_at or now)
            elif doc.status == S.DELIVERED and status == N.SENT:
                counts["delivered"] += _update(pk, status=N.DELIVERED, delivered_at=doc.delivered_at or now)
            elif doc.status == S.FAILED:
                counts["failed"] += _update(pk, status=N.FAILED, error=doc.last_error[:2000])
    return counts


def sync_phone(now) -> dict[str, int]:
    from abonent.channels.phone.models import OutboundCall

    S = OutboundCall.Status
    counts = {"delivered": 0, "failed": 0}
    for rows in _chunks(_open(Channel.PHONE, [N.SENT], now)):
        calls = {str(c.pk): c for c in OutboundCall.objects.filter(
            pk__in=[int(r[1]) for r in rows if r[1].isdigit()]).only("status", "finished_at", "attempts", "result")}
        for pk, provider_id, _ in rows:
            call = calls.get(provider_id)
            if call is None or call.status not in OutboundCall.FINAL:
                continue
            if call.status == S.ANSWERED:
                counts["delivered"] += _update(pk, status=N.DELIVERED, delivered_at=call.finished_at or now)
            else:
                reason = f"Автозвонок: {call.get_status_display()} (попыток: {call.attempts})"
                counts["failed"] += _update(pk, status=N.FAILED, error=reason + (f". {call.result}" if call.result
                                                                                  else ""))
    return counts


def sync_all(now: datetime.datetime | None = None) -> dict[str, dict[str, int]]:
    now = now or timezone.now()
    return {"email": sync_email(now), "edo": sync_edo(now), "phone": sync_phone(now)}

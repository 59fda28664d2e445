"""Delivery reports: what each channel's outbox learned about a notice it was handed, copied onto the notice.

- e-mail: accepted by the SMTP server → delivered (ПП 442 п. 8(1): an e-mail notice is deemed received when
  sent); refused for good or bounced → failed;
- EDO: the operator's receipts → delivered, then read; refused → failed;
- phone: the PBX reports the call answered → delivered; busy / no answer / failed after the last attempt →
  failed;
- portal: delivered when written, read when the customer opens it (selectors.open_notice).

Each minute's pass looks up the notices still "sent" in their channel's outbox. What changes after delivery (a
bounce, an EDO read receipt) is found the other way round: the outbox rows changed since the last pass (a
cursor in SyncState, read with an overlap for transactions committed late), matched to their notices; so the
pass does not grow with the month's delivered notices (100,000 delivered e-mails cost ~5 s a minute)."""

import datetime
import uuid

from django.utils import timezone

from abonent.notifications.models import Channel, Notification, SyncState

N = Notification.Status
WINDOW = datetime.timedelta(days=30)
OVERLAP = datetime.timedelta(minutes=5)
CHUNK = 500


def _open(channel: str, statuses, now) -> list[tuple[int, str, str]]:
    return list(Notification.objects.filter(channel=channel, status__in=statuses, sent_at__gte=now - WINDOW)
                .exclude(provider_id="").order_by("pk").values_list("pk", "provider_id", "status"))


def _chunks(rows):
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


def _update(pk: int, **fields) -> int:
    return Notification.objects.filter(pk=pk).update(updated_at=timezone.now(), **fields)


def _stamp(moment: datetime.datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _changed(name: str, queryset, now: datetime.datetime):
    """The rows of `queryset` changed since the cursor `name` was last advanced (minus OVERLAP); on the first
    pass, those of the window."""
    state, _ = SyncState.objects.get_or_create(name=name, defaults={"position": _stamp(now - WINDOW)})
    since = datetime.datetime.fromtimestamp(state.position / 1_000_000, tz=datetime.UTC) - OVERLAP
    return queryset.filter(updated_at__gte=since)


def _advance(name: str, now: datetime.datetime) -> None:
    SyncState.objects.filter(name=name).update(position=_stamp(now))


def _delivered(channel: str, provider_ids: list[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for pk, provider_id in Notification.objects.filter(channel=channel, status=N.DELIVERED,
                                                       provider_id__in=provider_ids).values_list("pk", "provider_id"):
        found.setdefault(provider_id, []).append(pk)
    return found


def sync_email(now) -> dict[str, int]:
    from abonent.channels.email.models import OutgoingEmail

    counts = {"delivered": 0, "failed": 0}
    for rows in _chunks(_open(Channel.EMAIL, [N.SENT], now)):
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
    # A bounce fails a letter the server had accepted.
    bounced = list(_changed("receipts:email", OutgoingEmail.objects.filter(status=OutgoingEmail.Status.FAILED), now)
                   .values_list("message_id", "last_error"))
    for chunk in _chunks(bounced):
        errors = dict(chunk)
        for provider_id, pks in _delivered(Channel.EMAIL, list(errors)).items():
            for pk in pks:
                counts["failed"] += _update(pk, status=N.FAILED, error=errors[provider_id][:2000])
    _advance("receipts:email", now)
    return counts


def sync_edo(now) -> dict[str, int]:
    from abonent.channels.edo.models import EdoOutgoing

    S = EdoOutgoing.Status
    counts = {"delivered": 0, "read": 0, "failed": 0}
    for rows in _chunks(_open(Channel.EDO, [N.SENT], now)):
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
    # Read, or refused, after delivery was recorded.
    later = list(_changed("receipts:edo", EdoOutgoing.objects.filter(status__in=[S.READ, S.FAILED]), now)
                 .only("operation_id", "status", "delivered_at", "read_at", "last_error"))
    for chunk in _chunks(later):
        docs = {str(d.operation_id): d for d in chunk}
        for provider_id, pks in _delivered(Channel.EDO, list(docs)).items():
            doc = docs[provider_id]
            for pk in pks:
                if doc.status == S.READ:
                    counts["read"] += _update(pk, status=N.READ, read_at=doc.read_at or now)
                else:
                    counts["failed"] += _update(pk, status=N.FAILED, error=doc.last_error[:2000])
    _advance("receipts:edo", now)
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

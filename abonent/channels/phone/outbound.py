"""The queue of outbound auto-informing calls: enqueued by other apps (the notifications issue), fetched and
dialled by the PBX, which reports each attempt's result. Customers are called only while the phone line is
open (standard 2.2.2.3); busy and no answer are retried after 10, 20, 40… minutes until max_attempts."""

import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from abonent.calendar.services import is_open, next_open_moment
from abonent.channels.phone.events import normalize_number
from abonent.channels.phone.models import OutboundCall
from abonent.channels.phone.services import PhoneError
from abonent.organisation.models import Channel

Status = OutboundCall.Status
FIRST_RETRY = dt.timedelta(minutes=10)
STALE_AFTER = dt.timedelta(minutes=15)  # a claimed call with no report by then is offered again
MAX_LIMIT = 50
RESULTS = (Status.ANSWERED, Status.BUSY, Status.NO_ANSWER, Status.FAILED)


def _open_from(moment: dt.datetime) -> dt.datetime:
    return next_open_moment(Channel.PHONE, moment) or moment


def enqueue_outbound_call(number: str, text: str, source: str, *, audio_template: str = "",
                          max_attempts: int = 3) -> OutboundCall:
    """Queues a call to `number` that plays `text` (or the PBX's `audio_template`); `source` names what it
    belongs to, e.g. "notification:15". A source already queued and not finished returns that call."""
    number = normalize_number(number)
    if not number:
        raise PhoneError("Не указан номер для автозвонка.", field="number")
    if not text.strip() and not audio_template.strip():
        raise PhoneError("Для автозвонка нужен текст сообщения или звуковой шаблон.", field="message_text")
    if max_attempts < 1:
        raise PhoneError("Число попыток должно быть не меньше одной.", field="max_attempts")
    if source and (existing := OutboundCall.objects.filter(source=source, number=number,
                                                           status__in=(Status.QUEUED, Status.IN_PROGRESS)).first()):
        return existing
    return OutboundCall.objects.create(number=number, message_text=text.strip(), audio_template=audio_template.strip(),
                                       source=source, max_attempts=max_attempts,
                                       next_attempt_at=_open_from(timezone.now()))


def _claimable(now: dt.datetime) -> Q:
    return Q(status=Status.QUEUED, next_attempt_at__lte=now) | Q(status=Status.IN_PROGRESS,
                                                                 claimed_at__lt=now - STALE_AFTER)


def claim_outbound(limit: int, *, now: dt.datetime | None = None) -> list[OutboundCall]:
    """Hands up to `limit` due calls to the PBX, each counted as an attempt. Every row is taken with a
    conditional update, so two fetchers never get the same call. Nothing while the line is closed."""
    now = now or timezone.now()
    limit = max(1, min(limit, MAX_LIMIT))
    if not is_open(Channel.PHONE, now):
        return []
    claimed: list[int] = []
    candidates = OutboundCall.objects.filter(_claimable(now)).order_by("next_attempt_at", "pk")
    for pk in candidates.values_list("pk", flat=True)[: limit * 3]:
        taken = OutboundCall.objects.filter(_claimable(now), pk=pk).update(
            status=Status.IN_PROGRESS, attempts=F("attempts") + 1, claimed_at=now)
        if taken:
            claimed.append(pk)
            if len(claimed) == limit:
                break
    return list(OutboundCall.objects.filter(pk__in=claimed).order_by("next_attempt_at", "pk"))


@transaction.atomic
def record_outbound_result(*, outbound: OutboundCall, result: str, detail: str = "") -> OutboundCall:
    """The PBX's report on an attempt. Answered ends the call; busy, no answer and failure are retried with a
    doubling pause until max_attempts, then stay as the final status. A repeated report of a finished
    call changes nothing; a report on a call not being dialled is refused."""
    if result not in RESULTS:
        raise PhoneError(f"Неизвестный результат «{result[:40]}»: допустимы {', '.join(RESULTS)}.", field="result")
    outbound = OutboundCall.objects.select_for_update().get(pk=outbound.pk)
    if outbound.status in OutboundCall.FINAL and outbound.status == result:
        return outbound
    if outbound.status != Status.IN_PROGRESS:
        raise PhoneError(f"Автозвонок сейчас не набирается (состояние: {outbound.get_status_display()}).")
    now = timezone.now()
    outbound.result = detail.strip()[:500]
    if result == Status.ANSWERED or outbound.attempts >= outbound.max_attempts:
        outbound.status, outbound.finished_at = result, now
    else:
        outbound.status = Status.QUEUED
        outbound.next_attempt_at = _open_from(now + FIRST_RETRY * 2 ** (outbound.attempts - 1))
    outbound.save(update_fields=["status", "result", "finished_at", "next_attempt_at"])
    return outbound

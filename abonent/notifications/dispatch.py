"""The dispatcher: claims due queued notices of a channel, at most the channel's rate per minute, and hands each to
its channel in one transaction with its new status. Claims never overlap: on PostgreSQL the rows are picked with
SELECT … FOR UPDATE SKIP LOCKED, on SQLite (one writer at a time) by a conditional status transition queued →
sending stamped with a claim token. The rate holds across workers: a claim counts the notices handed over in the
last minute and those another worker has claimed and is still handing over, and claims of one channel take turns
(its ChannelSetting row locked; SQLite's write lock does the same). A worker that dies after claiming leaves
rows "sending" that were handed to nobody (the handoff commits with the status), so they are queued again after
STALE_CLAIM. A transient failure is retried after the shared backoff RETRY_DELAYS; a permanent one, or the last
attempt, fails the notice with the reason shown to staff. A channel with a batch sender (e-mail) takes a whole
batch in a few statements; the others a notice at a time, each in its own savepoint."""

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from abonent.appeals.delivery import RETRY_DELAYS, DeliveryError
from abonent.notifications import senders
from abonent.notifications.models import ChannelSetting, Notification

log = logging.getLogger(__name__)
N = Notification.Status
BATCH = 200
STALE_CLAIM = datetime.timedelta(minutes=10)
DEFAULT_RATE = 600


@dataclass
class Outcome:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


def capacity(channel: str, now: datetime.datetime, setting: ChannelSetting | None = None) -> int:
    """How many more notices the channel may take in the current minute (throttling is data:
    ChannelSetting.rate_per_minute; a disabled channel takes none). Counted: the notices handed over in the
    last minute and those claimed in it that a worker is still handing over."""
    setting = setting or ChannelSetting.objects.filter(channel=channel).first()
    if setting is not None and not setting.is_enabled:
        return 0
    rate = setting.rate_per_minute if setting is not None else DEFAULT_RATE
    window = now - datetime.timedelta(minutes=1)
    # Two counts, each on its own index (channel and sent_at; status): a notice being handed over has no
    # sent_at yet, so none is counted twice.
    handed = Notification.objects.filter(channel=channel, sent_at__gt=window, claim_token__gt="").count()
    in_flight = Notification.objects.filter(status=N.SENDING, channel=channel, claimed_at__gt=window).count()
    return max(0, rate - handed - in_flight)


def claim(channel: str, limit: int, *, now: datetime.datetime | None = None) -> list[Notification]:
    """Takes up to `limit` due notices of the channel for this worker alone, within the minute's rate."""
    now = now or timezone.now()
    if limit <= 0:
        return []
    token = uuid.uuid4().hex
    due = Notification.objects.due(now).filter(channel=channel).order_by("next_attempt_at", "pk")
    with transaction.atomic():
        # Claims of the channel take turns, so two workers cannot both spend the same minute's room.
        setting = ChannelSetting.objects.select_for_update().filter(channel=channel).first()
        limit = min(limit, capacity(channel, now, setting))
        if limit <= 0:
            return []
        if connection.features.has_select_for_update_skip_locked:
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
        else:
            ids = list(due.values_list("pk", flat=True)[:limit])
        Notification.objects.filter(pk__in=ids, status=N.QUEUED).update(
            status=N.SENDING, claim_token=token, claimed_at=now)
    return list(Notification.objects.filter(claim_token=token, status=N.SENDING)
                .select_related("type", "customer").order_by("next_attempt_at", "pk"))


def send_batch(batch: list[Notification], *, now: datetime.datetime | None = None) -> Outcome:
    """Hands claimed notices to their channels in one transaction, a savepoint per notice: a notice whose
    handoff fails is rolled back alone and retried or failed. A crash loses the whole batch's handoffs and
    statuses together, and its rows, still "sending", are queued again after STALE_CLAIM."""
    now = now or timezone.now()
    outcome = Outcome()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        hooks_from = len(connection.run_on_commit)
        statuses = _send_together(batch, now)
        if statuses is None:
            statuses = [_send_one(notice, now) for notice in batch]
        for status in statuses:
            if status == N.SENT:
                outcome.sent += 1
            elif status == N.QUEUED:
                outcome.retried += 1
            else:
                outcome.failed += 1
        deferred = connection.run_on_commit[hooks_from:] if outermost else []
        del connection.run_on_commit[hooks_from:hooks_from + len(deferred)]
    _run_together(deferred)
    return outcome


def _send_together(batch: list[Notification], now: datetime.datetime) -> list[str] | None:
    """A batch of one channel that has a batch sender, handed over in a few statements instead of a few per
    notice: the channel's rows in bulk, the sent notices' statuses in bulk. None when the channel has no batch
    sender or the database refused the batch (rolled back; the notices then go one by one, so the one that
    fails is retried alone)."""
    channels = {notice.channel for notice in batch}
    sender = senders.BATCH_SENDERS.get(channels.pop()) if len(channels) == 1 else None
    if sender is None:
        return None
    try:
        with transaction.atomic():
            results = sender(batch)
            sent = [Notification(pk=notice.pk, provider_id=results[notice.pk][:300]) for notice in batch
                    if isinstance(results[notice.pk], str)]
            Notification.objects.filter(pk__in=[notice.pk for notice in sent]).update(
                status=N.SENT, attempts=F("attempts") + 1, sent_at=now, error="", updated_at=now)
            Notification.objects.bulk_update(sent, ["provider_id"])
    except DatabaseError as error:
        log.warning("a batch of %s notices not handed over together, one by one instead: %s", len(batch), error)
        return None
    statuses = []
    for notice in batch:
        result = results[notice.pk]
        if isinstance(result, str):
            statuses.append(N.SENT)
        else:
            statuses.append(_failed_attempt(notice, notice.attempts + 1, result.message, permanent=result.permanent,
                                            now=now))
    return statuses


def _send_one(notice: Notification, now: datetime.datetime) -> str:
    attempts = notice.attempts + 1
    try:
        with transaction.atomic():
            provider_id = senders.send(notice)
            Notification.objects.filter(pk=notice.pk).update(
                status=N.SENT, attempts=attempts, sent_at=now, provider_id=provider_id[:300], error="",
                updated_at=now)
        return N.SENT
    except DeliveryError as error:
        return _failed_attempt(notice, attempts, error.message, permanent=error.permanent, now=now)
    except DatabaseError as error:
        log.warning("notice %s not handed over: %s", notice.pk, error)
        return _failed_attempt(notice, attempts, f"Ошибка базы данных: {error}", permanent=False, now=now)


def _run_together(hooks: list) -> None:
    """The channels' after-commit work of a batch (the e-mail outbox enqueues one send task per message)
    run in one transaction after the batch committed, instead of one commit each: on PostgreSQL a commit
    per task row costs a disk flush. A hook that fails is logged; its message stays queued in the channel's
    outbox, whose sweep sends what a lost enqueue left behind."""
    if not hooks:
        return
    with transaction.atomic():
        for _, func, _robust in hooks:
            try:
                with transaction.atomic():
                    func()
            except Exception:
                log.exception("after-commit work of a notice batch failed")


def _failed_attempt(notice: Notification, attempts: int, message: str, *, permanent: bool,
                    now: datetime.datetime) -> str:
    if permanent or attempts > len(RETRY_DELAYS):
        suffix = "" if permanent else f" (попыток: {attempts})"
        Notification.objects.filter(pk=notice.pk).update(status=N.FAILED, attempts=attempts,
                                                         error=message + suffix, updated_at=now)
        return N.FAILED
    Notification.objects.filter(pk=notice.pk).update(
        status=N.QUEUED, attempts=attempts, error=message, updated_at=now,
        next_attempt_at=now + datetime.timedelta(seconds=RETRY_DELAYS[attempts - 1]))
    return N.QUEUED


def dispatch(channel: str, *, now: datetime.datetime | None = None, limit: int | None = None) -> Outcome:
    """Sends due notices of the channel in batches until none is due or the minute's rate is used up."""
    outcome = Outcome()
    while True:
        current = now or timezone.now()
        room = BATCH if limit is None else min(BATCH, limit - outcome.handled)
        batch = claim(channel, room, now=current)
        if not batch:
            return outcome
        done = send_batch(batch, now=current)
        outcome.sent += done.sent
        outcome.retried += done.retried
        outcome.failed += done.failed


def requeue_stale(now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return Notification.objects.filter(status=N.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=N.QUEUED, updated_at=now)


def due_channels(now: datetime.datetime | None = None) -> list[str]:
    return sorted(set(Notification.objects.due(now).values_list("channel", flat=True).distinct()))

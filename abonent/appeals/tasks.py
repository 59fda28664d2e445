"""Background work on appeals: the outbox of committed events (acknowledgements, notices, escalations),
reply delivery with retries, and the periodic sweeps that catch what a crash left behind and watch
the deadlines. Every task is idempotent: running it twice does the work once."""

import datetime
import logging

from crontask import cron
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from abonent.appeals import delivery, notices
from abonent.appeals.models import Appeal, AppealEvent, Reply
from abonent.calendar.services import add_working_days

log = logging.getLogger(__name__)
E = AppealEvent.Kind


@task(queue_name="intake")
def process_event(event_id: int) -> None:
    with transaction.atomic():
        event = (AppealEvent.objects.select_for_update(skip_locked=True).select_related("appeal")
                 .filter(pk=event_id, processed_at__isnull=True).first())
        if event is None:
            return
        _HANDLERS.get(event.kind, _nothing)(event)
        event.processed_at = timezone.now()
        event.save(update_fields=["processed_at"])


def _nothing(event: AppealEvent) -> None:
    return None


def _notify_customer(appeal: Appeal, notice: delivery.Notice, *, after: str) -> None:
    from abonent.appeals.services.events import record_event

    sender = delivery.sender_for(appeal.reply_channel)
    if sender is None or not getattr(sender, "sends_notices", True):
        return
    try:
        provider_id = sender.send_notice(notice)
    except delivery.DeliveryError as error:
        log.warning("notice for %s not delivered: %s", appeal.number, error.message)
        if not error.permanent:
            raise
        record_event(appeal, E.NOTE, text=f"Уведомление не доставлено: {error.message}")
        return
    if after == "acknowledgement":
        record_event(appeal, E.ACKNOWLEDGED, channel=appeal.reply_channel, provider_id=provider_id)


def _on_registered(event: AppealEvent) -> None:
    _notify_customer(event.appeal, notices.acknowledgement(event.appeal), after="acknowledgement")


def _on_extended(event: AppealEvent) -> None:
    _notify_customer(event.appeal, notices.extension(event.appeal, reason=event.data.get("reason", "")),
                     after="extension")


def _mail_staff(appeal: Appeal, headline: str, users) -> None:
    recipients = sorted({u.email for u in users if u is not None and u.email and u.is_active})
    if recipients:
        subject, body = notices.staff_message(appeal, headline)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def _on_conflict(event: AppealEvent) -> None:
    _mail_staff(event.appeal, "Конфликтная ситуация — требуется вмешательство руководителя",
                [event.appeal.department.head])


def _on_reminder(event: AppealEvent) -> None:
    _mail_staff(event.appeal, "Приближается срок ответа", [event.appeal.executor, event.appeal.department.head])


def _on_overdue(event: AppealEvent) -> None:
    _mail_staff(event.appeal, "Нарушен срок ответа", [event.appeal.department.head, event.appeal.executor])


def _on_submitted(event: AppealEvent) -> None:
    reply = Reply.objects.filter(pk=event.data.get("reply")).select_related("signatory").first()
    if reply and reply.signatory:
        _mail_staff(event.appeal, "Ответ передан Вам на подпись", [reply.signatory])


def _on_approved(event: AppealEvent) -> None:
    reply_id = event.data.get("reply")
    transaction.on_commit(lambda: deliver_reply.enqueue(reply_id))


_HANDLERS = {
    E.REGISTERED: _on_registered,
    E.DEADLINE_EXTENDED: _on_extended,
    E.CONFLICT: _on_conflict,
    E.REMINDER: _on_reminder,
    E.OVERDUE: _on_overdue,
    E.REPLY_SUBMITTED: _on_submitted,
    E.REPLY_APPROVED: _on_approved,
}
HANDLED_KINDS = frozenset(_HANDLERS)


@task(queue_name="notifications")
def deliver_reply(reply_id: int) -> None:
    from abonent.appeals.services.replies import mark_failed, send_reply

    try:
        send_reply(reply_id=reply_id)
    except delivery.DeliveryError as error:
        reply = Reply.objects.get(pk=reply_id)
        attempt = reply.delivery_attempts
        Reply.objects.filter(pk=reply_id).update(delivery_attempts=attempt + 1)
        if attempt >= len(delivery.RETRY_DELAYS):
            mark_failed(reply_id=reply_id, message=f"{error.message} (попыток: {attempt + 1})")
            return
        run_after = timezone.now() + datetime.timedelta(seconds=delivery.RETRY_DELAYS[attempt])
        deliver_reply.using(run_after=run_after).enqueue(reply_id)


# Events waiting longer are the sweep's, a failing one included: retried once a minute, not at every relay run.
SWEPT_AFTER = datetime.timedelta(minutes=1)


@task(queue_name="intake")
def relay_outbox() -> int:
    """On the database queue events enqueue no task each but this one (services.events.record_events): it
    processes the events of the last minute waiting when it starts, oldest first; those committed later have
    their own run."""
    waiting = AppealEvent.objects.filter(processed_at__isnull=True, at__gte=timezone.now() - SWEPT_AFTER)
    last = waiting.order_by("-pk").values_list("pk", flat=True).first()
    return _process_waiting(waiting.filter(pk__lte=last)) if last else 0


def _process_waiting(events, batch: int = 500) -> int:
    done, after = 0, 0
    while ids := list(events.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch]):
        for event_id in ids:
            try:
                process_event.call(event_id)
            except Exception:  # left waiting for the sweep; the others go on
                log.exception("event %s not processed", event_id)
        done, after = done + len(ids), ids[-1]
    return done


@cron("* * * * *")
@task(queue_name="notifications")
def sweep_outbox() -> int:
    """Events a crash left unprocessed (the on-commit enqueue never happened, or a transaction committed after
    the relay's run had looked) are processed here."""
    stale = timezone.now() - SWEPT_AFTER
    done = _process_waiting(AppealEvent.objects.filter(processed_at__isnull=True, at__lt=stale))
    approved = Reply.objects.filter(status=Reply.Status.APPROVED, approved_at__lt=stale, delivery_attempts=0)
    for reply_id in approved.values_list("pk", flat=True)[:100]:
        deliver_reply.call(reply_id)
    return done


@cron("*/15 * * * *")
@task
def sweep_deadlines() -> dict:
    """Reminds the executor and the head before the deadline and escalates to the head once it is
    missed; each at most once per appeal (and again after an extension)."""
    from abonent.appeals.services.events import record_event

    now = timezone.now()
    horizon_day = add_working_days(timezone.localdate(), settings.APPEAL_REMINDER_WORKING_DAYS)
    horizon = timezone.make_aware(datetime.datetime.combine(horizon_day, datetime.time.max))
    counts = {"reminders": 0, "overdue": 0}
    for appeal in Appeal.objects.due_within(horizon, now).select_related("department"):
        if not appeal.events.filter(kind=E.REMINDER, data__due_at=appeal.due_at.isoformat()).exists():
            with transaction.atomic():
                record_event(appeal, E.REMINDER, due_at=appeal.due_at.isoformat())
            counts["reminders"] += 1
    for appeal in Appeal.objects.overdue(now).select_related("department"):
        if not appeal.events.filter(kind=E.OVERDUE, data__due_at=appeal.due_at.isoformat()).exists():
            with transaction.atomic():
                record_event(appeal, E.OVERDUE, due_at=appeal.due_at.isoformat())
            counts["overdue"] += 1
    return counts

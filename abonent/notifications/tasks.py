"""Background work of notifications, all idempotent: the daily rules (fanned out in batches of accounts), the
campaign fan-out (batches of customers), the dispatcher per channel (throttled, claims exclusive), the
delivery reports from the channels' outboxes, and the mirror of appeal notices into the journal."""

import datetime

from crontask import cron
from django.tasks import task
from django.utils import timezone

from abonent.notifications import appeal_events, campaigns, dispatch, receipts, rules
from abonent.notifications.models import NotificationRule

RULE_BATCH = 500


@cron("0 9 * * *")
@task(queue_name="notifications")
def run_daily_rules() -> dict:
    """Runs every active rule for today (at 9:00 local time, when the phone line is open for calls)."""
    today = timezone.localdate()
    return {rule.pk: start_rule(rule.pk, today.isoformat()) for rule in NotificationRule.objects.filter(
        is_active=True, type__is_active=True)}


def start_rule(rule_id: int, day: str) -> int:
    """Splits the rule's accounts into batches, one task each. Returns the number of batches."""
    rule = NotificationRule.objects.get(pk=rule_id)
    ids = list(rules.candidate_accounts(rule))
    batches = [ids[start:start + RULE_BATCH] for start in range(0, len(ids), RULE_BATCH)]
    NotificationRule.objects.filter(pk=rule_id).update(last_run_on=datetime.date.fromisoformat(day),
                                                       last_run_count=0)
    for batch in batches:
        run_rule_batch.enqueue(rule_id, day, batch)
    return len(batches)


@task(queue_name="notifications")
def run_rule_batch(rule_id: int, day: str, account_ids: list[int]) -> int:
    from django.db.models import F

    rule = NotificationRule.objects.select_related("type").get(pk=rule_id)
    if not rule.is_active:
        return 0
    created = rules.run_batch(rule, account_ids, datetime.date.fromisoformat(day))
    NotificationRule.objects.filter(pk=rule_id).update(last_run_count=F("last_run_count") + created)
    return created


@task(queue_name="notifications")
def fan_out_campaign(campaign_id: int) -> int:
    return campaigns.fan_out(campaign_id)


@task(queue_name="notifications")
def send_campaign_batch(campaign_id: int, customer_ids: list[int], first: int | None = None) -> int:
    return campaigns.run_batch(campaign_id, customer_ids, first)


@cron("*/5 * * * *")
@task(queue_name="notifications")
def resume_campaigns() -> list[int]:
    """Every 5 minutes: campaigns whose fan-out stalled (a worker killed with batches in hand) go on."""
    return campaigns.resume_stalled()


@task(queue_name="notifications")
def dispatch_channel(channel: str) -> dict:
    outcome = dispatch.dispatch(channel)
    return {"sent": outcome.sent, "retried": outcome.retried, "failed": outcome.failed}


@cron("* * * * *")
@task(queue_name="notifications")
def dispatch_due() -> list[str]:
    """Every minute: stale claims back to the queue, and a dispatcher for every channel with due notices
    (retries that have come due, what the per-minute rate held back, a lost on-commit enqueue)."""
    dispatch.requeue_stale()
    channels = dispatch.due_channels()
    for channel in channels:
        dispatch_channel.enqueue(channel)
    return channels


@cron("* * * * *")
@task(queue_name="notifications")
def sync_delivery_reports() -> dict:
    return receipts.sync_all()


@cron("* * * * *")
@task(queue_name="notifications")
def mirror_appeal_notices() -> int:
    return appeal_events.sweep()

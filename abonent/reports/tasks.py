"""The monthly report's schedule: on the 1st of every month the previous month's report goes to the head
roles; a sweep sends what a crash left recorded but unsent. Both are idempotent."""

from crontask import cron
from django.tasks import task
from django.utils import timezone

from abonent.reports import dispatch
from abonent.reports.models import ReportDispatch
from abonent.reports.periods import add_months, month_key, month_start


@task(queue_name="reports")
def send_report(dispatch_id: int) -> str:
    sent = dispatch.send(dispatch_id)
    return sent.status if sent else "skipped"


@cron("0 8 1 * *")
@task(queue_name="reports")
def send_previous_month_report() -> str:
    """At 08:00 on the 1st (the organisation's time): the report of the month just ended, once."""
    month = add_months(month_start(timezone.localdate()), -1)
    _, created = dispatch.request_dispatch(month=month, key=dispatch.scheduled_key(month),
                                           trigger=ReportDispatch.Trigger.SCHEDULED)
    return f"{month_key(month)}: {'queued' if created else 'already recorded'}"


@cron("*/30 * * * *")
@task(queue_name="reports")
def sweep_report_dispatches() -> int:
    ids = dispatch.stale_pending()
    for dispatch_id in ids:
        send_report.call(dispatch_id)
    return len(ids)

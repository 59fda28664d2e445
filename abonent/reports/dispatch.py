"""E-mailing the monthly report to the head roles (standard 1.5) with the PDF and the XLSX attached.
Every sending is a ReportDispatch row with a unique key, claimed by a conditional update before the mail
goes out: the same request twice, or two workers at once, send it once."""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from abonent.reports import exports, monthly
from abonent.reports.filters import ReportFilter
from abonent.reports.models import ReportDispatch
from abonent.reports.periods import Period, month_key, month_start
from abonent.users.models import User
from abonent.users.roles import HEAD_ROLES

log = logging.getLogger(__name__)
Status = ReportDispatch.Status
RETRY_AFTER = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5


class DispatchError(Exception):
    """A sending that cannot succeed as things are; the message is Russian and shown to the head."""


def recipients() -> list[str]:
    """The e-mail addresses of active staff in the head roles."""
    users = User.objects.filter(kind=User.Kind.STAFF, is_active=True, groups__name__in=HEAD_ROLES).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def scheduled_key(month: dt.date) -> str:
    return f"scheduled:{month_key(month)}"


@transaction.atomic
def request_dispatch(*, month: dt.date, key: str, trigger: str, requested_by=None) -> tuple[ReportDispatch, bool]:
    """Records a sending of the month's report and queues it after commit; a key already used returns the
    existing row and queues nothing."""
    from abonent.reports.tasks import send_report

    report = monthly.report_for(month_start(month))
    dispatch, created = ReportDispatch.objects.get_or_create(
        key=key, defaults={"report": report, "trigger": trigger, "requested_by": requested_by})
    if created:
        transaction.on_commit(lambda: send_report.enqueue(dispatch.pk))
    return dispatch, created


def _claim(dispatch_id: int) -> ReportDispatch | None:
    claimed = ReportDispatch.objects.filter(pk=dispatch_id, status=Status.PENDING).update(
        status=Status.SENDING, started_at=timezone.now(), attempts=F("attempts") + 1)
    return ReportDispatch.objects.select_related("report").get(pk=dispatch_id) if claimed else None


def message(month: dt.date, to: list[str]) -> EmailMessage:
    """The e-mail of the month's report for the whole organisation (no department or channel filter)."""
    content = monthly.build(ReportFilter(period=Period.month(month)))
    doc = exports.Document(title=content.title, filter=content.filter, sections=content.sections,
                           summary=content.summary, findings=content.findings, proposals=content.proposals)
    body = render_to_string("reports/email.txt", {"content": content})
    mail = EmailMessage(content.title, body, settings.DEFAULT_FROM_EMAIL, to)
    name = f"otchet_{month_key(month)}"
    mail.attach(f"{name}.pdf", exports.to_pdf(doc), "application/pdf")
    mail.attach(f"{name}.xlsx", exports.to_xlsx(doc), exports.XLSX_TYPE)
    return mail


def send(dispatch_id: int) -> ReportDispatch | None:
    """Sends a pending dispatch once; None when it is not pending (sent already, or another worker has it).
    A failure of the mail server leaves it pending for the sweep to try again, up to MAX_ATTEMPTS times;
    nobody to send to fails it at once."""
    dispatch = _claim(dispatch_id)
    if dispatch is None:
        return None
    to = recipients()
    try:
        if not to:
            raise DispatchError("Некому отправить: у руководителей (роли начальников и руководителя группы) "
                                "не указан e-mail.")
        message(dispatch.report.month, to).send()
    except Exception as error:  # the row must not stay «sending» whatever went wrong
        final = isinstance(error, DispatchError) or dispatch.attempts >= MAX_ATTEMPTS
        dispatch.status = Status.FAILED if final else Status.PENDING
        dispatch.error = str(error) or error.__class__.__name__
        dispatch.save(update_fields=["status", "error"])
        log.warning("monthly report %s not sent (attempt %s): %s", dispatch.key, dispatch.attempts, dispatch.error)
        return dispatch
    dispatch.status, dispatch.sent_at, dispatch.recipients = Status.SENT, timezone.now(), ", ".join(to)
    dispatch.save(update_fields=["status", "sent_at", "recipients"])
    return dispatch


def stale_pending(now: dt.datetime | None = None) -> list[int]:
    """Dispatches recorded but not sent: the on-commit enqueue was lost in a crash, or the mail server
    failed the last attempt (tried again RETRY_AFTER later)."""
    before = (now or timezone.now()) - RETRY_AFTER
    waiting = Q(started_at__isnull=True, created_at__lt=before) | Q(started_at__lt=before)
    return list(ReportDispatch.objects.filter(waiting, status=Status.PENDING).order_by("pk")
                .values_list("pk", flat=True))

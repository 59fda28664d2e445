"""The durable outbox: a message is written in the caller's transaction, sent by a task after commit,
retried with backoff on transient SMTP errors, stopped on permanent ones, and never sent twice (a row is
claimed queued → sending by a conditional update before the SMTP conversation)."""

import datetime
import hashlib
import logging
import smtplib
from dataclasses import dataclass
from email.utils import make_msgid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.utils import timezone

from abonent.appeals.delivery import RETRY_DELAYS
from abonent.channels.email.models import OutgoingAttachment, OutgoingEmail

log = logging.getLogger(__name__)
OS = OutgoingEmail.Status


@dataclass(frozen=True)
class OutgoingFile:
    name: str
    content: bytes
    content_type: str


def new_message_id() -> str:
    return make_msgid(domain=getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", "") or str(DNS_NAME))


def enqueue_email(*, to: list[str], subject: str, body: str, appeal=None, reply=None,
                  files: list[OutgoingFile] | tuple = (), in_reply_to: str = "", references: str = "") -> OutgoingEmail:
    """Writes the message and its files to the outbox; the send task runs after the caller commits."""
    email = OutgoingEmail.objects.create(
        message_id=new_message_id(), appeal=appeal, reply=reply, from_email=settings.DEFAULT_FROM_EMAIL,
        recipients=list(to), subject=subject, body=body, in_reply_to=in_reply_to, references=references)
    for file in files:
        attachment = OutgoingAttachment(email=email, name=file.name, content_type=file.content_type,
                                        sha256=hashlib.sha256(file.content).hexdigest())
        attachment.file.save(file.name, ContentFile(file.content), save=False)
        attachment.save()
    from abonent.channels.email.tasks import deliver_email

    transaction.on_commit(lambda: deliver_email.enqueue(email.pk))
    return email


def _claim(email_id: int) -> OutgoingEmail | None:
    now = timezone.now()
    claimed = OutgoingEmail.objects.filter(pk=email_id, status=OS.QUEUED, next_attempt_at__lte=now).update(
        status=OS.SENDING, updated_at=now)
    return OutgoingEmail.objects.get(pk=email_id) if claimed else None


def _message(email: OutgoingEmail) -> EmailMessage:
    headers = {"Message-ID": email.message_id}
    if email.in_reply_to:
        headers["In-Reply-To"] = email.in_reply_to
    if email.references:
        headers["References"] = email.references
    message = EmailMessage(email.subject, email.body, email.from_email, email.recipients, headers=headers)
    for attachment in email.attachments.all():
        with attachment.file.open("rb") as handle:
            message.attach(attachment.name, handle.read(), attachment.content_type)
    return message


def is_permanent(error: Exception) -> bool:
    """5xx replies and refused recipients will not succeed on retry; everything else (no connection,
    4xx, timeouts) is transient."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def deliver(email_id: int) -> OutgoingEmail | None:
    """Sends a due queued message once. Returns it, or None when it is not due or another worker has it."""
    email = _claim(email_id)
    if email is None:
        return None
    attempts = email.attempts + 1
    try:
        _message(email).send()
    except (smtplib.SMTPException, OSError) as error:
        text = f"{type(error).__name__}: {error}"
        log.warning("outgoing e-mail %s not sent: %s", email.message_id, text)
        if is_permanent(error) or attempts > len(RETRY_DELAYS):
            return _fail(email, attempts, text)
        email.status, email.attempts, email.last_error = OS.QUEUED, attempts, text
        email.next_attempt_at = timezone.now() + datetime.timedelta(seconds=RETRY_DELAYS[attempts - 1])
        email.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "updated_at"])
        return email
    email.status, email.attempts, email.sent_at, email.last_error = OS.SENT, attempts, timezone.now(), ""
    email.save(update_fields=["status", "attempts", "sent_at", "last_error", "updated_at"])
    return email


def _fail(email: OutgoingEmail, attempts: int, text: str) -> OutgoingEmail:
    with transaction.atomic():
        email.status, email.attempts, email.last_error = OS.FAILED, attempts, text
        email.save(update_fields=["status", "attempts", "last_error", "updated_at"])
        _tell_staff(email, text)
    return email


def _tell_staff(email: OutgoingEmail, reason: str) -> None:
    """A reply that was not delivered goes back to staff as failed (to resend by another channel);
    any other letter's failure is a note on the appeal's timeline."""
    if email.appeal_id is None:
        return
    from abonent.appeals.services import add_note, mark_reply_undelivered

    text = f"не доставлено по e-mail ({', '.join(email.recipients)}): {reason}"
    if email.reply_id:
        mark_reply_undelivered(reply_id=email.reply_id, reason=f"Ответ {text}")
    else:
        add_note(appeal=email.appeal, author=None, text=f"Письмо «{email.subject}» {text}")


def mark_bounced(*, message_ids: list[str], reason: str) -> list[OutgoingEmail]:
    """A delivery-status notification names our message: it is marked failed and staff are told."""
    failed = []
    for email in OutgoingEmail.objects.filter(message_id__in=message_ids).exclude(status=OS.FAILED):
        failed.append(_fail(email, email.attempts, f"возврат (DSN): {reason}"))
    return failed


# A row still "sending" this long after its claim belongs to a worker that died mid-send.
STALE_SENDING = datetime.timedelta(minutes=10)


def due_ids(now: datetime.datetime | None = None, limit: int = 200) -> list[int]:
    """Queued messages whose attempt has come; a row left "sending" by a killed worker is queued again.
    The message keeps its Message-ID, so in the rare case the first attempt did reach the server (killed
    between the server's acceptance and our status update) the recipient's mail system sees one message."""
    now = now or timezone.now()
    OutgoingEmail.objects.filter(status=OS.SENDING, updated_at__lt=now - STALE_SENDING).update(
        status=OS.QUEUED, updated_at=now)
    return list(OutgoingEmail.objects.filter(status=OS.QUEUED, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])

"""The durable outbox: a message is written in the caller's transaction, sent by a task after commit,
retried with backoff on transient SMTP errors, stopped on permanent ones, and never sent twice (a row is
claimed queued → sending by a conditional update before the SMTP conversation). A fan-out's messages are
written in bulk and sent in batches, one SMTP connection per batch."""

import contextlib
import datetime
import hashlib
import logging
import smtplib
from dataclasses import dataclass
from email.utils import make_msgid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, mailers
from django.core.mail.utils import DNS_NAME
from django.db import connection, transaction
from django.utils import timezone

from abonent.appeals.delivery import RETRY_DELAYS
from abonent.channels.email.models import OutgoingAttachment, OutgoingEmail
from abonent.core.tasks import enqueue_on_commit

log = logging.getLogger(__name__)
OS = OutgoingEmail.Status
# A row still "sending" this long after its claim belongs to a worker that died mid-send.
STALE_SENDING = datetime.timedelta(minutes=10)
# Messages per send task of a fan-out, sent over one SMTP connection.
SEND_BATCH = 100


@dataclass(frozen=True)
class Letter:
    """A plain message of a fan-out (no files, no threading headers)."""

    to: list[str]
    subject: str
    body: str


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


def enqueue_emails(letters: list[Letter]) -> list[OutgoingEmail]:
    """Writes many plain messages (a notification fan-out) in one statement, in the caller's transaction, with
    one send task per SEND_BATCH of them: each task sends its messages over one SMTP connection, and several
    tasks let the workers share a large fan-out."""
    emails = OutgoingEmail.objects.bulk_create([
        OutgoingEmail(message_id=new_message_id(), from_email=settings.DEFAULT_FROM_EMAIL, recipients=list(letter.to),
                      subject=letter.subject, body=letter.body) for letter in letters])
    from abonent.channels.email.tasks import deliver_emails

    for start in range(0, len(emails), SEND_BATCH):
        enqueue_on_commit(deliver_emails, [email.pk for email in emails[start:start + SEND_BATCH]])
    return emails


def _claim(email_ids: list[int]) -> list[OutgoingEmail]:
    """Takes the due queued messages among `email_ids` for this worker alone (queued → sending). On PostgreSQL
    the rows are locked with SKIP LOCKED and updated in one statement; on SQLite (one writer at a time) each
    is a conditional update that only one worker can win."""
    now = timezone.now()
    due = OutgoingEmail.objects.filter(pk__in=email_ids, status=OS.QUEUED, next_attempt_at__lte=now).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            claimed = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True))
            OutgoingEmail.objects.filter(pk__in=claimed).update(status=OS.SENDING, updated_at=now)
    else:
        claimed = [pk for pk in due.values_list("pk", flat=True)
                   if OutgoingEmail.objects.filter(pk=pk, status=OS.QUEUED).update(status=OS.SENDING, updated_at=now)]
    if not claimed:
        return []
    return list(OutgoingEmail.objects.filter(pk__in=claimed).prefetch_related("attachments").order_by("pk"))


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


def _connection_usable(error: Exception) -> bool:
    """After a refusal of one message smtplib has reset the conversation (RSET) and the next message may go
    over the same connection; after a lost connection, a timeout or 421 (closing) it must be opened again."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code != 421


def deliver(email_id: int) -> OutgoingEmail | None:
    """Sends a due queued message once. Returns it, or None when it is not due or another worker has it."""
    done = deliver_many([email_id])
    return done[0] if done else None


def deliver_many(email_ids: list[int]) -> list[OutgoingEmail]:
    """Sends the due queued messages among `email_ids` over one SMTP connection and returns them with their
    new status (the others are not due or another worker has them). Each message is marked sent as soon as
    the server has accepted it, so a worker killed mid-batch has sent at most the one message in flight
    twice, with its Message-ID; the rest of its claim, left "sending", is queued again by due_ids after
    STALE_SENDING. A refusal or an error of one message is that message's alone: it is retried with the
    shared backoff or failed, and the others are sent."""
    emails = _claim(email_ids)
    if not emails:
        return []
    claimed_at = timezone.now()
    mailer = mailers.default
    opened = False
    unreachable: Exception | None = None
    try:
        for index, email in enumerate(emails):
            if timezone.now() - claimed_at > STALE_SENDING / 2:
                # A slow server: give the rest back before the sweep could hand them to another worker too.
                _release(emails[index:])
                return emails[:index]
            if unreachable is None and not opened:
                try:
                    mailer.open()
                    opened = True
                except (smtplib.SMTPException, OSError) as error:
                    unreachable = error  # every message of the batch would wait for the same server
            if unreachable is not None:
                _record_failure(email, unreachable)
                continue
            try:
                mailer.send_messages([_message(email)])
            except (smtplib.SMTPException, OSError) as error:
                _record_failure(email, error)
                if not _connection_usable(error):
                    _close(mailer)
                    opened = False
                continue
            email.status, email.attempts, email.sent_at, email.last_error = (
                OS.SENT, email.attempts + 1, timezone.now(), "")
            OutgoingEmail.objects.filter(pk=email.pk).update(status=OS.SENT, attempts=email.attempts,
                                                               sent_at=email.sent_at, last_error="",
                                                               updated_at=email.sent_at)
    finally:
        if opened:
            _close(mailer)
    return emails


def _close(mailer) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        mailer.close()


def _release(emails: list[OutgoingEmail]) -> None:
    OutgoingEmail.objects.filter(pk__in=[email.pk for email in emails], status=OS.SENDING).update(
        status=OS.QUEUED, updated_at=timezone.now())


def _record_failure(email: OutgoingEmail, error: Exception) -> OutgoingEmail:
    attempts = email.attempts + 1
    text = f"{type(error).__name__}: {error}"
    log.warning("outgoing e-mail %s not sent: %s", email.message_id, text)
    if is_permanent(error) or attempts > len(RETRY_DELAYS):
        return _fail(email, attempts, text)
    email.status, email.attempts, email.last_error = OS.QUEUED, attempts, text
    email.next_attempt_at = timezone.now() + datetime.timedelta(seconds=RETRY_DELAYS[attempts - 1])
    email.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "updated_at"])
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


def due_ids(now: datetime.datetime | None = None, limit: int = 200) -> list[int]:
    """Queued messages whose attempt has come; a row left "sending" by a killed worker is queued again.
    The message keeps its Message-ID, so in the rare case the first attempt did reach the server (killed
    between the server's acceptance and our status update) the recipient's mail system sees one message."""
    now = now or timezone.now()
    OutgoingEmail.objects.filter(status=OS.SENDING, updated_at__lt=now - STALE_SENDING).update(
        status=OS.QUEUED, updated_at=now)
    return list(OutgoingEmail.objects.filter(status=OS.QUEUED, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])

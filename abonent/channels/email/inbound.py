"""Intake of a company mailbox (standard 2.2.6), exactly once: every message is recorded with its IMAP
position (folder, UIDVALIDITY, UID) and raw bytes before it is parsed; registration goes through the
appeals services with a source key from the Message-ID, so a re-seen or re-delivered message is a no-op;
the message is flagged or moved on the server only after its outcome is committed. Nothing is deleted.

Throughput (bench/mail_intake.py): a fetched chunk of messages is recorded with one INSERT and read back with
one SELECT; each message is then registered in a transaction of its own. On PostgreSQL those transactions
commit without waiting for the disk (synchronous_commit off, for this session and only while the chunk is
processed), and one durable commit at the end of the chunk flushes the WAL of all of them before any message
is flagged on the server: the flag still follows a durable outcome, but a chunk waits for the disk once
instead of three or four times per message. A crash before that flush may lose the chunk's last outcomes;
those messages are not flagged, so the next poll registers them again (at most the acknowledgement
of such a message is sent twice, when the task queue is not in this database)."""

import contextlib
import hashlib
import logging
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import DatabaseError, DataError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.utils import timezone

from abonent.appeals.errors import AppealError
from abonent.appeals.files import IncomingFile, check_file
from abonent.appeals.models import Appeal
from abonent.appeals.services import AppealDraft, add_message, add_note, register_appeal
from abonent.channels.email.client import ImapError, ImapSession, ImapSettings
from abonent.channels.email.models import InboundEmail, MailboxConnection, OutgoingEmail
from abonent.channels.email.outbox import mark_bounced
from abonent.channels.email.parsing import ParsedMail, UnreadableMail, parse
from abonent.channels.email.sender import SOURCE_PREFIX
from abonent.core.text import strip_control
from abonent.customers.models import BillingAccount, ContactPerson, Contract, Customer

log = logging.getLogger(__name__)
S = InboundEmail.Status
LOCK_TTL = timedelta(minutes=10)
FETCH_CHUNK = 50
_NUMBER_IN_SUBJECT = re.compile(r"№\s*(\d{4}-\d{6})")
_INN = re.compile(r"(?<!\d)(\d{10}|\d{12})(?!\d)")
_TOKEN = re.compile(r"(?<![\w/-])[\w/-]*\d[\w/-]*")


@dataclass
class PollResult:
    skipped: bool = False
    seen: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    error: str = ""


# --- the poller ---


def acquire_lock(connection_id: int) -> str | None:
    """A conditional update on the mailbox row: only one poller holds a mailbox; a crashed poller's
    lock expires after LOCK_TTL. Works the same on SQLite and PostgreSQL, no Redis."""
    now, token = timezone.now(), uuid.uuid4().hex
    taken = (MailboxConnection.objects.filter(pk=connection_id)
             .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
             .update(locked_until=now + LOCK_TTL, lock_token=token))
    return token if taken else None


def release_lock(connection_id: int, token: str) -> None:
    MailboxConnection.objects.filter(pk=connection_id, lock_token=token).update(locked_until=None, lock_token="")


def imap_settings(connection: MailboxConnection) -> ImapSettings:
    return ImapSettings(host=connection.host, port=connection.port, security=connection.security,
                        username=connection.username, password=connection.password, folder=connection.folder,
                        processed_folder=connection.processed_folder)


def poll_mailbox(connection_id: int, *, limit: int = 500) -> PollResult:
    """Reads up to `limit` pending messages of one mailbox and registers them. A server error is stored on
    the mailbox for the admin; any other error propagates (the lock is released, the batch resumes next time)."""
    token = acquire_lock(connection_id)
    if token is None:
        return PollResult(skipped=True)
    result = PollResult()
    try:
        connection = MailboxConnection.objects.select_related("mailbox").get(pk=connection_id)
        try:
            with ImapSession(imap_settings(connection)) as imap:
                _poll(imap, connection, result, limit)
        except ImapError as error:
            result.error = str(error)
        registered = result.outcomes.get(S.REGISTERED, 0) + result.outcomes.get(S.THREADED, 0)
        MailboxConnection.objects.filter(pk=connection_id).update(
            last_poll_at=timezone.now(), last_error=result.error, registered_count=F("registered_count") + registered)
    finally:
        release_lock(connection_id, token)
    return result


def _poll(imap: ImapSession, connection: MailboxConnection, result: PollResult, limit: int) -> None:
    uidvalidity = imap.uidvalidity()
    uids = imap.pending_uids()
    known = dict(InboundEmail.objects.filter(connection=connection, folder=connection.folder,
                                             uidvalidity=uidvalidity, uid__in=uids).values_list("uid", "status"))
    # Committed before a crash but not yet flagged or moved on the server: only mark them now.
    imap.mark_processed([uid for uid in uids if known.get(uid) in InboundEmail.DONE])
    todo = [uid for uid in uids if known.get(uid) not in InboundEmail.DONE][:limit]
    for start in range(0, len(todo), FETCH_CHUNK):
        chunk = todo[start:start + FETCH_CHUNK]
        raws = imap.fetch_raw(chunk)
        done = []
        try:
            with relaxed_commits():
                records = record_chunk(connection, uidvalidity, raws)
                for uid in chunk:
                    if uid not in records:
                        continue  # moved away by someone else meanwhile
                    status = process(records[uid])
                    result.seen += 1
                    result.outcomes[status] = result.outcomes.get(status, 0) + 1
                    done.append(uid)
        finally:
            if done:
                # If this durable commit fails, nothing is flagged: the next poll finds the outcomes
                # that did reach the disk (and flags them) and processes the rest again.
                make_durable(connection.pk)
                imap.mark_processed(done)


def record_chunk(connection: MailboxConnection, uidvalidity: int, raws: dict[int, bytes]) -> dict[int, InboundEmail]:
    """The raw messages are committed before any is parsed, so a parser crash loses nothing: one INSERT for
    the chunk (rows recorded by an earlier, interrupted poll are kept as they are) and one SELECT back."""
    if not raws:
        return {}
    position = {"connection": connection, "folder": connection.folder, "uidvalidity": uidvalidity}
    InboundEmail.objects.bulk_create(
        [InboundEmail(**position, uid=uid, raw=raw, size=len(raw)) for uid, raw in raws.items()],
        ignore_conflicts=True)
    return {record.uid: record for record in InboundEmail.objects.filter(**position, uid__in=list(raws))}


@contextlib.contextmanager
def relaxed_commits() -> Iterator[None]:
    """PostgreSQL: this session's commits return before their WAL reaches the disk until the block ends
    (make_durable then flushes them all at once). Nothing changes on other databases (SQLite in WAL mode
    with synchronous=NORMAL already commits without a sync) or inside an outer transaction."""
    relax = db_connection.vendor == "postgresql" and not db_connection.in_atomic_block
    if relax:
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        if relax:
            try:
                with db_connection.cursor() as cursor:
                    cursor.execute("RESET synchronous_commit")
            except DatabaseError:
                db_connection.close()  # never hand a relaxed session to the next user of the connection


def make_durable(connection_id: int) -> None:
    """A commit that waits for the disk. It writes a row (the mailbox's last poll time), so its commit
    record is flushed, and with it the WAL of every transaction committed before it in this session."""
    MailboxConnection.objects.filter(pk=connection_id).update(last_poll_at=timezone.now())


# --- one message ---


def source_key(mail: ParsedMail | None, raw: bytes) -> str:
    if mail is not None and mail.message_id and len(mail.message_id) <= 300 - len(SOURCE_PREFIX):
        return SOURCE_PREFIX + mail.message_id
    return "email-sha256:" + hashlib.sha256(raw).hexdigest()


def process(record: InboundEmail) -> str:
    """Parses a recorded message and registers it, threads it, ignores it (auto-reply, bounce) or
    quarantines it. Idempotent: a record already done is left as it is."""
    if record.status in InboundEmail.DONE:
        return record.status
    raw = bytes(record.raw)
    try:
        mail = parse(raw)
    except UnreadableMail as error:
        return _finish(record, S.QUARANTINED, detail=str(error), key=source_key(None, raw))
    except Exception as error:  # noqa: BLE001 - a parser bug must not stop the mailbox
        log.exception("e-mail %s could not be parsed", record.pk)
        return _finish(record, S.QUARANTINED, detail=f"{type(error).__name__}: {error}", key=source_key(None, raw))
    record.message_id, record.subject = mail.message_id[:998], mail.subject[:300]
    record.sender = f"{mail.from_name} <{mail.from_address}>".strip()[:300]
    key = source_key(mail, raw)
    try:
        with transaction.atomic():
            if mail.auto_reason:
                if mail.bounced_message_ids:
                    mark_bounced(message_ids=mail.bounced_message_ids, reason=mail.text[:500] or mail.auto_reason)
                return _finish(record, S.IGNORED, detail=mail.auto_reason, key=key)
            status, appeal = _register_or_thread(mail, raw, key)
            return _finish(record, status, appeal=appeal, key=key)
    except AppealError as error:
        return _finish(record, S.QUARANTINED, detail=error.message, key=key)
    except DataError as error:
        # A value the database refuses (PostgreSQL: a NUL character, a value longer than its column) must not
        # stop the mailbox at this message on every poll. Not every DatabaseError: a deadlock or a lost
        # connection is not the message's fault, and the next poll takes it again.
        log.exception("e-mail %s could not be stored", record.pk)
        return _finish(record, S.QUARANTINED, key=key, detail=(
            f"Письмо не удалось сохранить ({type(error).__name__}: {str(error)[:300]}); "
            "зарегистрируйте его вручную по исходному письму."))


def _finish(record: InboundEmail, status: str, *, detail: str = "", appeal: Appeal | None = None, key: str) -> str:
    # The detail may quote the message (a parser's error): no NUL for PostgreSQL.
    record.status, record.detail, record.appeal, record.source_key = status, strip_control(detail), appeal, key
    record.processed_at = timezone.now()
    # Not the raw bytes again: only what processing found out.
    record.save(update_fields=["status", "detail", "appeal", "source_key", "processed_at", "message_id", "subject",
                               "sender"])
    return status


def _register_or_thread(mail: ParsedMail, raw: bytes, key: str) -> tuple[str, Appeal]:
    author = f"{mail.from_name} <{mail.from_address}>".replace(" <>", "").strip()
    candidates = thread_candidates(mail)
    appeal = next((a for a in candidates if sender_may_write_to(a, mail.from_address)), None)
    if appeal is not None and appeal.status not in (Appeal.Status.CLOSED, Appeal.Status.NOT_CONSIDERED):
        text = mail.text or "(письмо без текста)"
        accepted, refused = _check_files(mail, raw)
        message, created = add_message(appeal=appeal, text=text, channel="email", author=author, source_key=key,
                                       files=accepted)
        if created and refused:
            add_note(appeal=appeal, author=None, text="Вложение не принято: " + "; ".join(refused))
        return (S.THREADED if created else S.DUPLICATE), appeal
    accepted, refused = _check_files(mail, raw)
    draft = AppealDraft(
        text=mail.text, channel="email", subject=mail.subject or "(без темы)", sender_name=mail.from_name,
        sender_email=mail.from_address, received_at=_received_at(mail), files=accepted,
        customer=customer_by_address(mail.from_address))
    registration = register_appeal(draft=draft, source_key=key)
    if not registration.created:
        return S.DUPLICATE, registration.appeal
    appeal = registration.appeal
    notes = [f"Вложение не принято: {reason}" for reason in refused] + mail.defects
    if candidates:
        numbers = ", ".join(f"№ {a.number}" for a in candidates)
        notes.append(f"Письмо похоже на ответ по обращению {numbers}, но адрес отправителя {mail.from_address} "
                     f"не совпадает с адресами клиента: зарегистрировано как новое.")
    if appeal.customer_id is None and (hint := suggest_customer(mail.text)):
        notes.append(hint)
    for note in notes:
        add_note(appeal=appeal, author=None, text=note)
    return S.REGISTERED, appeal


def _received_at(mail: ParsedMail):
    now = timezone.now()
    return min(mail.date, now) if mail.date else now


def _check_files(mail: ParsedMail, raw: bytes) -> tuple[list[IncomingFile], list[str]]:
    """A refused file (type, size) does not stop the appeal: it is registered without it, with a note.
    When the body was HTML only or damaged, the original message is kept as an .eml attachment."""
    incoming = [IncomingFile(f.name, f.content) for f in mail.files]
    if mail.is_html_only or mail.defects:
        incoming.append(IncomingFile("Исходное письмо.eml", raw))
    accepted, refused = [], []
    for file in incoming:
        try:
            check_file(file)
        except AppealError as error:
            refused.append(error.message)
        else:
            accepted.append(file)
    return accepted, refused


# --- threading and sender identification ---


def thread_candidates(mail: ParsedMail) -> list[Appeal]:
    """Appeals the message answers: by our outgoing Message-IDs in In-Reply-To/References, then by the
    registration number in the subject."""
    ids = [i for i in [mail.in_reply_to, *mail.references] if i]
    appeal_ids = list(OutgoingEmail.objects.filter(message_id__in=ids, appeal__isnull=False)
                      .values_list("appeal_id", flat=True).distinct()) if ids else []
    found = list(Appeal.objects.filter(pk__in=appeal_ids).select_related("customer"))
    if match := _NUMBER_IN_SUBJECT.search(mail.subject):
        found += [a for a in Appeal.objects.filter(number=match.group(1)).select_related("customer")
                  if a not in found]
    return found


def sender_may_write_to(appeal: Appeal, address: str) -> bool:
    """Only the appeal's own sender, its customer or the customer's contact persons may add to it: a
    stranger quoting the number gets a new appeal, never someone else's."""
    address = address.strip().lower()
    if not address:
        return False
    known = {appeal.sender_email.lower()}
    if appeal.customer is not None:
        known.add(appeal.customer.email.lower())
        known |= {e.lower() for e in ContactPerson.objects.filter(customer=appeal.customer)
                  .values_list("email", flat=True)}
    return address in known - {""}


def customer_by_address(address: str) -> Customer | None:
    """The customer whose own or contact person's e-mail is the sender's, when exactly one matches."""
    if not address:
        return None
    found = list(Customer.objects.filter(Q(email__iexact=address) | Q(contacts__email__iexact=address))
                 .distinct()[:2])
    return found[0] if len(found) == 1 else None


def suggest_customer(text: str) -> str:
    """INN, contract or billing account numbers in the text suggest the customer; staff confirm it."""
    tokens = set(_TOKEN.findall(text)[:200])
    inns = set(_INN.findall(text))
    hints = []
    if inns:
        hints += [f"{c} (ИНН {c.inn})" for c in Customer.objects.filter(inn__in=inns)[:3]]
    if tokens:
        hints += [f"{c.customer} (договор № {c.number})"
                  for c in Contract.objects.filter(number__in=tokens).select_related("customer")[:3]]
        hints += [f"{a.contract.customer} (лицевой счёт {a.number})"
                  for a in BillingAccount.objects.filter(number__in=tokens).select_related("contract__customer")[:3]]
    if not hints:
        return ""
    return "Возможно, письмо от клиента: " + "; ".join(dict.fromkeys(hints)) + ". Проверьте и укажите клиента."


# --- the quarantine ---


@transaction.atomic
def resolve_quarantined(*, record: InboundEmail, resolved_by, appeal_number: str = "") -> InboundEmail:
    """Staff registered a quarantined message by hand (from the downloaded .eml): it leaves the list,
    linked to the appeal they name."""
    record = InboundEmail.objects.select_for_update().get(pk=record.pk)
    if record.status != S.QUARANTINED:
        raise AppealError("Письмо уже разобрано.")
    appeal = None
    if appeal_number.strip():
        appeal = Appeal.objects.filter(number=appeal_number.strip().lstrip("№ ").strip()).first()
        if appeal is None:
            raise AppealError(f"Обращение № {appeal_number.strip()} не найдено.", field="appeal_number")
    record.status, record.resolved_by, record.appeal = S.RESOLVED, resolved_by, appeal
    record.detail = f"{record.detail}\nЗарегистрировано вручную: {resolved_by.full_name}".strip()
    record.save(update_fields=["status", "resolved_by", "appeal", "detail"])
    return record

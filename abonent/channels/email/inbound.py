"""Intake of a company mailbox (standard 2.2.6), exactly once, in two steps.

The poller records every message with its IMAP position (folder, UIDVALIDITY, UID) and raw bytes, one INSERT
per fetched chunk committed durably, and only then flags the chunk on the server (one STORE, or a MOVE when a
processed folder is configured): the flag means "recorded", and the record is the durable point. Nothing is
deleted; a message recorded before a crash but not flagged is only flagged by the next poll.

Registration runs from the records; its state lives in the InboundEmail row (status `received` until an
outcome is written). Each record is claimed in the transaction that registers it and writes its outcome:
`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so several task workers register different records in
parallel and a record being registered is skipped by the others; on SQLite a conditional UPDATE takes the
database's single write lock, so claimers go one after another. A worker killed mid-registration rolls its
transaction back: the record is `received` again, and the sweep (`sweep_inbound`, for records left
`received` past STALE_AFTER) registers it. A record registered twice by a race or a repeated task is still
registered once: the claim sees its outcome, and registration goes through the appeals services with a
source key from the Message-ID, so a re-seen or re-delivered message is a no-op. A message that cannot be
parsed is quarantined with its bytes for staff to register by hand; an auto-reply or a bounce is an outcome
too (ignored; a bounce marks our outgoing message failed), so neither is retried.

Where registration runs: on PostgreSQL with a real task queue the poller enqueues one `register_inbound` task
per recorded chunk (run by any number of workers); otherwise (SQLite, the tests' immediate backend) the poller
registers the chunk itself, then whatever an earlier run left `received`.

Throughput (bench/mail_intake.py): a chunk of records is parsed before its claims (outside any transaction)
and the customers are looked up for the whole chunk at once (sender addresses, INN, contract and account
numbers: at most six queries per chunk, not per message). On PostgreSQL the per-message transactions commit
without waiting for the disk (synchronous_commit off, for this session and only while the chunk is
registered); one durable commit at the end of the chunk flushes them all. A database crash before that
flush may lose the chunk's last outcomes together with their appeals (one transaction each): those records
are `received` again and the sweep registers them; at most the acknowledgement of such a message is sent
twice, when the task queue is not in this database."""

import contextlib
import hashlib
import logging
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import DatabaseError, DataError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.db.models.functions import Lower
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
STALE_AFTER = timedelta(minutes=10)
FETCH_CHUNK = 50
_NUMBER_IN_SUBJECT = re.compile(r"№\s*(\d{4}-\d{6})")
_INN = re.compile(r"(?<!\d)(\d{10}|\d{12})(?!\d)")
_TOKEN = re.compile(r"(?<![\w/-])[\w/-]*\d[\w/-]*")


@dataclass
class PollResult:
    skipped: bool = False
    seen: int = 0
    recorded: int = 0
    queued: int = 0
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


def registers_in_parallel() -> bool:
    """Task workers register the records when they can claim them side by side (PostgreSQL) and a queue
    actually hands the work to them; otherwise the poller registers them itself, in order."""
    from django.tasks.backends.immediate import ImmediateBackend

    from abonent.channels.email.tasks import register_inbound

    return (db_connection.features.has_select_for_update_skip_locked
            and not isinstance(register_inbound.get_backend(), ImmediateBackend))


def poll_mailbox(connection_id: int, *, limit: int = 500, parallel: bool | None = None) -> PollResult:
    """Records up to `limit` pending messages of one mailbox, flags them, and registers them or enqueues
    their registration. A server error is stored on the mailbox for the admin; any other error propagates
    (the lock is released, the batch resumes next time)."""
    token = acquire_lock(connection_id)
    if token is None:
        return PollResult(skipped=True)
    result = PollResult()
    if parallel is None:
        parallel = registers_in_parallel()
    try:
        connection = MailboxConnection.objects.select_related("mailbox").get(pk=connection_id)
        try:
            with ImapSession(imap_settings(connection)) as imap:
                _poll(imap, connection, result, limit, parallel)
        except ImapError as error:
            result.error = str(error)
        if not parallel:
            # Left `received` by an earlier, interrupted run (or recorded before a server error above).
            leftover = list(InboundEmail.objects.filter(connection=connection, status=S.RECEIVED)
                            .order_by("pk").values_list("pk", flat=True))
            _count(result, register_received(leftover))
        MailboxConnection.objects.filter(pk=connection_id).update(last_poll_at=timezone.now(), last_error=result.error)
    finally:
        release_lock(connection_id, token)
    return result


def _poll(imap: ImapSession, connection: MailboxConnection, result: PollResult, limit: int, parallel: bool) -> None:
    from abonent.channels.email.tasks import register_inbound

    uidvalidity = imap.uidvalidity()
    uids = imap.pending_uids()
    recorded = set(InboundEmail.objects.filter(connection=connection, folder=connection.folder,
                                               uidvalidity=uidvalidity, uid__in=uids).values_list("uid", flat=True))
    # Recorded before a crash but not yet flagged or moved on the server: only mark them now.
    imap.mark_processed([uid for uid in uids if uid in recorded])
    todo = [uid for uid in uids if uid not in recorded][:limit]
    for start in range(0, len(todo), FETCH_CHUNK):
        chunk = todo[start:start + FETCH_CHUNK]
        records = record_chunk(connection, uidvalidity, imap.fetch_raw(chunk))
        # The chunk is committed (autocommit, a durable commit): from here the record is the message.
        done = [uid for uid in chunk if uid in records]  # the others were moved away by someone else meanwhile
        imap.mark_processed(done)
        result.recorded += len(done)
        todo_records = [records[uid] for uid in done if records[uid].status == S.RECEIVED]
        if not todo_records:
            continue
        if parallel:
            register_inbound.enqueue([record.pk for record in todo_records])
            result.queued += len(todo_records)
        else:
            _count(result, _register_chunk(todo_records))


def _count(result: PollResult, outcomes: dict[str, int]) -> None:
    for status, count in outcomes.items():
        result.seen += count
        result.outcomes[status] = result.outcomes.get(status, 0) + count


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


# --- registration from the records ---


def register_received(ids: Iterable[int]) -> dict[str, int]:
    """Registers the records among `ids` still `received`, each exactly once however many workers run this
    at the same time: see the module docstring. Returns the outcomes of the records this call registered;
    an unexpected error propagates, and what it left `received` goes to the sweep."""
    ids = list(ids)
    outcomes: Counter[str] = Counter()
    for start in range(0, len(ids), FETCH_CHUNK):
        records = list(InboundEmail.objects.filter(pk__in=ids[start:start + FETCH_CHUNK], status=S.RECEIVED)
                       .order_by("pk"))
        if records:
            outcomes.update(_register_chunk(records))
    return dict(outcomes)


def _register_chunk(records: list[InboundEmail]) -> Counter[str]:
    parsed = {record.pk: parse_record(record) for record in records}
    lookups = Lookups([mail for mail in parsed.values() if isinstance(mail, ParsedMail)])
    outcomes: Counter[str] = Counter()
    registered: Counter[int] = Counter()
    try:
        with relaxed_commits():
            for record in records:
                with transaction.atomic():
                    if not claim(record.pk):
                        continue  # another worker has it, or has done it
                    status = process(record, parsed=parsed[record.pk], lookups=lookups)
                outcomes[status] += 1
                if status in (S.REGISTERED, S.THREADED):
                    registered[record.connection_id] += 1
    finally:
        # A commit that waits for the disk flushes this session's relaxed ones before it.
        make_durable(registered)
    return outcomes


def claim(record_id: int) -> bool:
    """Inside the transaction that registers the record: True if it is still `received` and now ours until
    that transaction ends."""
    rows = InboundEmail.objects.filter(pk=record_id, status=S.RECEIVED)
    if db_connection.features.has_select_for_update_skip_locked:
        return bool(list(rows.select_for_update(skip_locked=True).values_list("pk", flat=True)))
    # SQLite: this write takes the database's only write lock until commit; a second claimer waits for it
    # and then finds the record done.
    return rows.update(status=S.RECEIVED) == 1


def sweep_ids(*, stale_after: timedelta = STALE_AFTER) -> list[int]:
    """Records left `received` longer than a registration takes: their worker crashed, their task was lost,
    or an error stopped them (then every sweep tries again)."""
    return list(InboundEmail.objects.filter(status=S.RECEIVED, fetched_at__lt=timezone.now() - stale_after)
                .order_by("pk").values_list("pk", flat=True))


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


def make_durable(registered: dict[int, int]) -> None:
    """Adds a chunk's registrations to the mailboxes' counters in a commit that waits for the disk, and with
    it the WAL of every transaction committed before it in this session. A chunk that registered nothing has
    nothing to flush that matters: its outcomes (ignored, quarantined, duplicate) are redone from the record
    by the sweep if a database crash loses them."""
    for connection_id, count in sorted(registered.items()):
        MailboxConnection.objects.filter(pk=connection_id).update(registered_count=F("registered_count") + count)


# --- one message ---


def source_key(mail: ParsedMail | None, raw: bytes) -> str:
    if mail is not None and mail.message_id and len(mail.message_id) <= 300 - len(SOURCE_PREFIX):
        return SOURCE_PREFIX + mail.message_id
    return "email-sha256:" + hashlib.sha256(raw).hexdigest()


def parse_record(record: InboundEmail) -> ParsedMail | Exception:
    """The parsed message, or why it cannot be read (the record then goes to the quarantine)."""
    try:
        return parse(bytes(record.raw))
    except UnreadableMail as error:
        return error
    except Exception as error:  # noqa: BLE001 - a parser bug must not stop the mailbox
        log.exception("e-mail %s could not be parsed", record.pk)
        return error


def process(record: InboundEmail, *, parsed: ParsedMail | Exception | None = None,
            lookups: "Lookups | None" = None) -> str:
    """Parses a recorded message and registers it, threads it, ignores it (auto-reply, bounce) or
    quarantines it. Idempotent: a record already done is left as it is. `parsed` and `lookups` are the
    chunk's, when a chunk is registered."""
    if record.status in InboundEmail.DONE:
        return record.status
    raw = bytes(record.raw)
    mail = parse_record(record) if parsed is None else parsed
    if isinstance(mail, UnreadableMail):
        return _finish(record, S.QUARANTINED, detail=str(mail), key=source_key(None, raw))
    if isinstance(mail, Exception):
        return _finish(record, S.QUARANTINED, detail=f"{type(mail).__name__}: {mail}", key=source_key(None, raw))
    record.message_id, record.subject = mail.message_id[:998], mail.subject[:300]
    record.sender = f"{mail.from_name} <{mail.from_address}>".strip()[:300]
    key = source_key(mail, raw)
    try:
        with transaction.atomic():
            if mail.auto_reason:
                if mail.bounced_message_ids:
                    mark_bounced(message_ids=mail.bounced_message_ids, reason=mail.text[:500] or mail.auto_reason)
                return _finish(record, S.IGNORED, detail=mail.auto_reason, key=key)
            status, appeal = _register_or_thread(mail, raw, key, lookups or Lookups([mail]))
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


def _register_or_thread(mail: ParsedMail, raw: bytes, key: str, lookups: "Lookups") -> tuple[str, Appeal]:
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
        customer=lookups.customer(mail.from_address))
    registration = register_appeal(draft=draft, source_key=key)
    if not registration.created:
        return S.DUPLICATE, registration.appeal
    appeal = registration.appeal
    notes = [f"Вложение не принято: {reason}" for reason in refused] + mail.defects
    if candidates:
        numbers = ", ".join(f"№ {a.number}" for a in candidates)
        notes.append(f"Письмо похоже на ответ по обращению {numbers}, но адрес отправителя {mail.from_address} "
                     f"не совпадает с адресами клиента: зарегистрировано как новое.")
    if appeal.customer_id is None and (hint := lookups.suggestion(mail.text)):
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
    found = list(Appeal.objects.filter(pk__in=appeal_ids).select_related("customer")) if appeal_ids else []
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
    return Lookups([ParsedMail(from_address=address)]).customer(address)


def suggest_customer(text: str) -> str:
    """INN, contract or billing account numbers in the text suggest the customer; staff confirm it."""
    return Lookups([ParsedMail(text=text)]).suggestion(text)


def _tokens(text: str) -> tuple[set[str], set[str]]:
    return set(_INN.findall(text)), set(_TOKEN.findall(text)[:200])


class Lookups:
    """Sender identification for a chunk of messages in at most six queries, not that many per message:
    customers by the senders' addresses (their own or a contact person's, case-insensitive), and the
    customers suggested by INN, contract and billing account numbers in the texts."""

    def __init__(self, mails: list[ParsedMail]):
        addresses = {m.from_address.strip().lower() for m in mails if m.from_address.strip()}
        owners: dict[str, set[int]] = defaultdict(set)
        if addresses:
            for address, pk in (Customer.objects.annotate(address=Lower("email")).filter(address__in=addresses)
                                .values_list("address", "pk")):
                owners[address].add(pk)
            for address, pk in (ContactPerson.objects.annotate(address=Lower("email"))
                                .filter(address__in=addresses).values_list("address", "customer_id")):
                owners[address].add(pk)
        self._owner = {address: next(iter(pks)) for address, pks in owners.items() if len(pks) == 1}
        self._customers = Customer.objects.in_bulk(set(self._owner.values())) if self._owner else {}
        inns, tokens = set(), set()
        for mail in mails:
            found = _tokens(mail.text)
            inns |= found[0]
            tokens |= found[1]
        self._by_inn = list(Customer.objects.filter(inn__in=inns)) if inns else []
        self._contracts = list(Contract.objects.filter(number__in=tokens).select_related("customer")) if tokens else []
        self._accounts = (list(BillingAccount.objects.filter(number__in=tokens).select_related("contract__customer"))
                          if tokens else [])

    def customer(self, address: str) -> Customer | None:
        pk = self._owner.get(address.strip().lower())
        return self._customers.get(pk) if pk is not None else None

    def suggestion(self, text: str) -> str:
        inns, tokens = _tokens(text)
        hints = [f"{c} (ИНН {c.inn})" for c in self._by_inn if c.inn in inns][:3]
        hints += [f"{c.customer} (договор № {c.number})" for c in self._contracts if c.number in tokens][:3]
        hints += [f"{a.contract.customer} (лицевой счёт {a.number})"
                  for a in self._accounts if a.number in tokens][:3]
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

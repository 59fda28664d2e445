"""The bulk and parallel paths: a fetched chunk recorded with one INSERT and one SELECT and flagged once
recorded; outcomes written without the raw bytes; a chunk's senders identified with a few queries; each
record claimed by exactly one registration (two claimers, a killed worker and the sweep); on PostgreSQL the
registrations' commits made durable once per chunk."""

import threading
from datetime import timedelta

import pytest
from django.db import connection as db
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abonent.appeals.models import Appeal
from abonent.channels.email import inbound
from abonent.channels.email.models import InboundEmail, MailboxConnection
from abonent.channels.email.tests.conftest import fixture_bytes
from abonent.channels.email.tests.test_imap import append_all, server_state
from abonent.core.testing.threads import run_in_threads
from abonent.organisation.models import Mailbox

S = InboundEmail.Status


@pytest.fixture
def mailbox_connection(organisation):
    mailbox = Mailbox.objects.get_or_create(organisation=organisation, address="meter@bges.ru")[0]
    return MailboxConnection.objects.create(mailbox=mailbox, host="127.0.0.1", port=143, security="plain",
                                            username="u", password="p")


def statements(queries, verb: str, table: str = "email_channel_inboundemail") -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith(verb) and f'"{table}"' in q["sql"]]


def test_a_chunk_is_recorded_with_one_insert_and_read_back_with_one_select(mailbox_connection):
    raws = {uid: fixture_bytes(name) for uid, name in
            [(1, "cp1251_8bit.eml"), (2, "koi8r_qp.eml"), (3, "utf8_base64.eml")]}
    with CaptureQueriesContext(db) as queries:
        records = inbound.record_chunk(mailbox_connection, 7, raws)
    assert (len(statements(queries, "INSERT")), len(statements(queries, "SELECT"))) == (1, 1)
    assert sorted(records) == [1, 2, 3]
    assert all(bytes(records[uid].raw) == raws[uid] and records[uid].status == S.RECEIVED for uid in raws)
    assert {(r.uidvalidity, r.folder, r.size) for r in records.values()} == {
        (7, "INBOX", len(raws[1])), (7, "INBOX", len(raws[2])), (7, "INBOX", len(raws[3]))}


def test_a_message_recorded_by_an_interrupted_poll_is_kept_as_it_is(mailbox_connection):
    first = inbound.record_chunk(mailbox_connection, 7, {1: fixture_bytes("cp1251_8bit.eml")})[1]
    inbound.process(first)
    records = inbound.record_chunk(mailbox_connection, 7, {1: b"other bytes", 2: fixture_bytes("koi8r_qp.eml")})
    assert records[1].pk == first.pk and records[1].status == S.REGISTERED
    assert bytes(records[1].raw) == fixture_bytes("cp1251_8bit.eml")
    assert InboundEmail.objects.count() == 2


def test_the_outcome_is_written_without_the_raw_bytes(mailbox_connection):
    record = inbound.record_chunk(mailbox_connection, 7, {1: fixture_bytes("cp1251_8bit.eml")})[1]
    with CaptureQueriesContext(db) as queries:
        assert inbound.process(record) == S.REGISTERED
    updates = statements(queries, "UPDATE")
    assert len(updates) == 1 and '"raw"' not in updates[0] and '"status"' in updates[0]
    record.refresh_from_db()
    assert (record.status, record.appeal.subject) == (S.REGISTERED, "Вопрос по счёту за декабрь")
    assert record.message_id == "<cp1251-8bit@zavod.ru>" and "petrov@zavod.ru" in record.sender


def synchronous_commit() -> str:
    with db.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.mail
@pytest.mark.django_db(transaction=True)
def test_postgresql_records_durably_flags_then_registers_without_waiting(connection, imap_folder, monkeypatch):
    if db.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    append_all(imap_folder, ["cp1251_8bit.eml", "koi8r_qp.eml", "utf8_base64.eml"])
    default, steps = synchronous_commit(), []
    real_record, real_process, real_durable = inbound.record_chunk, inbound.process, inbound.make_durable
    real_mark = inbound.ImapSession.mark_processed

    def record_chunk(*args):
        steps.append(("record", synchronous_commit()))
        return real_record(*args)

    def process(record, **kwargs):
        steps.append(("process", synchronous_commit()))
        return real_process(record, **kwargs)

    def make_durable(registered):
        steps.append(("durable", synchronous_commit(), dict(registered)))
        real_durable(registered)

    def mark_processed(self, uids):
        if uids:
            steps.append(("flag", len(uids)))
        real_mark(self, uids)

    monkeypatch.setattr(inbound, "record_chunk", record_chunk)
    monkeypatch.setattr(inbound, "process", process)
    monkeypatch.setattr(inbound, "make_durable", make_durable)
    monkeypatch.setattr(inbound.ImapSession, "mark_processed", mark_processed)
    assert inbound.poll_mailbox(connection.pk, parallel=False).outcomes == {"registered": 3}
    assert steps == [("record", default), ("flag", 3), *[("process", "off")] * 3,
                     ("durable", default, {connection.pk: 3})]
    assert synchronous_commit() == default
    connection.refresh_from_db()
    assert connection.registered_count == 3


def recorded(mailbox_connection, names, uidvalidity: int = 7) -> list[int]:
    raws = {uid: fixture_bytes(name) for uid, name in enumerate(names, start=1)}
    return [r.pk for r in inbound.record_chunk(mailbox_connection, uidvalidity, raws).values()]


def test_a_chunk_identifies_its_senders_with_a_few_queries_not_a_few_per_message(mailbox_connection):
    ids = recorded(mailbox_connection, ["cp1251_8bit.eml", "koi8r_qp.eml", "utf8_base64.eml", "forwarded.eml",
                                        "html_only.eml"])
    with CaptureQueriesContext(db) as queries:
        inbound.register_received(ids)
    # Addresses (customers, contact persons, the matched customers), INN, contract and account numbers.
    assert len([q for q in queries.captured_queries if '"customers_' in q["sql"]]) <= 6
    assert InboundEmail.objects.filter(status=S.REGISTERED).count() == 5


def test_registering_the_same_records_again_registers_nothing(mailbox_connection):
    ids = recorded(mailbox_connection, ["cp1251_8bit.eml", "koi8r_qp.eml"])
    assert inbound.register_received(ids) == {"registered": 2}
    assert inbound.register_received(ids) == {}
    assert Appeal.objects.count() == 2
    mailbox_connection.refresh_from_db()
    assert mailbox_connection.registered_count == 2


def test_a_worker_killed_after_claiming_leaves_the_record_to_the_sweep(mailbox_connection, monkeypatch):
    from abonent.channels.email import tasks

    ids = recorded(mailbox_connection, ["cp1251_8bit.eml", "koi8r_qp.eml"])
    real_process = inbound.process

    def killed(record, **kwargs):
        real_process(record, **kwargs)  # registered inside the claim's transaction, then the worker dies
        raise SystemExit("SIGKILL")

    monkeypatch.setattr(inbound, "process", killed)
    with pytest.raises(SystemExit):
        tasks.register_inbound.call(ids)
    monkeypatch.undo()
    # The claim's transaction never committed: no appeal, the record is still `received`.
    assert Appeal.objects.count() == 0
    assert set(InboundEmail.objects.values_list("status", flat=True)) == {S.RECEIVED}
    assert tasks.sweep_inbound.call() == 0  # not stale yet: its task may still be on its way
    InboundEmail.objects.update(fetched_at=timezone.now() - inbound.STALE_AFTER - timedelta(seconds=1))
    assert tasks.sweep_inbound.call() == 2  # the immediate backend registers them at once
    assert set(InboundEmail.objects.values_list("status", flat=True)) == {S.REGISTERED}
    assert Appeal.objects.count() == 2
    assert tasks.sweep_inbound.call() == 0


@pytest.mark.mail
def test_in_parallel_mode_the_poller_records_flags_and_enqueues(connection, imap_folder, monkeypatch):
    from abonent.channels.email import tasks

    append_all(imap_folder, ["cp1251_8bit.eml", "koi8r_qp.eml", "utf8_base64.eml"])
    queued, real_task = [], tasks.register_inbound

    class Queue:
        @staticmethod
        def enqueue(ids):
            queued.append(ids)

    monkeypatch.setattr(tasks, "register_inbound", Queue)
    result = inbound.poll_mailbox(connection.pk, parallel=True)
    assert (result.recorded, result.queued, result.seen, result.outcomes) == (3, 3, 0, {})
    assert server_state(imap_folder) == [(1, True), (2, True), (3, True)]
    assert Appeal.objects.count() == 0
    assert [sorted(InboundEmail.objects.filter(pk__in=ids).values_list("uid", flat=True)) for ids in queued] == [
        [1, 2, 3]]
    assert inbound.poll_mailbox(connection.pk, parallel=True).recorded == 0
    assert real_task.call(queued[0]) == {"registered": 3}
    assert Appeal.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_claimers_never_register_the_same_record(mailbox_connection):
    if not db.features.has_select_for_update_skip_locked:
        pytest.skip("SQLite's claimers go one after another (one write lock)")
    ids = recorded(mailbox_connection, ["cp1251_8bit.eml", "koi8r_qp.eml", "utf8_base64.eml", "html_only.eml",
                                        "nested_multipart.eml", "forwarded.eml", "rfc2231_names.eml",
                                        "undeclared_charset.eml"])
    barrier, results = threading.Barrier(2), []

    def claimer():
        barrier.wait()
        results.append(inbound.register_received(ids))

    assert run_in_threads(claimer, 2) == []
    assert sum(sum(r.values()) for r in results) == 8  # each record's outcome counted by exactly one claimer
    assert Appeal.objects.count() == 8
    assert InboundEmail.objects.filter(status=S.REGISTERED).count() == 8
    mailbox_connection.refresh_from_db()
    assert mailbox_connection.registered_count == 8


def test_the_claim_is_taken_in_the_registrations_transaction(mailbox_connection):
    ids = recorded(mailbox_connection, ["cp1251_8bit.eml"])
    with transaction.atomic():
        assert inbound.claim(ids[0]) is True
    InboundEmail.objects.filter(pk=ids[0]).update(status=S.REGISTERED)
    with transaction.atomic():
        assert inbound.claim(ids[0]) is False

"""The poller's bulk path: a fetched chunk recorded with one INSERT and one SELECT, outcomes written without
the raw bytes, and on PostgreSQL the chunk's commits made durable once, before anything is flagged."""

import pytest
from django.db import DatabaseError
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from abonent.appeals.models import Appeal
from abonent.channels.email import inbound
from abonent.channels.email.models import InboundEmail, MailboxConnection
from abonent.channels.email.tests.conftest import fixture_bytes
from abonent.channels.email.tests.test_imap import append_all, server_state
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


@pytest.mark.mail
def test_nothing_is_flagged_when_the_durable_commit_fails(connection, imap_folder, monkeypatch):
    append_all(imap_folder, ["cp1251_8bit.eml", "koi8r_qp.eml"])

    def disk_full(connection_id):
        raise DatabaseError("could not write to file")

    monkeypatch.setattr(inbound, "make_durable", disk_full)
    with pytest.raises(DatabaseError):
        inbound.poll_mailbox(connection.pk)
    assert server_state(imap_folder) == [(1, False), (2, False)]
    monkeypatch.undo()
    # The outcomes that did reach the disk are only flagged now; nothing is registered twice.
    assert inbound.poll_mailbox(connection.pk).seen == 0
    assert server_state(imap_folder) == [(1, True), (2, True)]
    assert Appeal.objects.count() == 2


def synchronous_commit() -> str:
    with db.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.mail
@pytest.mark.django_db(transaction=True)
def test_postgresql_commits_a_chunk_without_waiting_and_flushes_it_before_flagging(connection, imap_folder,
                                                                                   monkeypatch):
    if db.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    append_all(imap_folder, ["cp1251_8bit.eml", "koi8r_qp.eml", "utf8_base64.eml"])
    default, steps = synchronous_commit(), []
    real_process, real_durable = inbound.process, inbound.make_durable
    real_mark = inbound.ImapSession.mark_processed

    def process(record):
        steps.append(("process", synchronous_commit()))
        return real_process(record)

    def make_durable(connection_id):
        steps.append(("durable", synchronous_commit()))
        real_durable(connection_id)

    def mark_processed(self, uids):
        if uids:
            steps.append(("flag", len(uids)))
        real_mark(self, uids)

    monkeypatch.setattr(inbound, "process", process)
    monkeypatch.setattr(inbound, "make_durable", make_durable)
    monkeypatch.setattr(inbound.ImapSession, "mark_processed", mark_processed)
    assert inbound.poll_mailbox(connection.pk).outcomes == {"registered": 3}
    assert steps == [("process", "off")] * 3 + [("durable", default), ("flag", 3)]
    assert synchronous_commit() == default
    assert all(flag for _, flag in server_state(imap_folder))


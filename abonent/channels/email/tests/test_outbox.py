"""The durable outbox against a real SMTP server (aiosmtpd): an outage leaves messages queued and they are
delivered exactly once when it is back; permanent refusals stop and are shown to staff; a fan-out's batch goes
over one connection, a refusal is one message's alone, and a dead worker's batch is sent once."""

import datetime
import email
import email.policy

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from abonent.appeals.models import AppealEvent, Reply
from abonent.appeals.services import approve_reply, draft_reply, submit_reply
from abonent.appeals.tests.factories import register
from abonent.channels.email import outbox, tasks
from abonent.channels.email.models import OutgoingEmail

pytestmark = pytest.mark.mail
OS = OutgoingEmail.Status


def received(server):
    return [email.message_from_bytes(e.original_content, policy=email.policy.default) for e in server.sink.envelopes]


@pytest.fixture
def appeal(operator):
    return register(registered_by=operator, sender_email="client@example.ru", source_key="email:<first@example.ru>")


def approved_reply(appeal, executor, signatory):
    reply = draft_reply(appeal=appeal, text="Начисление выполнено верно.", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    reply.refresh_from_db()
    return reply


def test_reply_goes_through_smtp_with_message_id_threading_and_pdf(smtp_server, appeal, executor, signatory):
    smtp_server.sink.envelopes.clear()  # the acknowledgement
    reply = approved_reply(appeal, executor, signatory)
    row = OutgoingEmail.objects.get(reply=reply)
    assert (reply.status, reply.provider_id) == (Reply.Status.SENT, row.message_id)
    assert (row.status, row.attempts) == (OS.SENT, 1)
    [message] = received(smtp_server)
    assert message["Message-ID"] == row.message_id
    assert (message["In-Reply-To"], message["References"]) == ("<first@example.ru>", "<first@example.ru>")
    assert message["Subject"].startswith(f"Ответ на обращение № {appeal.number}")
    assert [p.get_filename() for p in message.iter_attachments()] == [f"Ответ {reply.outgoing_number}.pdf"]
    assert smtp_server.sink.envelopes[0].rcpt_tos == ["client@example.ru"]


def test_outage_keeps_the_message_queued_and_the_retry_delivers_it_once(smtp_server, appeal, executor, signatory):
    smtp_server.sink.envelopes.clear()
    smtp_server.stop()
    reply = approved_reply(appeal, executor, signatory)
    row = OutgoingEmail.objects.get(reply=reply)
    assert (row.status, row.attempts) == (OS.QUEUED, 1)
    assert row.last_error.startswith("ConnectionRefusedError")
    assert row.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)
    assert tasks.retry_outbox.call() == 0  # not due yet
    smtp_server.start()
    with time_machine.travel(row.next_attempt_at + datetime.timedelta(seconds=1), tick=False):
        assert tasks.retry_outbox.call() == 1
        assert tasks.retry_outbox.call() == 0
        tasks.deliver_email.call(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (OS.SENT, 2, "")
    assert [m["Message-ID"] for m in received(smtp_server)] == [row.message_id]


def test_retries_stop_after_the_last_delay(smtp_server, operator):
    smtp_server.stop()
    appeal = register(registered_by=operator, sender_email="client@example.ru")
    row = OutgoingEmail.objects.get(appeal=appeal)  # the acknowledgement, first attempt failed
    assert (row.status, row.attempts) == (OS.QUEUED, 1)
    for _ in range(5):
        with time_machine.travel(OutgoingEmail.objects.get(pk=row.pk).next_attempt_at, tick=False):
            tasks.deliver_email.call(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OS.FAILED, 6)


def test_permanent_refusal_fails_the_message_and_tells_staff(smtp_server, operator):
    smtp_server.sink.refuse_code = "550 5.1.1 No such user"
    appeal = register(registered_by=operator, sender_email="nobody@example.ru")
    row = OutgoingEmail.objects.get(appeal=appeal)
    assert (row.status, row.attempts) == (OS.FAILED, 1)
    assert "550" in row.last_error
    note = appeal.events.get(kind=AppealEvent.Kind.NOTE).data["text"]
    assert note.startswith(f"Письмо «Обращение № {appeal.number} зарегистрировано» не доставлено по e-mail")
    assert smtp_server.sink.envelopes == []


def test_a_claimed_message_is_never_sent_twice(smtp_server, appeal):
    row = OutgoingEmail.objects.get(appeal=appeal)
    assert row.status == OS.SENT
    OutgoingEmail.objects.filter(pk=row.pk).update(status=OS.SENDING)
    assert tasks.deliver_email.call(row.pk) == "not due"
    assert len(smtp_server.sink.envelopes) == 1


def test_a_message_left_sending_by_a_killed_worker_is_sent_after_the_stale_period(smtp_server, appeal):
    row = OutgoingEmail.objects.get(appeal=appeal)
    # The worker claimed the row and died before talking to the server.
    OutgoingEmail.objects.filter(pk=row.pk).update(status=OS.SENDING, sent_at=None)
    smtp_server.sink.envelopes.clear()
    assert tasks.retry_outbox.call() == 0  # a live worker may still be sending it
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        assert tasks.retry_outbox.call() == 1
        assert tasks.retry_outbox.call() == 0
    row.refresh_from_db()
    assert row.status == OS.SENT
    (message,) = received(smtp_server)
    assert message["Message-ID"] == row.message_id


# --- a fan-out's batches: written in bulk, one send task and one SMTP connection per batch ---


def letters(*addresses):
    return [outbox.Letter(to=[address], subject="Уведомление", body=f"Текст для {address}") for address in addresses]


def test_a_fan_out_batch_goes_over_one_smtp_connection(smtp_server, db, monkeypatch):
    monkeypatch.setattr(outbox, "SEND_BATCH", 4)
    with transaction.atomic():
        rows = outbox.enqueue_emails(letters(*(f"c{n}@example.ru" for n in range(6))))
    assert set(OutgoingEmail.objects.values_list("status", "attempts")) == {(OS.SENT, 1)}
    assert [m["Message-ID"] for m in received(smtp_server)] == [row.message_id for row in rows]
    assert [e.rcpt_tos for e in smtp_server.sink.envelopes] == [[f"c{n}@example.ru"] for n in range(6)]
    peers = smtp_server.sink.peers
    assert len(set(peers[:4])) == 1 and len(set(peers[4:])) == 1 and peers[0] != peers[4]  # two batches


def test_a_refused_recipient_fails_alone_and_the_others_are_sent_once(smtp_server, db):
    smtp_server.sink.refuse = {"gone@example.ru": "550 5.1.1 No such user",
                               "full@example.ru": "452 4.2.2 Mailbox full"}
    with transaction.atomic():
        outbox.enqueue_emails(letters("a@example.ru", "gone@example.ru", "full@example.ru", "b@example.ru"))
    rows = {row.recipients[0]: row for row in OutgoingEmail.objects.all()}
    assert (rows["gone@example.ru"].status, rows["gone@example.ru"].attempts) == (OS.FAILED, 1)
    assert "550" in rows["gone@example.ru"].last_error
    full = rows["full@example.ru"]
    assert (full.status, full.attempts) == (OS.QUEUED, 1) and "452" in full.last_error
    assert {rows["a@example.ru"].status, rows["b@example.ru"].status} == {OS.SENT}
    assert [e.rcpt_tos for e in smtp_server.sink.envelopes] == [["a@example.ru"], ["b@example.ru"]]
    assert len(set(smtp_server.sink.peers)) == 1  # the refusals did not cost the connection

    smtp_server.sink.refuse = {}
    with time_machine.travel(full.next_attempt_at + datetime.timedelta(seconds=1), tick=False):
        assert tasks.retry_outbox.call() == 1  # the full mailbox only: nothing else is resent
    full.refresh_from_db()
    assert (full.status, full.attempts) == (OS.SENT, 2)
    assert sorted(m["To"] for m in received(smtp_server)) == ["a@example.ru", "b@example.ru", "full@example.ru"]


def test_a_batch_claimed_by_a_worker_that_dies_is_requeued_and_each_message_sent_once(smtp_server, db, monkeypatch):
    rows = [OutgoingEmail.objects.create(message_id=outbox.new_message_id(), from_email="noreply@bges.ru",
                                         recipients=[f"k{n}@example.ru"], subject="Уведомление", body="Текст")
            for n in range(5)]
    ids = [row.pk for row in rows]
    real_message = outbox._message
    built = []

    def dying(email):
        built.append(email.pk)
        if len(built) == 3:
            raise KeyboardInterrupt  # the worker is killed before the third message
        return real_message(email)

    monkeypatch.setattr(outbox, "_message", dying)
    with pytest.raises(KeyboardInterrupt):
        outbox.deliver_many(ids)
    monkeypatch.setattr(outbox, "_message", real_message)
    statuses = dict(OutgoingEmail.objects.values_list("pk", "status"))
    assert [statuses[pk] for pk in ids] == [OS.SENT, OS.SENT, OS.SENDING, OS.SENDING, OS.SENDING]
    assert outbox.deliver_many(ids) == []  # the dead worker's claim is not taken while it may be alive
    assert tasks.retry_outbox.call() == 0
    with time_machine.travel(timezone.now() + outbox.STALE_SENDING + datetime.timedelta(minutes=1), tick=False):
        assert tasks.retry_outbox.call() == 3
        assert tasks.retry_outbox.call() == 0
    assert set(OutgoingEmail.objects.values_list("status", "attempts")) == {(OS.SENT, 1)}
    assert sorted(m["Message-ID"] for m in received(smtp_server)) == sorted(row.message_id for row in rows)


def test_an_outage_keeps_the_whole_batch_queued_for_a_retry(smtp_server, db):
    smtp_server.stop()
    with transaction.atomic():
        outbox.enqueue_emails(letters("a@example.ru", "b@example.ru"))
    rows = list(OutgoingEmail.objects.all())
    assert {(row.status, row.attempts) for row in rows} == {(OS.QUEUED, 1)}
    assert all(row.last_error.startswith("ConnectionRefusedError") for row in rows)

"""Replies and notices through both operators' fakes: sent once with the reply PDF, followed to the
recipient's receipt, retried after server errors without a second copy, shown to staff when refused."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from abonent.appeals.models import Appeal, AppealEvent, Reply
from abonent.appeals.services import approve_reply, draft_reply, submit_reply
from abonent.channels.edo import inbound, sender
from abonent.channels.edo.models import EdoOutgoing
from abonent.channels.edo.tasks import check_edo_receipts, retry_edo_outbox
from abonent.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
OS = EdoOutgoing.Status


@pytest.fixture
def customer():
    return CustomerFactory()


@pytest.fixture
def appeal(edo, box, customer):
    edo.letter(customer.inn, customer.kpp, customer.name)
    inbound.poll_box(box.pk)
    return Appeal.objects.get()


def approved_reply(appeal, executor, signatory):
    reply = draft_reply(appeal=appeal, text="Начисление выполнено верно.", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    reply.refresh_from_db()
    return reply


def reply_files(edo, reply):
    name = f"Ответ {reply.outgoing_number}.pdf"
    return [files[name] for files in edo.sent() if name in files]


def test_acknowledgement_goes_back_through_the_same_box(edo, appeal):
    [notice] = EdoOutgoing.objects.all()
    assert (notice.reply, notice.appeal, notice.status, notice.attempts) == (None, appeal, OS.SENT, 1)
    assert [list(files) for files in edo.sent()] == [["Уведомление.txt"]]
    assert appeal.events.filter(kind=AppealEvent.Kind.ACKNOWLEDGED).count() == 1


def test_reply_is_sent_with_its_pdf_and_followed_to_the_receipt(edo, appeal, executor, signatory):
    reply = approved_reply(appeal, executor, signatory)

    row = EdoOutgoing.objects.get(reply=reply)
    assert (reply.status, reply.provider_id) == (Reply.Status.SENT, str(row.operation_id))
    assert (row.status, row.attempts, row.counterparty_inn) == (OS.SENT, 1, appeal.customer.inn)
    [pdf] = reply_files(edo, reply)
    assert pdf.startswith(b"%PDF")

    edo.delivered(row.provider_message_id)
    check_edo_receipts.call()
    row.refresh_from_db()
    assert (row.status, row.read_at) == (OS.DELIVERED, None)
    assert row.delivered_at is not None

    edo.receipt(row.provider_message_id)
    check_edo_receipts.call()
    row.refresh_from_db()
    assert row.status == OS.READ and row.read_at is not None
    note = appeal.events.filter(kind=AppealEvent.Kind.NOTE).latest("pk")
    assert note.data["text"].startswith(f"Ответ получен клиентом по ЭДО: «Ответ на обращение № {appeal.number}")


def test_server_error_after_the_operator_took_the_document_is_retried_without_a_second_copy(
        edo, appeal, executor, signatory):
    edo.fake.fail_next(edo.send_route, status=500, after_effect=True)
    reply = approved_reply(appeal, executor, signatory)
    row = EdoOutgoing.objects.get(reply=reply)
    assert (reply.status, row.status, row.attempts, row.last_error) == (
        Reply.Status.SENT, OS.QUEUED, 1, "оператор ЭДО ответил 500")
    assert row.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)

    assert retry_edo_outbox.call() == 0  # not due yet
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
        assert retry_edo_outbox.call() == 1

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (OS.SENT, 2, "")
    assert len(reply_files(edo, reply)) == 1


def test_expired_token_while_sending_is_renewed(edo, appeal, executor, signatory):
    edo.expire()
    reply = approved_reply(appeal, executor, signatory)
    assert EdoOutgoing.objects.get(reply=reply).status == OS.SENT
    assert len(reply_files(edo, reply)) == 1


def test_permanent_refusal_of_a_sent_reply_returns_it_to_staff(fake_diadoc, organisation, executor, signatory):
    from abonent.channels.edo.tests.conftest import DiadocDriver

    edo = DiadocDriver(fake_diadoc)
    box = edo.box()
    customer = CustomerFactory()
    edo.letter(customer.inn, customer.kpp, customer.name)
    inbound.poll_box(box.pk)
    appeal = Appeal.objects.get()
    del fake_diadoc.organisations[edo.boxes[(customer.inn, customer.kpp)]]  # the counterparty left Diadoc

    reply = approved_reply(appeal, executor, signatory)

    row = EdoOutgoing.objects.get(reply=reply)
    reply.refresh_from_db()
    assert (row.status, row.attempts) == (OS.FAILED, 1)
    assert row.last_error.startswith("Диадок: PostMessage: HTTP 400")
    assert (reply.status, reply.failure) == (Reply.Status.FAILED, f"Ответ не доставлен по ЭДО (Диадок (Контур), "
                                                                  f"ИНН {customer.inn}): {row.last_error}")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.IN_PROGRESS


def test_reply_without_an_edo_document_or_inn_is_refused_at_once(organisation, operator, executor, signatory):
    from abonent.appeals.tests.factories import register

    appeal = register(registered_by=operator, channel="edo")
    reply = approved_reply(appeal, executor, signatory)

    assert (reply.status, reply.failure) == (Reply.Status.FAILED, "У обращения нет ИНН отправителя для ответа по ЭДО.")
    assert not EdoOutgoing.objects.exists()


def test_sending_row_left_by_a_crash_is_queued_again(edo, appeal):
    row = EdoOutgoing.objects.get()
    EdoOutgoing.objects.filter(pk=row.pk).update(status=OS.SENDING, updated_at=timezone.now())
    assert sender.due_ids() == []
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        assert sender.due_ids() == [row.pk]

"""Proof of delivery through the real channels: the SMTP server (aiosmtpd), both EDO operators' fakes and the
PBX's outbound call queue (fetched and reported over its HTTP endpoints)."""

import datetime as dt
import email
import email.policy
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from abonent.channels.edo.fakes import FakeDiadoc, FakeSbis
from abonent.channels.edo.models import EdoBox, EdoIncoming, EdoOutgoing, Operator
from abonent.channels.edo.tasks import check_edo_receipts
from abonent.channels.phone.models import OutboundCall
from abonent.notifications import compose, tasks
from abonent.notifications.models import ChannelSetting, Notification

pytestmark = pytest.mark.django_db
N = Notification.Status
BARNAUL = dt.timezone(dt.timedelta(hours=7))
WORKDAY_10AM = dt.datetime(2026, 3, 11, 10, 0, tzinfo=BARNAUL)
LIMITATION = {"debt": Decimal("25000.00"), "as_of": dt.date(2026, 3, 1), "limitation_date": dt.date(2026, 3, 25)}


def only(channels):
    ChannelSetting.objects.exclude(channel__in=channels).update(is_enabled=False)


def notify(account, key="lim-1"):
    return compose.notify(type_code="debt_limitation", customer=account.customer, account=account, key=key,
                          **LIMITATION)


@pytest.mark.mail
def test_email_notice_reaches_the_smtp_server_and_is_marked_delivered(smtp_server, account):
    only(["email"])
    notify(account)
    notice = Notification.objects.get(channel="email")
    assert notice.status == N.SENT
    [envelope] = smtp_server.sink.envelopes
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert message["Message-ID"] == notice.provider_id
    assert envelope.rcpt_tos == [account.customer.email]
    # (the parser may drop the space at a folded encoded-word boundary, so compare without spaces)
    assert message["Subject"].replace(" ", "") == notice.subject.replace(" ", "")
    assert notice.subject == "Уведомление о введении ограничения режима потребления электрической энергии"
    assert "с 25.03.2026 будет введено ограничение" in message.get_content()
    assert tasks.sync_delivery_reports.call()["email"] == {"delivered": 1, "failed": 0}
    notice.refresh_from_db()
    assert notice.status == N.DELIVERED and notice.delivered_at is not None
    assert tasks.sync_delivery_reports.call()["email"] == {"delivered": 0, "failed": 0}


@pytest.mark.mail
def test_refused_email_becomes_a_failed_notice(smtp_server, account):
    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such user"

    smtp_server.handler.handle_RCPT = refuse
    only(["email"])
    notify(account)
    tasks.sync_delivery_reports.call()
    notice = Notification.objects.get(channel="email")
    assert notice.status == N.FAILED and "550" in notice.error
    assert smtp_server.sink.envelopes == []


@pytest.mark.mail
def test_a_bounce_after_delivery_fails_the_email_notice(smtp_server, account):
    from abonent.channels.email.outbox import mark_bounced

    only(["email"])
    notify(account)
    tasks.sync_delivery_reports.call()
    notice = Notification.objects.get(channel="email")
    assert notice.status == N.DELIVERED
    mark_bounced(message_ids=[notice.provider_id], reason="550 5.1.1 User unknown")
    assert tasks.sync_delivery_reports.call()["email"] == {"delivered": 0, "failed": 1}
    notice.refresh_from_db()
    assert notice.status == N.FAILED and notice.error == "возврат (DSN): 550 5.1.1 User unknown"
    assert tasks.sync_delivery_reports.call()["email"] == {"delivered": 0, "failed": 0}


def test_the_minutes_pass_does_not_grow_with_delivered_notices(organisation, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from abonent.channels.email.models import OutgoingEmail
    from abonent.notifications import receipts
    from abonent.notifications.tests.factories import account_of

    monkeypatch.setattr(receipts, "CHUNK", 10)
    only(["email"])

    def deliver(count):
        for n in range(count):
            notify(account_of(), key=f"many-{n}")
        OutgoingEmail.objects.update(status="sent")
        receipts.sync_all()
        assert not Notification.objects.filter(channel="email").exclude(status=N.DELIVERED).exists()
        with CaptureQueriesContext(connection) as queries:
            receipts.sync_email(timezone.now())
        return len(queries)

    assert deliver(3) == deliver(30)


def test_edo_notice_delivered_then_read_later(organisation, account):
    from abonent.notifications.tests.factories import edo_history

    only(["edo"])
    edo_history(account.customer)
    notify(account)
    notice = Notification.objects.get(channel="edo")
    document = EdoOutgoing.objects.get(operation_id=notice.provider_id)
    moment = timezone.now()
    document.status, document.delivered_at = "delivered", moment
    document.save()
    assert tasks.sync_delivery_reports.call()["edo"] == {"delivered": 1, "read": 0, "failed": 0}
    document.status, document.read_at = "read", moment + dt.timedelta(hours=2)
    document.save()
    assert tasks.sync_delivery_reports.call()["edo"] == {"delivered": 0, "read": 1, "failed": 0}
    notice.refresh_from_db()
    assert (notice.status, notice.delivered_at, notice.read_at) == (N.READ, moment, moment + dt.timedelta(hours=2))
    assert tasks.sync_delivery_reports.call()["edo"] == {"delivered": 0, "read": 0, "failed": 0}


class Diadoc:
    fake_class = FakeDiadoc

    def __init__(self, fake):
        self.fake = fake

    def box(self):
        return EdoBox.objects.create(operator=Operator.DIADOC, title="Диадок", box_id=self.fake.box_id,
                                     base_url=self.fake.url, login="robot", password="secret", api_client_id="dev-key")

    def customer_box(self, customer):
        return self.fake.add_organisation(customer.inn, customer.kpp, customer.name)

    def sent(self):
        return [self.fake.sent_content(m) for m in self.fake.sent_messages()]

    def read(self, provider_id):
        self.fake.add_receipt(provider_id)


class Sbis:
    fake_class = FakeSbis

    def __init__(self, fake):
        self.fake = fake

    def box(self):
        return EdoBox.objects.create(operator=Operator.SBIS, title="СБИС", box_id="2221000002/222101001",
                                     base_url=self.fake.url, login="robot", password="secret")

    def customer_box(self, customer):
        return ""

    def sent(self):
        return [self.fake.sent_files(d) for d in self.fake.sent_documents()]

    def read(self, provider_id):
        self.fake.mark_read(provider_id)


@pytest.fixture(params=[Diadoc, Sbis], ids=["diadoc", "sbis"])
def edo(request, organisation):
    with request.param.fake_class() as fake:
        yield request.param(fake)


def test_edo_notice_goes_through_the_operator_and_its_receipt_marks_it_read(edo, account):
    only(["edo"])
    box = edo.box()
    customer = account.customer
    EdoIncoming.objects.create(box=box, document_id="in-1", sender_inn=customer.inn, sender_kpp=customer.kpp,
                               sender_name=customer.name, sender_box=edo.customer_box(customer))
    notify(account)
    notice = Notification.objects.get(channel="edo")
    document = EdoOutgoing.objects.get(operation_id=notice.provider_id)
    assert (notice.status, document.status, document.counterparty_inn) == (N.SENT, "sent", customer.inn)
    [files] = edo.sent()
    text = files["Уведомление.txt"].decode()
    assert text.startswith("Уведомление о введении ограничения режима потребления электрической энергии")
    assert "25\u00a0000,00\u00a0₽" in text
    edo.read(document.provider_message_id)
    check_edo_receipts.call()
    tasks.sync_delivery_reports.call()
    notice.refresh_from_db()
    assert notice.status == N.READ and notice.delivered_at and notice.read_at


def test_edo_is_not_used_for_a_customer_who_never_wrote_by_edo(edo, account):
    edo.box()
    notify(account)
    assert not Notification.objects.filter(channel="edo").exists()


@pytest.fixture
def pbx_token(db):
    from abonent.channels.phone.services import issue_pbx_token

    return issue_pbx_token("АТС")


def test_phone_notice_is_queued_for_the_pbx_and_an_answered_call_marks_it_delivered(client, account, pbx_token):
    only(["phone"])
    token = pbx_token
    with time_machine.travel(WORKDAY_10AM, tick=False):
        notify(account)
        notice = Notification.objects.get(channel="phone")
        call = OutboundCall.objects.get(pk=int(notice.provider_id))
        assert (call.source, call.number) == (f"notification:{notice.pk}", account.customer.phone)
        assert "задолженность 25\u00a0000,00\u00a0₽" in call.message_text
        fetched = client.get(reverse("phone:pbx_outbound", args=[token])).json()["calls"]
        assert [c["id"] for c in fetched] == [call.pk]
        tasks.sync_delivery_reports.call()
        notice.refresh_from_db()
        assert notice.status == N.SENT  # dialling, no answer yet
        response = client.post(reverse("phone:pbx_outbound_result", args=[token, call.pk]),
                               {"result": "answered"})
        assert response.status_code == 200
        tasks.sync_delivery_reports.call()
    notice.refresh_from_db()
    assert notice.status == N.DELIVERED and notice.delivered_at == WORKDAY_10AM


def test_unanswered_call_after_the_last_attempt_fails_the_notice(client, account, pbx_token):
    only(["phone"])
    token = pbx_token
    with time_machine.travel(WORKDAY_10AM, tick=False) as traveller:
        notify(account)
        notice = Notification.objects.get(channel="phone")
        for _ in range(3):
            call = OutboundCall.objects.get(pk=int(notice.provider_id))
            traveller.move_to(max(call.next_attempt_at, WORKDAY_10AM))
            [fetched] = client.get(reverse("phone:pbx_outbound", args=[token])).json()["calls"]
            client.post(reverse("phone:pbx_outbound_result", args=[token, fetched["id"]]), {"result": "no_answer"})
        tasks.sync_delivery_reports.call()
    notice.refresh_from_db()
    assert notice.status == N.FAILED
    assert notice.error == "Автозвонок: нет ответа (попыток: 3)"

"""Intake of one recorded message (no server): registration, exactly-once keys, threading only for the
customer's own addresses, loop protection, refused attachments, quarantine."""

import itertools

import pytest
from django.db import DataError

from abonent.appeals.models import Appeal, AppealEvent, AppealMessage, Attachment
from abonent.appeals.tests.factories import register
from abonent.channels.email import inbound
from abonent.channels.email.inbound import process
from abonent.channels.email.models import InboundEmail, MailboxConnection, OutgoingEmail
from abonent.channels.email.tests.conftest import fixture_bytes
from abonent.customers.tests.factories import ContactPersonFactory, ContractFactory, CustomerFactory
from abonent.organisation.models import Mailbox

S = InboundEmail.Status
_uids = itertools.count(1)


@pytest.fixture
def mailbox_connection(organisation):
    mailbox = Mailbox.objects.get_or_create(organisation=organisation, address="meter@bges.ru")[0]
    return MailboxConnection.objects.create(mailbox=mailbox, host="127.0.0.1", port=143, security="plain",
                                            username="u", password="p")


@pytest.fixture
def receive(mailbox_connection):
    def receive(raw: bytes) -> InboundEmail:
        record = InboundEmail.objects.create(connection=mailbox_connection, folder="INBOX", uidvalidity=1,
                                             uid=next(_uids), raw=raw, size=len(raw))
        process(record)
        record.refresh_from_db()
        return record
    return receive


def notes(appeal) -> list[str]:
    return [e.data["text"] for e in appeal.events.filter(kind=AppealEvent.Kind.NOTE)]


def test_plain_message_is_registered_with_sender_subject_and_date(receive):
    record = receive(fixture_bytes("cp1251_8bit.eml"))
    appeal = record.appeal
    assert record.status == S.REGISTERED
    assert (appeal.channel, appeal.reply_channel, appeal.sender_name, appeal.sender_email) == (
        "email", "email", "Петров Пётр", "petrov@zavod.ru")
    assert appeal.subject == "Вопрос по счёту за декабрь"
    assert appeal.text.startswith("Добрый день!\nПрошу разъяснить начисление за декабрь")
    assert appeal.received_at.isoformat() == "2026-01-12T03:15:00+00:00"
    assert appeal.source_key == "email:<cp1251-8bit@zavod.ru>"
    assert notes(appeal) == []


def test_the_same_message_seen_again_registers_nothing(receive):
    first = receive(fixture_bytes("koi8r_qp.eml"))
    again = receive(fixture_bytes("koi8r_qp.eml"))  # another UID: a copy, a re-delivery, a new UIDVALIDITY
    assert (first.status, again.status) == (S.REGISTERED, S.DUPLICATE)
    assert again.appeal == first.appeal
    assert Appeal.objects.count() == 1


def test_message_without_message_id_is_keyed_by_its_bytes(receive):
    raw = fixture_bytes("koi8r_qp.eml").replace(b"Message-ID: <koi8r-qp@torg.ru>\r\n", b"")
    first, again = receive(raw), receive(raw)
    assert first.source_key.startswith("email-sha256:")
    assert (first.status, again.status, Appeal.objects.count()) == (S.REGISTERED, S.DUPLICATE, 1)


def test_attachments_are_stored_with_their_russian_names(receive):
    appeal = receive(fixture_bytes("rfc2231_names.eml")).appeal
    assert sorted(appeal.attachments.values_list("original_name", flat=True)) == [
        "Акт сверки.pdf", "Счёт-фактура № 5.pdf"]


def test_winmail_dat_and_inline_image_are_kept_as_files(receive):
    assert list(receive(fixture_bytes("winmail.eml")).appeal.attachments.values_list("original_name", flat=True)) \
        == ["winmail.dat"]
    image_appeal = receive(fixture_bytes("inline_image.eml")).appeal
    assert sorted(image_appeal.attachments.values_list("original_name", flat=True)) == [
        "Исходное письмо.eml", "изображение-1.png"]


def test_refused_attachment_does_not_drop_the_appeal(receive):
    appeal = receive(fixture_bytes("exe_attachment.eml")).appeal
    assert list(appeal.attachments.values_list("original_name", flat=True)) == ["Акт сверки.pdf"]
    [note] = notes(appeal)
    assert note.startswith("Вложение не принято: Файл «программа.exe»: такой тип файлов не принимается.")


def test_html_only_message_keeps_the_original_as_eml(receive):
    appeal = receive(fixture_bytes("html_only.eml")).appeal
    assert appeal.text.startswith("Уважаемые коллеги!")
    [original] = appeal.attachments.all()
    assert (original.original_name, original.role) == ("Исходное письмо.eml", Attachment.Role.ATTACHMENT)


def test_malformed_message_is_registered_and_flagged(receive):
    record = receive(fixture_bytes("broken_header.eml"))
    assert record.status == S.REGISTERED
    assert record.appeal.text == "Текст письма читается."
    assert notes(record.appeal)[0].startswith("Повреждённые заголовки письма (IndexError)")


def test_unreadable_message_goes_to_quarantine_with_its_bytes(receive):
    raw = fixture_bytes("unreadable.eml")
    record = receive(raw)
    assert (record.status, record.appeal, bytes(record.raw)) == (S.QUARANTINED, None, raw)
    assert record.detail == "В письме не найдено ни отправителя, ни текста, ни вложений."
    assert not Appeal.objects.exists()


def test_nul_characters_in_headers_and_file_names_are_stripped(receive):
    raw = (b"From: =?utf-8?B?0JrQvtC3\x00?= <kozlov@zavod.ru>\r\nSubject: =?utf-8?Q?=D0=92=00=D0=BE?=\x00\r\n"
           b"Message-ID: <nul\x00-1@zavod.ru>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + "Текст\x00 письма".encode() + b"\r\n"
           b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"a\x00.pdf\"\r\n\r\n"
           b"%PDF-1.4\r\n--b--\r\n")
    record = receive(raw)
    appeal = record.appeal
    assert (record.status, record.message_id, record.subject) == (S.REGISTERED, "<nul-1@zavod.ru>", "Во")
    assert (appeal.sender_name, appeal.subject, appeal.text) == ("Коз", "Во", "Текст письма")
    assert appeal.source_key == "email:<nul-1@zavod.ru>"
    assert list(appeal.attachments.values_list("original_name", flat=True)) == ["a.pdf"]


def test_a_value_the_database_refuses_quarantines_the_message(receive, monkeypatch):
    def refused(**kwargs):
        raise DataError("value too long for type character varying(300)")

    monkeypatch.setattr(inbound, "register_appeal", refused)
    raw = fixture_bytes("cp1251_8bit.eml")
    record = receive(raw)
    assert (record.status, record.appeal, bytes(record.raw)) == (S.QUARANTINED, None, raw)
    assert record.detail == ("Письмо не удалось сохранить (DataError: value too long for type character "
                             "varying(300)); зарегистрируйте его вручную по исходному письму.")
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("name", ["autoreply.eml", "x_autoreply.eml", "precedence_bulk.eml", "dsn_bounce.eml",
                                  "mailer_daemon.eml"])
def test_automatic_mail_is_not_registered(receive, name):
    record = receive(fixture_bytes(name))
    assert record.status == S.IGNORED
    assert not Appeal.objects.exists()


def test_bounce_marks_our_outgoing_message_failed_and_tells_staff(receive, operator):
    appeal = register(registered_by=operator, sender_email="nobody@zavod.ru")
    sent = OutgoingEmail.objects.create(message_id="<outbox-bounced@abonent.test>", appeal=appeal,
                                        from_email="a@bges.ru", recipients=["nobody@zavod.ru"], subject="Ответ",
                                        body="…", status=OutgoingEmail.Status.SENT)
    receive(fixture_bytes("dsn_bounce.eml"))
    sent.refresh_from_db()
    assert sent.status == OutgoingEmail.Status.FAILED
    assert sent.last_error.startswith("возврат (DSN): I'm sorry")
    assert notes(appeal)[-1].startswith("Письмо «Ответ» не доставлено по e-mail (nobody@zavod.ru)")


def test_bounced_reply_goes_back_to_staff_as_failed(receive, operator, executor, signatory):
    from abonent.appeals.models import Reply
    from abonent.appeals.services import approve_reply, draft_reply, submit_reply

    appeal = register(registered_by=operator, sender_email="nobody@zavod.ru")
    reply = draft_reply(appeal=appeal, text="Ответ по существу", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    row = OutgoingEmail.objects.get(reply=reply)
    OutgoingEmail.objects.filter(pk=row.pk).update(message_id="<outbox-bounced@abonent.test>",
                                                   status=OutgoingEmail.Status.SENT)
    receive(fixture_bytes("dsn_bounce.eml"))
    reply.refresh_from_db()
    appeal.refresh_from_db()
    assert reply.status == Reply.Status.FAILED
    assert reply.failure.startswith("Ответ не доставлено по e-mail (nobody@zavod.ru)") or "возврат" in reply.failure
    assert (appeal.status, appeal.answered_at) == (Appeal.Status.IN_PROGRESS, None)


def _our_message(appeal, message_id="<our-reply@abonent.test>"):
    return OutgoingEmail.objects.create(message_id=message_id, appeal=appeal, from_email="a@bges.ru",
                                        recipients=[appeal.sender_email], subject="Ответ", body="…",
                                        status=OutgoingEmail.Status.SENT)


def test_customer_reply_to_our_message_threads(receive, operator):
    appeal = register(registered_by=operator, sender_email="petrov@zavod.ru")
    _our_message(appeal)
    record = receive(fixture_bytes("customer_reply.eml"))
    assert (record.status, record.appeal) == (S.THREADED, appeal)
    [message] = AppealMessage.objects.filter(appeal=appeal)
    assert message.text == "Спасибо, но вопрос не решён: начисление по-прежнему неверное."
    assert (message.channel, message.author) == ("email", "Петров Пётр <petrov@zavod.ru>")
    assert Appeal.objects.count() == 1


def test_reply_from_a_contact_person_of_the_customer_threads(receive, operator):
    customer = CustomerFactory(email="office@zavod.ru")
    ContactPersonFactory(customer=customer, email="Petrov@zavod.ru")
    appeal = register(registered_by=operator, customer=customer, sender_email="office@zavod.ru")
    _our_message(appeal)
    assert receive(fixture_bytes("customer_reply.eml")).appeal == appeal


def test_strangers_reply_is_registered_as_new(receive, operator):
    appeal = register(registered_by=operator, sender_email="owner@other.ru")
    _our_message(appeal)
    record = receive(fixture_bytes("customer_reply.eml"))
    assert record.status == S.REGISTERED
    assert record.appeal != appeal
    assert not AppealMessage.objects.exists()
    assert notes(record.appeal) == [
        f"Письмо похоже на ответ по обращению № {appeal.number}, но адрес отправителя petrov@zavod.ru не "
        f"совпадает с адресами клиента: зарегистрировано как новое."]


def test_number_in_the_subject_threads_for_the_same_sender(receive, operator):
    appeal = register(registered_by=operator, sender_email="petrov@zavod.ru")
    raw = fixture_bytes("reply_by_number.eml")
    from email.header import Header
    subject = Header(f"Re: Обращение № {appeal.number} зарегистрировано", "utf-8").encode().encode()
    raw = raw.replace(raw.split(b"Subject: ")[1].split(b"\r\n")[0], subject)
    record = receive(raw)
    assert (record.status, record.appeal) == (S.THREADED, appeal)


def test_reply_to_a_closed_appeal_is_registered_as_new(receive, operator):
    appeal = register(registered_by=operator, sender_email="petrov@zavod.ru")
    _our_message(appeal)
    Appeal.objects.filter(pk=appeal.pk).update(status=Appeal.Status.CLOSED)
    record = receive(fixture_bytes("customer_reply.eml"))
    assert record.status == S.REGISTERED and record.appeal != appeal


def test_sender_address_identifies_the_customer(receive):
    customer = CustomerFactory(email="buh@sibir.ru")
    assert receive(fixture_bytes("utf8_base64.eml")).appeal.customer == customer


def test_inn_and_contract_in_the_text_only_suggest_the_customer(receive):
    customer = CustomerFactory(inn="2224011531")
    appeal = receive(fixture_bytes("utf8_base64.eml")).appeal
    assert appeal.customer is None
    assert notes(appeal) == [f"Возможно, письмо от клиента: {customer} (ИНН 2224011531). Проверьте и укажите клиента."]
    contract = ContractFactory(number="22-0451")
    appeal = receive(fixture_bytes("cp1251_8bit.eml")).appeal
    assert notes(appeal) == [f"Возможно, письмо от клиента: {contract.customer} (договор № 22-0451). "
                             f"Проверьте и укажите клиента."]


def test_acknowledgement_goes_to_the_outbox_threaded_under_the_customers_letter(receive):
    appeal = receive(fixture_bytes("cp1251_8bit.eml")).appeal
    [ack] = OutgoingEmail.objects.all()
    assert (ack.appeal, ack.recipients, ack.in_reply_to) == (appeal, ["petrov@zavod.ru"], "<cp1251-8bit@zavod.ru>")
    assert ack.status == OutgoingEmail.Status.SENT  # locmem backend in tests
    assert appeal.events.get(kind=AppealEvent.Kind.ACKNOWLEDGED).data["provider_id"] == ack.message_id

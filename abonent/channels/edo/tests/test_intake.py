"""Intake from both operators' fakes: each incoming document becomes one appeal, whatever the feed repeats."""

import pytest

from abonent.appeals.errors import AppealError
from abonent.appeals.models import Appeal
from abonent.channels.edo import inbound
from abonent.channels.edo.models import EdoBox, EdoIncoming
from abonent.channels.edo.tasks import poll_edo_boxes
from abonent.core.testing.redirects import redirecting_server
from abonent.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_incoming_document_becomes_an_appeal_with_its_files_and_signature(edo, box):
    customer = CustomerFactory()
    doc_id = edo.letter(customer.inn, customer.kpp, customer.name)

    result = inbound.poll_box(box.pk)

    appeal = Appeal.objects.get()
    assert (result.registered, result.repeated, result.error, result.appeals) == (1, 0, "", [appeal.number])
    assert (appeal.channel, appeal.reply_channel, appeal.customer, appeal.sender_inn) == (
        "edo", "edo", customer, customer.inn)
    assert appeal.source_key == f"edo:{edo.operator}:{doc_id}"
    assert sorted(appeal.attachments.values_list("original_name", flat=True)) == ["Претензия.pdf", "Претензия.pdf.sig"]
    incoming = EdoIncoming.objects.get()
    assert (incoming.document_id, incoming.appeal, incoming.sender_kpp) == (doc_id, appeal, customer.kpp)
    box.refresh_from_db()
    assert box.cursor and (box.registered_count, box.last_error) == (1, "")


def test_repeated_items_and_a_replayed_feed_register_once(edo, box):
    customer = CustomerFactory()
    first = edo.letter(customer.inn, customer.kpp)
    edo.repeat(first)
    second = edo.letter(customer.inn, customer.kpp)
    edo.repeat(first)

    assert inbound.poll_box(box.pk).registered == 2
    assert inbound.poll_box(box.pk).registered == 0  # a restart with the stored cursor: nothing new
    EdoBox.objects.filter(pk=box.pk).update(cursor="")  # the cursor lost: the whole feed comes again
    replay = inbound.poll_box(box.pk)

    assert replay.registered == 0
    assert sorted(Appeal.objects.values_list("source_key", flat=True)) == sorted(
        [f"edo:{edo.operator}:{first}", f"edo:{edo.operator}:{second}"])
    assert EdoIncoming.objects.count() == 2


def test_customer_is_matched_by_inn_and_kpp(edo, box):
    head = CustomerFactory(kpp="222401001")
    branch = CustomerFactory(inn=head.inn, kpp="222402001", name="Филиал", short_name="Филиал")
    edo.letter(branch.inn, branch.kpp, "Филиал")

    inbound.poll_box(box.pk)

    assert Appeal.objects.get().customer == branch
    assert head != branch


def test_unknown_inn_is_registered_without_a_customer(edo, box):
    CustomerFactory()
    edo.letter("2224999995", "222401001", "ООО «Незнакомое»")

    inbound.poll_box(box.pk)

    appeal = Appeal.objects.get()
    assert (appeal.customer, appeal.sender_inn, appeal.sender_organisation) == (
        None, "2224999995", "ООО «Незнакомое»")


def test_expired_token_is_renewed_transparently(edo, box):
    customer = CustomerFactory()
    edo.letter(customer.inn, customer.kpp)
    client = inbound.client_for(box)
    inbound.poll_box(box.pk, client=client)
    edo.expire()
    edo.letter(customer.inn, customer.kpp)

    result = inbound.poll_box(box.pk, client=client)

    assert (result.registered, result.error) == (1, "")
    assert Appeal.objects.count() == 2
    assert edo.fake.count(edo.auth_route) >= 2


def test_server_error_keeps_the_cursor_and_the_next_poll_registers_once(edo, box):
    customer = CustomerFactory()
    edo.letter(customer.inn, customer.kpp)
    edo.fake.fail_next(edo.feed_route, status=503)

    failed = inbound.poll_box(box.pk)

    box.refresh_from_db()
    assert (failed.registered, failed.error, box.cursor) == (0, "оператор ЭДО ответил 503", "")
    assert box.last_error == "оператор ЭДО ответил 503"
    assert not Appeal.objects.exists()
    assert inbound.poll_box(box.pk).registered == 1
    box.refresh_from_db()
    assert (Appeal.objects.count(), box.last_error) == (1, "")


def test_a_redirect_of_the_operator_is_not_followed_and_shown_on_the_box(edo, box):
    with redirecting_server({"Token": "x"}) as server:
        EdoBox.objects.filter(pk=box.pk).update(base_url=server.url)
        failed = inbound.poll_box(box.pk)
    assert len(server.paths) == 1 and not server.landed  # the login and password went nowhere else
    message = (f"оператор ЭДО ответил перенаправлением 302 на «/landed{server.paths[0]}»; перенаправления не "
               "выполняются, проверьте адрес API в настройках ящика")
    box.refresh_from_db()
    assert (failed.registered, failed.error, box.last_error, box.cursor) == (0, message, message, "")


def test_cursor_does_not_move_when_registration_fails(edo, box, monkeypatch):
    customer = CustomerFactory()
    edo.letter(customer.inn, customer.kpp)

    def refuse(**kwargs):
        raise AppealError("База недоступна")

    monkeypatch.setattr(inbound, "register_appeal", refuse)
    result = inbound.poll_box(box.pk)

    box.refresh_from_db()
    assert (result.error, box.cursor, box.last_error) == ("База недоступна", "", "База недоступна")
    assert not EdoIncoming.objects.exists()
    monkeypatch.undo()
    assert inbound.poll_box(box.pk).registered == 1


def test_refused_file_is_named_in_the_text_and_the_rest_is_registered(edo, box):
    customer = CustomerFactory()
    edo.letter(customer.inn, customer.kpp, files=[("Письмо.pdf", b"%PDF-1.4 x"), ("setup.exe", b"MZ\x90\x00")])

    inbound.poll_box(box.pk)

    appeal = Appeal.objects.get()
    names = sorted(appeal.attachments.values_list("original_name", flat=True))
    assert names == ["setup.exe.sig", "Письмо.pdf", "Письмо.pdf.sig"]
    assert "Не принят: Файл «setup.exe»: такой тип файлов не принимается." in appeal.text


def test_sbis_file_not_ready_yet_is_taken_on_a_later_poll(fake_sbis, organisation):
    from abonent.channels.edo.tests.conftest import PDF, SbisDriver

    box = SbisDriver(fake_sbis).box()
    doc_id = fake_sbis.add_document(inn="2224999995", kpp="222401001", name="ООО «Незнакомое»", title="Письмо",
                                    files=[("Письмо.pdf", PDF)], signed=False, link_ready=False)
    assert inbound.poll_box(box.pk).error == "СБИС: файл «Письмо.pdf» ещё не готов к скачиванию"
    box.refresh_from_db()
    assert (box.cursor, Appeal.objects.count()) == ("", 0)
    fake_sbis.make_links_ready(doc_id)
    assert inbound.poll_box(box.pk).registered == 1
    assert list(Appeal.objects.get().attachments.values_list("original_name", flat=True)) == ["Письмо.pdf"]


def test_poll_task_polls_enabled_boxes_only(edo, box):
    EdoBox.objects.create(operator=edo.operator, title="Выключен", box_id="x/1", base_url="http://127.0.0.1:9",
                          login="x", password="x", polling_enabled=False)
    customer = CustomerFactory()
    edo.letter(customer.inn, customer.kpp)

    assert poll_edo_boxes.call() == 1
    assert Appeal.objects.count() == 1

"""Appeals in the portal: the list, a new appeal (registered once however often it is submitted), the
appeal's page with only what the customer may see, the reply's signed PDF, the customer's files and
messages; 404 for everything of other customers."""

import re
import uuid

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from abonent.appeals.models import Appeal, AppealEvent, AppealMessage, Attachment, Reply
from abonent.appeals.services import add_note, approve_reply, close_appeal, draft_reply, submit_reply
from abonent.appeals.tests.factories import register
from abonent.customers.models import PortalAccess
from abonent.customers.tests.factories import BillingAccountFactory
from abonent.organisation.models import Channel
from abonent.portal.tests.test_account import link, portal_user, text_of

pytestmark = pytest.mark.django_db
R = PortalAccess.Role
E = AppealEvent.Kind
PDF = b"%PDF-1.4\n% test\n"


@pytest.fixture
def account(organisation):
    return BillingAccountFactory(number="2200000101", object_name="Котельная")


@pytest.fixture
def energy_manager(account):
    user = portal_user("energo@example.ru", last_name="Сидоров", first_name="Пётр", middle_name="")
    link(user, account, R.ENERGY_MANAGER)
    return user


@pytest.fixture
def client_in(client, energy_manager):
    client.force_login(energy_manager)
    return client


@pytest.fixture
def others_appeal(organisation):
    return register(billing_account=BillingAccountFactory(), text="Чужое обращение о начислениях.")


def new_appeal_data(account, **extra):
    return {"token": str(uuid.uuid4()), "account": account.pk, "kind": "claim", "topic": "",
            "subject": "Перерасчёт за март", "text": "Прошу пересчитать начисление за март: прибор учёта заменён.",
            "reply_channel": Channel.PORTAL, **extra}


def post_new(client, data, files=()):
    return client.post(reverse("portal:appeal_new"), {**data, "files": list(files)})


def test_a_new_appeal_is_registered_with_number_and_deadline(client_in, account, energy_manager):
    data = new_appeal_data(account)
    response = post_new(client_in, data, [SimpleUploadedFile("акт замены.pdf", PDF, "application/pdf")])
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:appeal", args=[appeal.pk])
    assert (appeal.channel, appeal.reply_channel, appeal.kind) == (Channel.PORTAL, Channel.PORTAL, "claim")
    assert (appeal.customer, appeal.billing_account) == (account.contract.customer, account)
    assert appeal.sender_name == "Сидоров Пётр" and appeal.sender_email == "energo@example.ru"
    assert appeal.sender_inn == account.contract.customer.inn
    assert appeal.source_key == f"portal:{energy_manager.pk}:{data['token']}"
    [file] = appeal.attachments.all()
    assert (file.original_name, file.role) == ("акт замены.pdf", Attachment.Role.ATTACHMENT)
    page = text_of(client_in.get(response["Location"]))
    due = timezone.localtime(appeal.due_at).strftime("%d.%m.%Y")
    assert f"Обращение зарегистрировано под № {appeal.number}. Ответ будет направлен не позднее {due}." in page
    assert f"Срок ответа не позднее {due}" in page
    # The acknowledgement is shown in the portal, no e-mail goes anywhere for it.
    assert f"Уведомление: Обращение № {appeal.number} зарегистрировано" in page
    assert "Вам сообщены номер обращения" not in page  # the notice itself is there
    assert mail.outbox == []


def test_a_double_submit_registers_one_appeal(client_in, account):
    data = new_appeal_data(account)
    first = post_new(client_in, data)
    second = post_new(client_in, data)
    assert Appeal.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_bad_file_is_refused_and_nothing_is_registered(client_in, account):
    response = post_new(client_in, new_appeal_data(account),
                        [SimpleUploadedFile("счёт.pdf", b"MZ\x90\x00binary", "application/pdf")])
    assert response.status_code == 400
    assert "Файл «счёт.pdf»: содержимое не соответствует типу .pdf." in text_of(response)
    assert "Прошу пересчитать начисление за март" in response.content.decode()  # the text is kept
    assert Appeal.objects.count() == 0


def test_a_refused_form_keeps_the_text_and_names_the_files_to_choose_again(client_in, account):
    files = [SimpleUploadedFile("акт.pdf", PDF, "application/pdf"),
             SimpleUploadedFile("фото.png", b"\x89PNG\r\n\x1a\n0000", "image/png")]
    response = post_new(client_in, new_appeal_data(account, text="", subject="Акт замены прибора"), files)
    assert response.status_code == 400
    page = text_of(response)
    assert "Обязательное поле." in page
    assert 'value="Акт замены прибора"' in response.content.decode()
    assert "Файлы не приложены (акт.pdf, фото.png): браузер не сохраняет их в форме после ошибки" in page
    assert Appeal.objects.count() == 0


def test_a_refused_message_names_the_files_to_choose_again(client_in, answered):
    appeal, _ = answered
    response = client_in.post(reverse("portal:appeal_message", args=[appeal.pk]), {
        "token": "not-a-token", "text": "Прикладываю акт.",
        "files": [SimpleUploadedFile("акт.pdf", PDF, "application/pdf")]})
    assert response.status_code == 400
    assert "Форма устарела: отправьте дополнение ещё раз." in text_of(response)
    assert "Файлы не приложены (акт.pdf)" in text_of(response)
    html = response.content.decode()
    assert "Прикладываю акт." in html and 'value="not-a-token"' not in html
    assert not AppealMessage.objects.exists()
    token = re.search(r'name="token" value="([0-9a-f-]{36})"', html).group(1)  # a new one: sending again works
    again = client_in.post(reverse("portal:appeal_message", args=[appeal.pk]),
                           {"token": token, "text": "Прикладываю акт."})
    assert again.status_code == 302 and AppealMessage.objects.count() == 1


def test_too_many_files_are_refused(client_in, account):
    files = [SimpleUploadedFile(f"{n}.pdf", PDF, "application/pdf") for n in range(6)]
    response = post_new(client_in, new_appeal_data(account), files)
    assert response.status_code == 400 and "Можно приложить не больше 5 файлов." in text_of(response)
    assert Appeal.objects.count() == 0


def test_reply_by_email_needs_an_address_in_the_profile(client, account):
    user = portal_user("noemail@example.ru")
    user.email = ""
    user.save()
    link(user, account)
    client.force_login(user)
    response = post_new(client, new_appeal_data(account, reply_channel=Channel.EMAIL))
    assert response.status_code == 400 and "нет адреса электронной почты" in text_of(response)
    assert Appeal.objects.count() == 0


def test_another_customers_account_cannot_be_chosen(client_in):
    response = post_new(client_in, new_appeal_data(BillingAccountFactory()))
    assert response.status_code == 400 and Appeal.objects.count() == 0


def test_the_form_offers_the_reply_channels_and_the_chosen_account(client_in, account, edo_box):
    response = client_in.get(reverse("portal:appeal_new"), {"account": account.pk})
    html = response.content.decode()
    for channel in (Channel.PORTAL, Channel.EMAIL, Channel.EDO, Channel.POST):
        assert f'value="{channel}"' in html
    assert f'<option value="{account.pk}" selected>' in html


def test_edo_is_not_offered_without_an_edo_box_to_answer_from(client_in, account):
    html = client_in.get(reverse("portal:appeal_new")).content.decode()
    assert f'value="{Channel.EDO}"' not in html and f'value="{Channel.PORTAL}"' in html
    response = post_new(client_in, new_appeal_data(account, reply_channel=Channel.EDO))
    assert response.status_code == 400 and "Выберите корректный вариант" in text_of(response)
    assert not Appeal.objects.exists()


# --- The reply goes out through the channel the customer chose (and is always readable in the portal) ---


@pytest.fixture
def edo_box(db):
    from abonent.channels.edo.models import EdoBox, Operator

    return EdoBox.objects.create(operator=Operator.DIADOC, title="Диадок", box_id="box-1",
                                 base_url="http://127.0.0.1:9", login="robot", password="secret")


def answer_from_the_portal(client_in, account, executor, signatory, channel):
    response = post_new(client_in, new_appeal_data(account, reply_channel=channel))
    assert response.status_code == 302, text_of(response)
    appeal = Appeal.objects.get()
    assert appeal.reply_channel == channel
    mail.outbox.clear()
    reply = draft_reply(appeal=appeal, text="Перерасчёт выполнен в апрельском счёте.", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    reply.refresh_from_db()
    assert (reply.status, reply.channel) == (Reply.Status.SENT, channel)
    assert appeal.events.get(kind=E.REPLY_SENT).data["channel"] == channel
    page = text_of(client_in.get(reverse("portal:appeal", args=[appeal.pk])))
    assert "Перерасчёт выполнен в апрельском счёте." in page  # readable in the portal whatever the channel
    return appeal, reply


def test_a_reply_by_email_goes_to_the_logins_address_with_the_signed_pdf(client_in, account, energy_manager,
                                                                          executor, signatory):
    appeal, reply = answer_from_the_portal(client_in, account, executor, signatory, Channel.EMAIL)
    [letter] = [m for m in mail.outbox if m.subject.startswith(f"Ответ на обращение № {appeal.number}")]
    assert letter.to == ["energo@example.ru"]
    assert "Перерасчёт выполнен в апрельском счёте." in letter.body
    [(name, content, kind)] = letter.attachments
    assert (name, kind) == (f"Ответ {reply.outgoing_number}.pdf", "application/pdf") and content.startswith(b"%PDF")


def test_a_reply_in_the_portal_tells_the_logins_by_email_that_it_is_ready(client_in, account, energy_manager,
                                                                          executor, signatory):
    appeal, reply = answer_from_the_portal(client_in, account, executor, signatory, Channel.PORTAL)
    [letter] = mail.outbox
    assert letter.subject == f"Ответ на обращение № {appeal.number} готов" and letter.to == ["energo@example.ru"]
    assert letter.attachments == [] and "Перерасчёт" not in letter.body
    assert reply.provider_id == f"portal:reply:{reply.pk}"


def test_a_reply_by_edo_is_queued_to_the_customers_inn(client_in, account, executor, signatory, edo_box):
    from abonent.channels.edo.models import EdoOutgoing

    appeal, reply = answer_from_the_portal(client_in, account, executor, signatory, Channel.EDO)
    outgoing = EdoOutgoing.objects.get(reply=reply)
    customer = account.contract.customer
    assert (outgoing.box, outgoing.counterparty_inn, outgoing.counterparty_kpp) == (edo_box, customer.inn,
                                                                                    customer.kpp)
    assert [f.name for f in outgoing.files.all()] == [f"Ответ {reply.outgoing_number}.pdf"]
    assert not [m for m in mail.outbox if m.attachments]


def test_a_reply_by_post_goes_to_the_customers_postal_address(client_in, account, executor, signatory):
    customer = account.contract.customer
    address = customer.postal_address or customer.legal_address
    appeal, reply = answer_from_the_portal(client_in, account, executor, signatory, Channel.POST)
    assert appeal.sender_address == address and reply.provider_id == f"Почта России: {address}"
    assert not [m for m in mail.outbox if m.attachments]


def test_the_list_shows_the_customers_appeals_only(client_in, account, others_appeal):
    mine = register(billing_account=account, subject="Вопрос о тарифе", kind="question")
    by_post = register(customer=account.contract.customer, channel=Channel.POST, text="Письмо клиента.")
    page = text_of(client_in.get(reverse("portal:appeals")))
    assert f"№ {mine.number}" in page and f"№ {by_post.number}" in page
    assert f"№ {others_appeal.number}" not in page
    assert re.search(rf"№ {mine.number} \S+ вопрос / запрос информации Вопрос о тарифе .* № 2200000101 "
                     rf"зарегистрировано {timezone.localtime(mine.due_at):%d.%m.%Y}", page)


def test_a_login_without_links_sees_no_appeals(client, account):
    register(billing_account=account)
    pending = portal_user("pending@example.ru")
    link(pending, account, status=PortalAccess.Status.PENDING)
    client.force_login(pending)
    assert "Обращений пока нет." in text_of(client.get(reverse("portal:appeals")))


@pytest.fixture
def answered(account, executor, signatory, operator):
    appeal = register(billing_account=account, channel=Channel.PORTAL, reply_channel=Channel.PORTAL,
                      text="Прошу разъяснить начисление.")
    add_note(appeal=appeal, text="Клиент конфликтный, осторожно.", author=operator)
    reply = draft_reply(appeal=appeal, text="Начисление выполнено по показаниям прибора.", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    reply.refresh_from_db()
    return appeal, reply


def test_the_appeal_page_shows_the_reply_and_the_customers_timeline_only(client_in, answered):
    appeal, reply = answered
    response = client_in.get(reverse("portal:appeal", args=[appeal.pk]))
    assert response.status_code == 200
    page = text_of(response)
    assert "ответ направлен" in page
    assert f"Ответ исх. № {reply.outgoing_number}" in page and "Начисление выполнено по показаниям прибора." in page
    assert "Исполнитель: Волков Дмитрий Тестович, тел. 8 (3852) 50-12-99" in page
    assert reverse("portal:reply_pdf", args=[reply.pk]) in response.content.decode()
    assert f"Обращение зарегистрировано под № {appeal.number}" in page
    assert f"Ответ направлен, исх. № {reply.outgoing_number}" in page
    for internal in ("конфликтный", "проект ответа", "передан на подпись", "подписан"):
        assert internal not in page


def test_the_signed_reply_pdf_is_the_one_sent(client_in, answered):
    appeal, reply = answered
    response = client_in.get(reverse("portal:reply_pdf", args=[reply.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    stored = appeal.attachments.get(role=Attachment.Role.REPLY)
    with stored.file.open("rb") as handle:
        assert response.content == handle.read()
    assert "attachment" in response["Content-Disposition"]


def test_a_reply_not_sent_yet_is_not_there(client_in, account, executor):
    appeal = register(billing_account=account)
    reply = draft_reply(appeal=appeal, text="Черновик.", author=executor)
    assert client_in.get(reverse("portal:reply_pdf", args=[reply.pk])).status_code == 404
    assert "Черновик." not in text_of(client_in.get(reverse("portal:appeal", args=[appeal.pk])))


def test_the_customers_files_download_but_not_the_reply_attachment(client_in, answered, account):
    appeal, _reply = answered
    response = post_new(client_in, new_appeal_data(account),
                        [SimpleUploadedFile("фото.png", b"\x89PNG\r\n\x1a\n0000", "image/png")])
    own = Appeal.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1]).attachments.get()
    download = client_in.get(reverse("portal:attachment", args=[own.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\x89PNG")
    reply_file = appeal.attachments.get(role=Attachment.Role.REPLY)
    assert client_in.get(reverse("portal:attachment", args=[reply_file.pk])).status_code == 404


def test_a_message_is_added_once_and_reopens_an_answered_appeal(client_in, answered, energy_manager):
    appeal, _ = answered
    data = {"token": str(uuid.uuid4()), "text": "Прибор заменён 05.03, прикладываю акт."}
    url = reverse("portal:appeal_message", args=[appeal.pk])
    first = client_in.post(url, {**data, "files": [SimpleUploadedFile("акт.pdf", PDF, "application/pdf")]})
    second = client_in.post(url, data)
    assert first.status_code == second.status_code == 302
    [message] = AppealMessage.objects.filter(appeal=appeal)
    assert (message.channel, message.author) == (Channel.PORTAL, "Сидоров Пётр")
    assert message.attachments.get().original_name == "акт.pdf"
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.IN_PROGRESS
    assert appeal.events.get(kind=E.MESSAGE_ADDED).actor == energy_manager
    page = text_of(client_in.get(reverse("portal:appeal", args=[appeal.pk])))
    assert re.search(r"Дополнение от Сидоров Пётр [\d.: ]+ Прибор заменён 05\.03, прикладываю акт\.", page)


def test_an_empty_message_is_refused(client_in, answered):
    appeal, _ = answered
    response = client_in.post(reverse("portal:appeal_message", args=[appeal.pk]), {"token": str(uuid.uuid4())})
    assert response.status_code == 400 and "Напишите текст дополнения или приложите файл." in text_of(response)
    assert not AppealMessage.objects.exists()


def test_a_closed_appeal_takes_no_messages(client_in, answered, executor):
    appeal, _ = answered
    close_appeal(appeal=appeal, closed_by=executor)
    page = text_of(client_in.get(reverse("portal:appeal", args=[appeal.pk])))
    assert "Обращение закрыто. Если вопрос остался" in page
    response = client_in.post(reverse("portal:appeal_message", args=[appeal.pk]),
                              {"token": str(uuid.uuid4()), "text": "Ещё вопрос."})
    assert response.status_code == 400 and "закрыто: направьте новое обращение" in text_of(response)
    assert not AppealMessage.objects.exists()


def test_everything_of_other_customers_is_404(client_in, others_appeal, executor, signatory):
    reply = draft_reply(appeal=others_appeal, text="Ответ другому клиенту.", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.SENT
    others_appeal.attachments.create(role=Attachment.Role.ATTACHMENT, file="x", original_name="x.pdf",
                                     content_type="application/pdf", size=1, sha256="0")
    file = others_appeal.attachments.get(role=Attachment.Role.ATTACHMENT)
    assert client_in.get(reverse("portal:appeal", args=[others_appeal.pk])).status_code == 404
    assert client_in.post(reverse("portal:appeal_message", args=[others_appeal.pk]),
                          {"token": str(uuid.uuid4()), "text": "x"}).status_code == 404
    assert client_in.get(reverse("portal:reply_pdf", args=[reply.pk])).status_code == 404
    assert client_in.get(reverse("portal:attachment", args=[file.pk])).status_code == 404
    assert not AppealMessage.objects.exists()


def test_anonymous_visitors_go_to_the_login(client, others_appeal):
    for url in (reverse("portal:appeals"), reverse("portal:appeal_new"),
                reverse("portal:appeal", args=[others_appeal.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))

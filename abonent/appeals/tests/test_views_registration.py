import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from abonent.appeals.models import Appeal, AppealEvent, Attachment, Kind, UrgencyCategory
from abonent.appeals.tests.factories import register
from abonent.customers.tests.factories import BillingAccountFactory, ContractFactory, CustomerFactory
from abonent.organisation.models import Topic

pytestmark = pytest.mark.usefixtures("organisation")
REGISTER = reverse("appeals:register")
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def form_data(**fields) -> dict:
    data = {"token": str(uuid.uuid4()), "channel": "in_person", "kind": "question", "sender_name": "Иванов Иван",
            "sender_phone": "+7 (3852) 20-00-00", "sender_address": "656000, г. Барнаул, ул. Попова, 1",
            "subject": "Разъяснить начисление", "text": "Прошу разъяснить начисление за октябрь."}
    return {**data, **fields}


def test_form_shows_the_fields_of_each_channel(client, operator):
    client.force_login(operator)
    post = client.get(REGISTER, {"channel": "post"})
    phone = client.get(REGISTER, {"channel": "phone"})
    in_person = client.get(REGISTER)
    assert {"postmark_date", "files"} <= set(post.context["form"].fields)
    assert post.context["form"].fields["files"].label == "Скан письма и приложений"
    assert not {"postmark_date", "files"} & set(phone.context["form"].fields)
    assert "files" in in_person.context["form"].fields and "postmark_date" not in in_person.context["form"].fields
    assert in_person.context["channel"] == "in_person"
    uuid.UUID(post.context["form"].initial["token"])  # a fresh idempotency token in every rendered form
    assert 'name="token"' in post.content.decode()


def test_reply_channel_offers_only_channels_that_can_send(client, operator, monkeypatch):
    from abonent.appeals import delivery

    monkeypatch.delitem(delivery._SENDERS, "edo", raising=False)  # a channel without a sender
    client.force_login(operator)
    choices = [value for value, _ in client.get(REGISTER).context["form"].fields["reply_channel"].choices]
    assert choices == ["", "in_person", "post", "email", "portal"]


def test_reception_desk_registers_an_appeal_and_lands_on_its_card(client, operator):
    client.force_login(operator)
    customer = CustomerFactory()
    account = BillingAccountFactory(contract=ContractFactory(customer=customer))

    response = client.post(REGISTER, form_data(customer=customer.pk, billing_account=account.pk,
                                               topic=Topic.objects.get(code="readings").pk))

    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/appeals/{appeal.number}/?registered=1"
    assert (appeal.channel, appeal.kind, appeal.customer, appeal.billing_account) == (
        "in_person", "question", customer, account)
    assert (appeal.registered_by, appeal.sender_phone, appeal.department.code) == (operator, "+73852200000", "audit")
    assert appeal.source_key.startswith("form:")
    card = client.get(response["Location"])
    due = timezone.localtime(appeal.due_at).strftime("%d.%m.%Y")
    assert f"Обращение зарегистрировано: № {appeal.number}, срок ответа до {due}." in card.content.decode()
    assert "Печать копии с отметкой о регистрации" in card.content.decode()
    assert reverse("appeals:stamp_pdf", args=[appeal.number]) in card.content.decode()


def test_paper_letter_keeps_the_scan_and_the_postmark_date(client, operator):
    client.force_login(operator)
    postmark = timezone.localdate() - datetime.timedelta(days=3)
    scan = SimpleUploadedFile("Письмо ООО Ромашка.pdf", PDF, content_type="application/pdf")

    response = client.post(f"{REGISTER}?channel=post", form_data(channel="post", postmark_date=postmark.isoformat(),
                                                                 files=[scan], text=""))

    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.channel, appeal.postmark_date, appeal.reply_channel) == ("post", postmark, "post")
    [attachment] = appeal.attachments.all()
    assert (attachment.role, attachment.original_name, attachment.uploaded_by) == (
        Attachment.Role.SCAN, "Письмо ООО Ромашка.pdf", operator)


def test_double_submit_registers_once_and_lands_on_the_same_appeal(client, operator):
    client.force_login(operator)
    data = form_data()
    first = client.post(REGISTER, data)
    second = client.post(REGISTER, data)
    assert Appeal.objects.count() == 1
    assert first["Location"] == second["Location"] == f"/appeals/{Appeal.objects.get().number}/?registered=1"
    card = client.get(second["Location"]).content.decode()
    assert "Эта форма уже отправлена" in card


def test_service_refusal_is_shown_in_russian_and_nothing_is_registered(client, operator):
    client.force_login(operator)
    executable = SimpleUploadedFile("акт.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(REGISTER, form_data(files=[executable]))
    assert response.status_code == 400
    assert response.context["form"].errors["files"] == ["Файл «акт.pdf»: содержимое не соответствует типу .pdf."]
    assert Appeal.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_empty_appeal_is_refused_at_the_text_field(client, operator):
    client.force_login(operator)
    response = client.post(REGISTER, form_data(text="   "))
    assert response.status_code == 400
    assert response.context["form"].errors["text"] == ["Текст обращения пуст и нет приложенных файлов."]
    assert "Обращение не зарегистрировано" in response.content.decode()
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"sender_inn": "2221000701"}, "sender_inn", "контрольной суммой"),
    ({"sender_phone": "12"}, "sender_phone", "10 цифр номера"),
    ({"reply_channel": "email", "sender_email": ""}, "sender_email", "укажите адрес e-mail"),
    ({"reply_channel": "edo"}, "reply_channel", "Выберите корректный вариант"),
    ({"kind": "question", "urgency": "URGENCY"}, "urgency", "только для жалоб"),
    ({"channel": "post", "postmark_date": "2099-01-01"}, "postmark_date", "не может быть в будущем"),
])
def test_bad_input_is_refused_with_a_russian_message(client, operator, fields, field, message, monkeypatch):
    from abonent.appeals import delivery

    monkeypatch.delitem(delivery._SENDERS, "edo", raising=False)  # "edo" stands for a channel without a sender
    urgent = UrgencyCategory.objects.create(name="Срочная", code="urgent", days=5)
    if fields.get("urgency") == "URGENCY":
        fields = {**fields, "urgency": urgent.pk}
    client.force_login(operator)
    response = client.post(f"{REGISTER}?channel={fields.get('channel', 'in_person')}", form_data(**fields))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Appeal.objects.exists()


def test_billing_account_of_another_customer_is_refused(client, operator):
    client.force_login(operator)
    customer = CustomerFactory()
    ContractFactory(customer=customer)
    foreign = BillingAccountFactory()
    response = client.post(REGISTER, form_data(customer=customer.pk, billing_account=foreign.pk))
    assert response.status_code == 400
    assert "billing_account" in response.context["form"].errors
    assert not Appeal.objects.exists()


def test_complaint_by_phone_shows_the_operator_what_to_tell_the_customer(client, operator):
    client.force_login(operator)
    response = client.post(f"{REGISTER}?channel=phone", form_data(
        channel="phone", kind="complaint", sender_email="", sender_address="656000, г. Барнаул, ул. Попова, 1",
        is_conflict="on"))
    appeal = Appeal.objects.get()
    assert (appeal.kind, appeal.channel, appeal.reply_channel) == ("complaint", "phone", "post")
    assert appeal.is_conflict
    assert appeal.events.filter(kind=AppealEvent.Kind.CONFLICT).exists()
    card = client.get(response["Location"])
    due = timezone.localtime(appeal.due_at).strftime("%d.%m.%Y")
    assert card.context["phone_script"] == (
        f"Ваша жалоба зарегистрирована под номером {appeal.number}. Срок рассмотрения жалобы — не более "
        f"30 календарных дней, то есть до {due}. Информация о результатах рассмотрения в письменном виде будет "
        f"направлена на Ваш почтовый адрес: 656000, г. Барнаул, ул. Попова, 1.")
    assert "Сообщите клиенту" in card.content.decode()


def test_complaint_with_an_urgency_category_gets_its_term(client, operator):
    urgent = UrgencyCategory.objects.create(name="Срочная", code="urgent", days=5)
    client.force_login(operator)
    client.post(REGISTER, form_data(kind=Kind.COMPLAINT, urgency=urgent.pk))
    appeal = Appeal.objects.get()
    assert appeal.urgency == urgent
    assert timezone.localtime(appeal.due_at).date() > timezone.localdate()


def test_customer_lookup_finds_by_name_inn_and_contract(client, operator):
    customer = CustomerFactory(name="ООО «Алтайский Пекарь»", short_name="ООО «Алтайский Пекарь»")
    ContractFactory(customer=customer, number="7788")
    CustomerFactory()
    client.force_login(operator)
    url = reverse("appeals:customer_lookup")
    for query in ("пекарь", customer.inn, "7788"):
        response = client.get(url, {"customer_query": query}, headers={"HX-Request": "true"})
        assert list(response.context["customers"]) == [customer], query
        assert f"?customer={customer.pk}" in response.content.decode()
    assert "не меньше двух символов" in client.get(url, {"customer_query": "п"}).content.decode()


def test_picking_a_customer_offers_its_accounts_and_fills_empty_sender_fields(client, operator):
    customer = CustomerFactory(short_name="ООО «Пекарь»", email="office@pekar.ru")
    mine = BillingAccountFactory(contract=ContractFactory(customer=customer))
    BillingAccountFactory()
    client.force_login(operator)

    response = client.get(reverse("appeals:customer_pick"), {"customer": customer.pk, "sender_email": "",
                                                              "sender_inn": "7701000000"},
                          headers={"HX-Request": "true"})

    assert list(response.context["form"].fields["billing_account"].queryset) == [mine]
    html = response.content.decode()
    assert f'name="customer" value="{customer.pk}"' in html
    assert 'id="id_sender_email"' in html and 'value="office@pekar.ru"' in html and 'hx-swap-oob="true"' in html
    assert 'id="id_sender_inn"' not in html  # the operator typed it: not overwritten


def test_registration_is_refused_to_executors(client, executor):
    client.force_login(executor)
    assert client.get(REGISTER).status_code == 403
    assert client.post(REGISTER, form_data()).status_code == 403
    assert client.get(reverse("appeals:customer_lookup"), {"customer_query": "ооо"}).status_code == 403
    assert not Appeal.objects.exists()


def test_registered_in_person_card_reminds_about_the_stamped_copy(client, operator):
    appeal = register(registered_by=operator, channel="in_person")
    client.force_login(operator)
    html = client.get(f"{appeal.get_absolute_url()}?registered=1").content.decode()
    assert "копию заявления с отметкой о регистрации" in html
    assert 'class="button primary big"' in html

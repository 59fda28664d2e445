import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from abonent.appeals.files import IncomingFile
from abonent.appeals.models import Reply
from abonent.appeals.services import (
    approve_reply,
    assign_appeal,
    draft_reply,
    extend_deadline,
    submit_reply,
)
from abonent.appeals.tests.factories import register
from abonent.customers.tests.factories import CustomerFactory
from abonent.organisation.models import Department, Topic

pytestmark = pytest.mark.usefixtures("organisation")
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def audit_appeal(operator):
    return register(registered_by=operator, topic=Topic.objects.get(code="readings"),
                    subject="Не учтены показания", text="Прошу учесть показания за октябрь.")


@pytest.fixture
def sales_appeal(operator):
    return register(registered_by=operator, topic=Topic.objects.get(code="payments"))


def url(name: str, appeal, *args) -> str:
    return reverse(f"appeals:{name}", args=[appeal.number, *args])


def test_card_shows_the_appeal_and_its_customer(client, operator, executor):
    customer = CustomerFactory(short_name="ООО «Пекарь»")
    appeal = register(registered_by=operator, topic=Topic.objects.get(code="readings"), customer=customer,
                      sender_organisation="ООО «Пекарь»", sender_phone="+73852200000", postmark_date=None)
    client.force_login(executor)

    response = client.get(appeal.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Обращение № {appeal.number}" in html
    assert customer.get_absolute_url() in html
    assert "Прошу разъяснить начисление за октябрь по договору." in html
    assert "Отдел технического аудита" in html
    assert timezone.localtime(appeal.due_at).strftime("%d.%m.%Y") in html
    assert "Взять в работу" in html  # an executor of the department, nobody has it yet


def test_executor_gets_404_for_another_departments_appeal(client, executor, sales_appeal):
    client.force_login(executor)
    for path in (sales_appeal.get_absolute_url(), url("stamp_pdf", sales_appeal)):
        assert client.get(path).status_code == 404
    assert client.post(url("note", sales_appeal), {"text": "Заметка"}).status_code == 404
    assert not sales_appeal.events.filter(kind="note").exists()


def test_reception_and_heads_open_any_appeal(client, sales_appeal, operator, supervisor):
    for user in (operator, supervisor):
        client.force_login(user)
        assert client.get(sales_appeal.get_absolute_url()).status_code == 200


def test_signatory_sees_the_appeal_whose_reply_they_sign(client, executor, signatory, audit_appeal):
    client.force_login(signatory)
    assert client.get(audit_appeal.get_absolute_url()).status_code == 404
    reply = draft_reply(appeal=audit_appeal, text="Показания учтены.", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    response = client.get(audit_appeal.get_absolute_url())
    assert response.status_code == 200
    assert "Подписать" in response.content.decode()


def test_unknown_number_is_404(client, supervisor):
    client.force_login(supervisor)
    assert client.get("/appeals/2026-999999/").status_code == 404


def test_timeline_tells_what_happened_in_russian(client, operator, supervisor, audit_appeal):
    sales = Department.objects.get(code="sales")
    assign_appeal(appeal=audit_appeal, department=sales, assigned_by=supervisor, reason="Вопрос о расчётах")
    extend_deadline(appeal=audit_appeal, days=10, reason="Нужен акт проверки прибора учёта", extended_by=supervisor)
    audit_appeal.refresh_from_db()
    client.force_login(supervisor)

    response = client.get(audit_appeal.get_absolute_url())

    lines = {(entry.event.kind, tuple(entry.lines)) for entry in response.context["timeline"]}
    assert ("reassigned", ("Отдел технического аудита, без исполнителя → "
                           "Отдел продаж электроэнергии юридическим лицам, без исполнителя",
                           "Причина: Вопрос о расчётах")) in lines
    new_due = timezone.localtime(audit_appeal.due_at).strftime("%d.%m.%Y")
    [extension] = [entry for entry in response.context["timeline"] if entry.event.kind == "deadline_extended"]
    assert extension.lines[0].startswith("Продлён на 10 календарных дней — с ")
    assert extension.lines[0].endswith(f" до {new_due}")
    assert extension.lines[1] == "Причина: Нужен акт проверки прибора учёта"
    html = response.content.decode()
    for label in ("Зарегистрировано", "Направлено в подразделение", "Переназначено", "Срок продлён"):
        assert label in html
    assert "Морозова Е. Т." in html  # the actor


def test_attachment_downloads_under_its_russian_name(client, operator):
    appeal = register(registered_by=operator, files=[IncomingFile("Акт сверки №5.pdf", PDF)])
    attachment = appeal.attachments.get()
    client.force_login(operator)

    response = client.get(url("attachment", appeal, attachment.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%D0%90%D0%BA%D1%82%20%D1%81%D0%B2%D0%B5%D1%80%D0%BA%D0%B8%20%E2%84%965.pdf")
    assert b"".join(response.streaming_content) == PDF


def test_attachment_of_another_appeal_is_404(client, operator):
    first = register(registered_by=operator, files=[IncomingFile("a.pdf", PDF)])
    second = register(registered_by=operator)
    client.force_login(operator)
    assert client.get(url("attachment", second, first.attachments.get().pk)).status_code == 404


def test_stamp_pdf_is_served_inline(client, operator, audit_appeal):
    client.force_login(operator)
    response = client.get(url("stamp_pdf", audit_appeal))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename*=utf-8''")
    assert response.content.startswith(b"%PDF")


def test_reply_pdf_previews_a_draft_and_serves_the_sent_letter(client, executor, signatory, audit_appeal):
    reply = draft_reply(appeal=audit_appeal, text="Показания учтены в расчёте за октябрь.", author=executor)
    client.force_login(executor)
    preview = client.get(url("reply_pdf", audit_appeal, reply.pk))
    assert preview["Content-Type"] == "application/pdf" and preview.content.startswith(b"%PDF")
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.SENT
    sent = client.get(url("reply_pdf", audit_appeal, reply.pk))
    assert sent.content == mail.outbox[-1].attachments[0][1]
    assert sent["Content-Disposition"] == content_disposition_header(False, f"Ответ {reply.outgoing_number}.pdf")


def test_reply_pdf_of_another_appeal_is_404(client, executor, audit_appeal, operator):
    other = register(registered_by=operator, topic=Topic.objects.get(code="readings"))
    reply = draft_reply(appeal=audit_appeal, text="Текст", author=executor)
    client.force_login(executor)
    assert client.get(url("reply_pdf", other, reply.pk)).status_code == 404


def test_suggested_grounds_are_shown_to_heads_only(client, operator, supervisor, executor):
    appeal = register(registered_by=operator, topic=Topic.objects.get(code="readings"), sender_email="",
                      sender_address="", sender_phone="", sender_name="")
    client.force_login(supervisor)
    head_view = client.get(appeal.get_absolute_url())
    assert [s.ground for s in head_view.context["suggestions"]] == ["no_contacts"]
    assert "Не указаны ни адрес, ни телефон, ни e-mail." in head_view.content.decode()
    client.force_login(executor)
    executor_view = client.get(appeal.get_absolute_url())
    assert executor_view.context["suggestions"] == []
    assert "Оставить без рассмотрения" not in executor_view.content.decode()


def test_repeated_question_suggestion_links_the_earlier_appeal(client, operator, executor, signatory, supervisor):
    customer = CustomerFactory()
    text = "Прошу разъяснить, почему начисление за октябрь выросло вдвое по договору энергоснабжения."
    earlier = register(registered_by=operator, customer=customer, text=text)
    reply = draft_reply(appeal=earlier, text="Начисление выполнено по показаниям.", author=operator)
    submit_reply(reply=reply, submitted_by=operator, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    repeated = register(registered_by=operator, customer=customer, text=text)
    client.force_login(supervisor)

    response = client.get(repeated.get_absolute_url())

    [suggestion] = [s for s in response.context["suggestions"] if s.ground == "repeated"]
    assert suggestion.earlier_appeal == earlier
    assert f'href="{earlier.get_absolute_url()}"' in response.content.decode()


def test_card_refuses_staff_without_the_permission(client, it_admin, audit_appeal):
    client.force_login(it_admin)
    assert client.get(audit_appeal.get_absolute_url()).status_code == 403

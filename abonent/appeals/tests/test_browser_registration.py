import re

import pytest
from playwright.sync_api import expect

from abonent.appeals.models import Appeal, Attachment
from abonent.customers.tests.factories import BillingAccountFactory, ContractFactory, CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def settled(page):
    """htmx wires swapped-in content after its settle delay; a person never clicks within those ms, a test may."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_reception_registers_a_paper_letter_and_prints_the_stamped_copy(page, login, operator):
    customer = CustomerFactory(name="Общество с ограниченной ответственностью «Алтайский Пекарь»",
                               short_name="ООО «Алтайский Пекарь»",
                               postal_address="656056, г. Барнаул, ул. Мало-Тобольская, 5")
    account = BillingAccountFactory(contract=ContractFactory(customer=customer), number="2200001")

    login("operator")
    page.get_by_role("link", name="Обращения").first.click()
    page.get_by_role("link", name="Письмо").click()
    expect(page.get_by_role("heading", name="Регистрация обращения")).to_be_visible()

    page.get_by_label("Найти клиента").fill("пекарь")
    expect(page.get_by_role("button", name="ООО «Алтайский Пекарь»")).to_be_visible()
    settled(page)
    page.get_by_role("button", name="ООО «Алтайский Пекарь»").click()
    expect(page.locator("#customer-block")).to_contain_text("ИНН")
    settled(page)
    expect(page.get_by_label("Почтовый адрес")).to_have_value("656056, г. Барнаул, ул. Мало-Тобольская, 5")
    page.get_by_label("Лицевой счёт").select_option(label=str(account))
    page.get_by_label("Вид обращения").select_option("claim")
    page.get_by_label("Краткое содержание").fill("Несогласие с начислением за октябрь")
    page.get_by_label("Заявитель (ФИО)").fill("Петров Пётр Петрович")
    page.get_by_label("Дата почтового штемпеля").fill("2026-01-12")
    page.get_by_label("Скан письма и приложений").set_input_files(
        files=[{"name": "Письмо Пекарь.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="Зарегистрировать").click()

    expect(page.get_by_text(re.compile(r"Обращение зарегистрировано: № \d{4}-\d{6}, срок ответа до"))).to_be_visible()
    appeal = Appeal.objects.get()
    assert (appeal.channel, appeal.customer, appeal.billing_account) == ("post", customer, account)
    assert appeal.kind == "claim"
    assert appeal.attachments.get().role == Attachment.Role.SCAN
    expect(page.get_by_role("link", name="Письмо Пекарь.pdf")).to_be_visible()

    stamp = page.locator("a.big", has_text="Печать копии с отметкой о регистрации")
    response = page.request.get(stamp.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

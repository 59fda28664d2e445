import re

import pytest
from playwright.sync_api import expect

from abonent.customers.tests.factories import ContractFactory, CustomerFactory, RepresentativeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_member_logs_in_finds_a_customer_and_opens_the_card(page, login, operator):
    customer = CustomerFactory(name="Общество с ограниченной ответственностью «Алтайский Пекарь»",
                               short_name="ООО «Алтайский Пекарь»")
    ContractFactory(customer=customer, number="7788")
    RepresentativeFactory(customer=customer, full_name="Сидоров Алексей Юрьевич")
    CustomerFactory()

    login("operator")
    expect(page.get_by_role("heading", name="Рабочий стол")).to_be_visible()
    page.get_by_role("link", name="Клиенты").first.click()
    page.get_by_label("Наименование, ИНН, № договора или лицевого счёта").fill("пекарь")
    rows = page.locator("#customer-rows tbody tr")
    expect(rows).to_have_count(1)
    page.get_by_role("link", name="ООО «Алтайский Пекарь»").click()
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(customer.name)
    expect(page.locator("#contracts")).to_contain_text("№ 7788")
    expect(page.get_by_text("Сидоров Алексей Юрьевич")).to_be_visible()
    expect(page.get_by_text(customer.inn)).to_be_visible()


def test_invalid_inn_is_shown_in_russian_in_the_browser(page, login, operator):
    login("operator")
    page.goto("/customers/new/")
    page.get_by_label("Вид клиента").select_option("legal_entity")
    page.get_by_label("Полное наименование").fill("ООО «Ромашка»")
    page.get_by_label("ИНН").fill("2221000701")
    page.get_by_label("КПП").fill("222101001")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("контрольным числом")).to_be_visible()
    page.console_errors.remove("Failed to load resource: the server responded with a status of 400 (Bad Request)")

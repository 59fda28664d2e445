"""Browser journey: a person signs up, confirms the address from the letter, logs in, links a billing
account by the code from the invoice and sees it listed, on the linking page and on the portal's home page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from abonent.customers.tests.factories import BillingAccountFactory, ContractFactory, CustomerFactory
from abonent.portal.tests.factories_auth import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_confirm_log_in_and_link_an_account_by_code(page, organisation):
    customer = CustomerFactory(short_name="ООО «Сибирский Пекарь»")
    account = BillingAccountFactory(contract=ContractFactory(customer=customer, number="7788"), link_code="KEYS2345",
                                    object_name="Пекарня")

    page.goto("/portal/signup/")
    page.get_by_label("Электронная почта").fill("director@example.ru")
    page.get_by_label(re.compile(r"^Пароль:?$")).fill(PASSWORD)
    page.get_by_label("Пароль ещё раз").fill(PASSWORD)
    page.get_by_label("Фамилия").fill("Егоров")
    page.get_by_label(re.compile(r"^Имя:?$")).fill("Виктор")
    page.get_by_label("Телефон").fill("8 913 900-00-01")
    page.get_by_label("Я даю согласие на обработку").check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.get_by_role("heading", name="Проверьте почту")).to_be_visible()

    link = re.search(r"https?://[^/\s]+(/portal/signup/confirm/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_text("Адрес электронной почты подтверждён")).to_be_visible()

    page.get_by_label("Электронная почта").fill("director@example.ru")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.locator(".who")).to_contain_text("Егоров В.")

    page.get_by_role("link", name="Подключить счёт").click()
    form = page.locator("#by-code")
    form.get_by_label("Номер договора энергоснабжения").fill("7788")
    form.get_by_label("ИНН клиента").fill(customer.inn)
    form.get_by_label("Код подключения из счёта").fill("keys 2345")
    form.get_by_label("Ваша роль").select_option("manager")
    form.get_by_role("button", name="Подключить").click()

    expect(page.get_by_text(f"Лицевой счёт № {account.number} (ООО «Сибирский Пекарь») подключён")).to_be_visible()
    expect(page.locator("#linked")).to_contain_text(account.number)
    expect(page.locator("#linked")).to_contain_text("действует")

    page.get_by_role("link", name="К лицевым счетам").click()
    expect(page.locator("main")).to_contain_text(account.number)

"""A customer pays a debt through the fake provider's checkout page and comes back to «Оплачено»; the signed
notification reaches the running system over HTTP and the payment is recorded once."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from abonent.billing.models import Balance, Payment
from abonent.billing.payments.fake import FakeProvider
from abonent.billing.payments.models import OnlinePayment
from abonent.billing.payments.tests.conftest import make_login
from abonent.customers.tests.factories import BillingAccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_fake(settings, live_server):
    with FakeProvider(shop_id="test-shop", secret_key="test-secret", webhook_secret="test-webhook",  # noqa: S106
                      webhook_url=f"{live_server.url}/payments/webhook/") as provider:
        settings.PAYMENTS = provider.settings()
        # The form posts to the portal, which redirects to the provider: form-action must allow its origin.
        settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": ["'self'", provider.url]}
        yield provider


def log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def test_a_customer_pays_the_debt_and_sees_it_paid(page, live_server, live_fake):
    account = BillingAccountFactory(number="2200012345", contract__number="22-0001234")
    Balance.objects.create(account=account, as_of=datetime.date(2026, 3, 31), amount=Decimal("1234.56"))
    log_in(page, live_server, make_login("accountant", account))

    page.goto(f"/portal/pay/{account.pk}/")
    assert page.get_by_label("Сумма, ₽").input_value() == "1234,56"
    page.get_by_role("button", name="Перейти к оплате").click()

    page.wait_for_url(f"{live_fake.url}/checkout/**")
    assert page.get_by_role("heading").inner_text() == "Оплата 1234,56 ₽"
    page.get_by_role("button", name="Оплатить").click()

    page.wait_for_url(f"{live_server.url}/portal/payments/**")
    assert page.locator(".badge").inner_text() == "Оплачено"
    payment = OnlinePayment.objects.get()
    assert payment.status == OnlinePayment.Status.SUCCEEDED
    assert live_fake.notifications[-1].delivered_status == 200  # the webhook got there first
    assert Payment.objects.get().amount == Decimal("1234.56")

    page.get_by_role("link", name="Все онлайн-платежи").click()
    assert "Оплачено" in page.locator("table.grid").inner_text()

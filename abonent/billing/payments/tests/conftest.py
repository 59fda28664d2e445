"""A portal login that may pay for one account, another customer's account, and the fake provider with
settings.PAYMENTS pointing at it (its notifications are kept for the test to deliver)."""

import json
from decimal import Decimal

import pytest

from abonent.billing.payments.fake import FakeProvider
from abonent.customers.models import PortalAccess
from abonent.customers.tests.factories import BillingAccountFactory


def make_login(username: str, account, role=PortalAccess.Role.ACCOUNTANT):
    from abonent.users.models import User

    user = User.objects.create_user(username=username, password="pass", kind=User.Kind.CUSTOMER,  # noqa: S106
                                    last_name="Бухгалтерова", first_name="Анна", email=f"{username}@example.ru")
    PortalAccess.objects.create(user=user, account=account, role=role, status=PortalAccess.Status.ACTIVE,
                                granted_via=PortalAccess.GrantedVia.CODE)
    return user


@pytest.fixture
def account(db):
    return BillingAccountFactory(number="2200012345", contract__number="22-0001234")


@pytest.fixture
def other_account(db):
    return BillingAccountFactory()


@pytest.fixture
def payer(account):
    return make_login("accountant", account)


@pytest.fixture
def payer_client(client, payer):
    client.force_login(payer)
    return client


@pytest.fixture
def fake(settings):
    with FakeProvider(shop_id="test-shop", secret_key="test-secret", webhook_secret="test-webhook") as provider:  # noqa: S106
        settings.PAYMENTS = provider.settings()
        yield provider


def deliver(client, notification, *, signature: str | None = None):
    """Posts a notification the fake built to our webhook, as the provider would."""
    from abonent.billing.payments.provider import SIGNATURE_HEADER

    headers = dict(notification.headers)
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    return client.post("/payments/webhook/", data=notification.body, content_type="application/json",
                       headers={SIGNATURE_HEADER: headers[SIGNATURE_HEADER]})


def amount(value: str) -> Decimal:
    return Decimal(value)


def body_of(response) -> dict:
    return json.loads(response.content)

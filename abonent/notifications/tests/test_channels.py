"""Channel choice (standard 3.5.4): from the contacts the customer gave and its preferences; a mandatory notice
goes by every available channel whatever the opt-outs; an optional one respects them."""

import pytest

from abonent.notifications import compose
from abonent.notifications.audience import Audience
from abonent.notifications.models import (
    ChannelSetting,
    Notification,
    NotificationContact,
    NotificationPreference,
    NotificationType,
)
from abonent.notifications.tests.factories import account_of, edo_history, portal_user

pytestmark = pytest.mark.django_db


def kind(code: str) -> NotificationType:
    return NotificationType.objects.get(code=code)


@pytest.fixture
def account(organisation):
    return account_of()


def chosen(customer, code):
    type = kind(code)
    return dict(Audience([customer], [type]).choose(customer, type))


def test_only_contacts_the_customer_gave_are_available(account):
    customer = account.customer
    customer.phone = ""
    customer.save()
    assert Audience([customer]).recipients(customer) == {"email": customer.email}
    edo_history(customer, box_id="box-42")
    portal_user(account)
    customer.phone = "+73852200001"
    customer.save()
    assert Audience([customer]).recipients(customer) == {
        "email": customer.email, "edo": f"ИНН {customer.inn}, КПП {customer.kpp}, ящик box-42",
        "phone": "+73852200001", "portal": "личный кабинет"}


def test_optional_type_goes_by_its_default_channels_until_the_customer_chooses(account):
    customer = account.customer
    portal_user(account)
    assert chosen(customer, "payment_due") == {"email": customer.email, "portal": "личный кабинет"}
    NotificationPreference.objects.create(customer=customer, type=kind("payment_due"), channel="email",
                                          is_enabled=False)
    NotificationPreference.objects.create(customer=customer, type=kind("payment_due"), channel="phone",
                                          is_enabled=True)
    assert chosen(customer, "payment_due") == {"phone": customer.phone, "portal": "личный кабинет"}


def test_mandatory_notice_goes_by_every_available_channel_despite_opt_outs(account):
    customer = account.customer
    edo_history(customer)
    portal_user(account)
    for channel in ("email", "edo", "phone", "portal"):
        NotificationPreference.objects.create(customer=customer, type=kind("debt_limitation"), channel=channel,
                                              is_enabled=False)
    assert set(chosen(customer, "debt_limitation")) == {"email", "edo", "phone", "portal"}


def test_confirmed_contact_replaces_the_card_address_and_pending_one_does_not(account):
    customer = account.customer
    NotificationContact.objects.create(customer=customer, kind="email", value="pending@example.ru",
                                       code_hash="x", code_expires_at="2030-01-01T00:00Z")
    assert chosen(customer, "debt")["email"] == customer.email
    NotificationContact.objects.create(customer=customer, kind="email", value="buh@example.ru", status="confirmed",
                                       code_hash="x", code_expires_at="2030-01-01T00:00Z")
    assert chosen(customer, "debt")["email"] == "buh@example.ru"


def test_disabled_channel_is_not_used(account):
    ChannelSetting.objects.filter(channel="email").update(is_enabled=False)
    assert "email" not in chosen(account.customer, "debt_limitation")


def test_notify_writes_one_row_per_channel_and_the_same_occasion_again_writes_nothing(account):
    customer = account.customer
    portal_user(account)
    import datetime as dt
    from decimal import Decimal

    context = {"debt": Decimal("1500.00"), "as_of": dt.date(2026, 5, 1), "limitation_date": dt.date(2026, 5, 20)}
    result = compose.notify(type_code="debt_limitation", customer=customer, account=account, key="a1:2026-05-20",
                            **context)
    assert result.created == 3
    rows = {n.channel: n for n in Notification.objects.filter(customer=customer)}
    assert set(rows) == {"email", "phone", "portal"}
    assert rows["portal"].status == "delivered" and rows["portal"].delivered_at is not None
    assert rows["email"].status == "sent" and rows["email"].provider_id  # handed to the e-mail outbox
    assert rows["phone"].status == "sent" and rows["phone"].is_mandatory
    assert "с 20.05.2026 будет введено ограничение" in rows["email"].body
    again = compose.notify(type_code="debt_limitation", customer=customer, account=account, key="a1:2026-05-20",
                           **context)
    assert (again.created, again.existing) == (0, 3)
    assert Notification.objects.count() == 3

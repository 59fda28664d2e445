"""The portal's notices and notification settings: scoped to the login's customers (404 otherwise), a
portal notice read when opened, preferences per type and channel, contact changes confirmed by a code."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from abonent.channels.email.models import OutgoingEmail
from abonent.channels.phone.models import OutboundCall
from abonent.customers.models import PortalAccess
from abonent.notifications import compose
from abonent.notifications.models import Notification, NotificationContact, NotificationPreference, NotificationType
from abonent.notifications.tests.factories import account_of, portal_user

pytestmark = pytest.mark.django_db
N = Notification.Status
DEBT = {"debt": Decimal("4321.00"), "as_of": dt.date(2026, 5, 1)}


@pytest.fixture
def mine(account):
    user = portal_user(account)
    compose.notify(type_code="debt", customer=account.customer, account=account, key="mine", **DEBT)
    return user


@pytest.fixture
def other(organisation):
    account = account_of()
    portal_user(account)
    compose.notify(type_code="debt", customer=account.customer, account=account, key="other", **DEBT)
    return account


def login(client, user):
    client.force_login(user)
    return client


def test_notices_list_shows_only_the_logins_customers(client, mine, account, other):
    response = login(client, mine).get(reverse("portal:notices"))
    assert response.status_code == 200
    shown = {n.customer_id for n in response.context["page"]}
    assert shown == {account.customer.pk}
    assert "4\u00a0321,00\u00a0₽" in response.content.decode()


def test_a_phone_recipient_reads_as_a_number_in_the_portal(client, mine, account):
    from abonent.notifications.models import Notification

    Notification.objects.filter(customer=account.customer).update(channel="phone", recipient="+73852506311")
    notice = Notification.objects.filter(customer=account.customer).first()
    page = login(client, mine).get(reverse("portal:notices")).content.decode()
    assert "8 (3852) 50-63-11" in page and "+73852506311" not in page
    page = client.get(reverse("portal:notice", kwargs={"notice_id": notice.pk})).content.decode()
    assert "8 (3852) 50-63-11" in page


def test_opening_a_portal_notice_marks_it_read_once(client, mine, account):
    notice = Notification.objects.get(customer=account.customer, channel="portal")
    assert notice.status == N.DELIVERED
    response = login(client, mine).get(reverse("portal:notice", kwargs={"notice_id": notice.pk}))
    assert response.status_code == 200
    notice.refresh_from_db()
    first_read = notice.read_at
    assert notice.status == N.READ and first_read is not None
    client.get(reverse("portal:notice", kwargs={"notice_id": notice.pk}))
    notice.refresh_from_db()
    assert notice.read_at == first_read


def test_another_customers_notice_is_404_and_stays_unread(client, mine, other):
    theirs = Notification.objects.get(customer=other.customer, channel="portal")
    response = login(client, mine).get(reverse("portal:notice", kwargs={"notice_id": theirs.pk}))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_energy_manager_does_not_see_billing_notices(client, account):
    user = portal_user(account, role=PortalAccess.Role.ENERGY_MANAGER)
    compose.notify(type_code="debt", customer=account.customer, account=account, key="x", **DEBT)
    notice = Notification.objects.get(channel="portal")
    login(client, user)
    assert list(client.get(reverse("portal:notices")).context["page"]) == []
    assert client.get(reverse("portal:notice", kwargs={"notice_id": notice.pk})).status_code == 404


def test_anonymous_and_staff_are_sent_to_the_portal_login(client, operator):
    url = reverse("portal:notices")
    assert client.get(url).status_code == 302
    client.force_login(operator)
    assert client.get(url)["Location"].startswith(reverse("portal:login"))


def test_preferences_page_saves_opt_outs_and_shows_mandatory_types_fixed(client, mine, account):
    login(client, mine)
    url = reverse("portal:notifications")
    response = client.get(url)
    assert response.status_code == 200
    assert "Обязательное уведомление" in response.content.decode()
    payment_due = NotificationType.objects.get(code="payment_due")
    debt = NotificationType.objects.get(code="debt")
    data = {"customer": account.customer.pk, f"pref_{payment_due.pk}_phone": "on",
            f"pref_{debt.pk}_portal": "on"}
    response = client.post(url, data)
    assert response.status_code == 302
    prefs = {(p.type.code, p.channel): p.is_enabled for p in NotificationPreference.objects.filter(
        customer=account.customer)}
    assert prefs[("payment_due", "phone")] is True
    assert prefs[("payment_due", "email")] is False
    assert prefs[("debt", "email")] is False and prefs[("debt", "portal")] is True
    assert not any(code == "debt_limitation" for code, _ in prefs)


def test_settings_need_the_settings_capability_and_the_logins_customer(client, account, other):
    accountant = portal_user(account, role=PortalAccess.Role.ACCOUNTANT)
    login(client, accountant)
    assert client.get(reverse("portal:notifications")).status_code == 404
    assert client.get(reverse("portal:contacts")).status_code == 404
    manager = portal_user(account)
    login(client, manager)
    assert client.get(reverse("portal:notifications"), {"customer": other.customer.pk}).status_code == 404
    assert client.post(reverse("portal:notifications"), {"customer": other.customer.pk}).status_code == 404
    assert client.get(reverse("portal:contacts"), {"customer": "abc"}).status_code == 404


def test_contact_change_is_used_only_after_the_code_sent_to_the_new_address(client, mine, account):
    login(client, mine)
    response = client.post(reverse("portal:contacts"), {"customer": account.customer.pk, "kind": "email",
                                                        "value": "Buh@Example.ru"})
    contact = NotificationContact.objects.get(customer=account.customer)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:contact_confirm", kwargs={"contact_id": contact.pk})
    assert (contact.value, contact.status) == ("buh@example.ru", "pending")
    [mail] = OutgoingEmail.objects.filter(recipients=["buh@example.ru"])
    code = mail.body.split("Код подтверждения: ")[1][:6]
    compose.notify(type_code="debt", customer=account.customer, account=account, key="before", **DEBT)
    assert Notification.objects.get(dedupe_key__contains=":before:", channel="email").recipient == \
        account.customer.email
    url = reverse("portal:contact_confirm", kwargs={"contact_id": contact.pk})
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(url, {"code": wrong})
    assert response.status_code == 400 and "Неверный код. Осталось попыток: 4." in response.content.decode()
    assert client.post(url, {"code": code}).status_code == 302
    contact.refresh_from_db()
    assert contact.status == "confirmed"
    compose.notify(type_code="debt", customer=account.customer, account=account, key="after", **DEBT)
    assert Notification.objects.get(dedupe_key__contains=":after:", channel="email").recipient == \
        "buh@example.ru"


def test_phone_contact_code_is_read_out_by_an_auto_informing_call(client, mine, account):
    login(client, mine)
    client.post(reverse("portal:contacts"), {"customer": account.customer.pk, "kind": "phone",
                                             "value": "8 (913) 765-43-21"})
    contact = NotificationContact.objects.get(customer=account.customer)
    call = OutboundCall.objects.get(source=f"notification-contact:{contact.pk}")
    assert (contact.value, call.number) == ("+79137654321", "+79137654321")
    assert call.message_text.startswith("Код подтверждения телефона для уведомлений:")


def test_bad_contact_is_refused_in_russian_and_nothing_is_stored(client, mine, account):
    login(client, mine)
    response = client.post(reverse("portal:contacts"), {"customer": account.customer.pk, "kind": "email",
                                                        "value": "не адрес"})
    assert response.status_code == 400
    assert "Укажите адрес электронной почты" in response.content.decode()
    assert not NotificationContact.objects.exists()


def test_another_customers_contact_confirmation_is_404(client, mine, other):
    stranger = portal_user(other)
    login(client, stranger)
    client.post(reverse("portal:contacts"), {"kind": "email", "value": "x@example.ru"})
    theirs = NotificationContact.objects.get()
    login(client, mine)
    url = reverse("portal:contact_confirm", kwargs={"contact_id": theirs.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"code": "123456"}).status_code == 404


def test_expired_code_and_too_many_tries_are_refused(mine, account):
    import time_machine
    from django.utils import timezone

    from abonent.notifications import contacts

    contact, code = contacts.request_change(customer=account.customer, kind="email", value="a@example.ru",
                                            requested_by=mine)
    with time_machine.travel(timezone.now() + contacts.CODE_TTL + dt.timedelta(minutes=1)), \
            pytest.raises(contacts.ContactError, match="Срок действия кода истёк"):
        contacts.confirm(contact=contact, code=code)
    for _ in range(contacts.MAX_ATTEMPTS):
        with pytest.raises(contacts.ContactError, match="Неверный код"):
            contacts.confirm(contact=contact, code="x" + code[1:])
    with pytest.raises(contacts.ContactError, match="Слишком много неверных попыток"):
        contacts.confirm(contact=contact, code=code)
    contact.refresh_from_db()
    assert contact.status == "pending"

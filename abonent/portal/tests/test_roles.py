"""Each role's rights on every portal page, walked from the URL resolver like the IDOR walk (test_idor.py): one
customer's account with every kind of object on it, and three logins linked to it as manager, accountant and
energy manager. A page needing a capability the role lacks answers 404 (never 403, which would confirm the id);
a page of a capability the role has opens. And every page that shows balances, payments or readings leaves an
access entry in the audit log with the login as the actor.

A new portal page must be put into CAPABILITY (it needs one), ANY_LOGIN (every portal login opens it) or PUBLIC
(test_idor.py), and into SHOWS_MONEY_OR_READINGS when it shows them: test_every_portal_page_is_classified fails
otherwise."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from abonent.customers.models import PortalAccess
from abonent.customers.tests.factories import BillingAccountFactory
from abonent.portal.tests.factories_auth import link, portal_login
from abonent.portal.tests.test_idor import PATTERNS, PUBLIC

pytestmark = pytest.mark.django_db
C = PortalAccess.Capability
R = PortalAccess.Role

# The capability a page needs; the pages of the «payments» name are the account's list (account_id given).
CAPABILITY = {
    "account": C.FINANCE, "documents": C.FINANCE, "document": C.FINANCE, "document_pdf": C.FINANCE,
    "notice": C.FINANCE,  # a billing notice (a debt, a sum due): finance only
    "pay": C.PAY, "payment_return": C.PAY, "payments": C.PAY,
    "readings": C.READINGS, "meter": C.READINGS, "meter_csv": C.READINGS,
    "appeal": C.APPEALS, "appeal_message": C.APPEALS, "reply_pdf": C.APPEALS, "attachment": C.APPEALS,
    "notifications": C.SETTINGS, "contacts": C.SETTINGS, "contact_confirm": C.SETTINGS,
}
# Pages every portal login opens: lists filtered by the capabilities, and the login's own profile.
ANY_LOGIN = {
    "home", "appeals", "appeal_new", "notices", "link_account", "profile", "reauth", "password_change",
    "email_change", "phone_change", "totp_setup", "totp_backup_codes", "totp_new_codes", "totp_disable",
}
SHOWS_MONEY_OR_READINGS = {
    "home", "account", "documents", "document", "document_pdf", "notices", "notice", "pay", "payment_return",
    "payments", "readings", "meter", "meter_csv",
}
ROLES = [R.MANAGER, R.ACCOUNTANT, R.ENERGY_MANAGER]


def test_every_portal_page_is_classified():
    unknown = sorted(set(PATTERNS) - set(CAPABILITY) - ANY_LOGIN - PUBLIC)
    assert not unknown, f"Portal pages without a rule in test_roles.py: {unknown}"
    assert not (set(CAPABILITY) & ANY_LOGIN)
    assert set(PATTERNS) >= SHOWS_MONEY_OR_READINGS


class Place:
    """One account with an object of every kind the portal's URLs name, and a login per role."""

    def __init__(self, organisation, executor):
        from abonent.appeals.models import Attachment, Reply
        from abonent.appeals.tests.factories import register
        from abonent.billing.models import Balance, FinancialDocument, Meter, MeterReading
        from abonent.billing.payments.models import OnlinePayment
        from abonent.notifications.models import Notification, NotificationContact, NotificationType

        self.account = account = BillingAccountFactory()
        customer = account.contract.customer
        self.logins = {role: portal_login(f"{role}@example.ru") for role in ROLES}
        for role, user in self.logins.items():
            link(user, account, role)
        Balance.objects.create(account=account, as_of=dt.date(2026, 11, 1), amount=Decimal("5400.00"))
        document = FinancialDocument.objects.create(
            account=account, external_id="roles-d1", kind=FinancialDocument.Kind.INVOICE, number="С-1",
            issued_on=dt.date(2026, 10, 31), period=dt.date(2026, 10, 1), amount=Decimal("1200.00"))
        meter = Meter.objects.create(account=account, external_id="roles-m1", serial_number="0001")
        MeterReading.objects.create(meter=meter, period=dt.date(2026, 9, 1), taken_on=dt.date(2026, 10, 1),
                                    value=Decimal("100"), consumption=Decimal("10"))
        payment = OnlinePayment.objects.create(
            uuid=uuid.uuid4(), account=account, amount=Decimal("100.00"), description="Оплата",
            idempotency_key=uuid.uuid4().hex, return_url="http://testserver/portal/",
            started_by=self.logins[R.MANAGER])
        appeal = register(customer=customer, billing_account=account, sender_name="Клиент")
        reply = Reply.objects.create(appeal=appeal, text="Ответ", executor=executor, executor_name="Волков Д. А.",
                                     executor_phone="+73852501242", channel="email", status=Reply.Status.SENT)
        attachment = Attachment.objects.create(appeal=appeal, file=ContentFile(b"own", name="a.txt"),
                                               original_name="a.txt", content_type="text/plain", size=3,
                                               sha256="0" * 64)
        kind, _ = NotificationType.objects.get_or_create(code="roles-billing", defaults={
            "name": "Задолженность", "source": NotificationType.Source.BILLING})
        notice = Notification.objects.create(type=kind, kind=kind.code, channel="portal", customer=customer,
                                             account=account, recipient="личный кабинет", body="Долг 5 400 ₽",
                                             dedupe_key="roles-notice")
        contact = NotificationContact.objects.create(
            customer=customer, kind=NotificationContact.Kind.EMAIL, value="new@example.ru", code_hash="0" * 64,
            code_expires_at=timezone.now() + dt.timedelta(days=1), requested_by=self.logins[R.MANAGER])
        self.ids = {"account_id": account.pk, "document_id": document.pk, "meter_id": meter.pk,
                    "payment_id": payment.uuid, "appeal_id": appeal.pk, "reply_id": reply.pk,
                    "attachment_id": attachment.pk, "notice_id": notice.pk, "contact_id": contact.pk}

    def url(self, name: str) -> str:
        return reverse(f"portal:{name}", kwargs={k: self.ids[k] for k in PATTERNS[name]})


@pytest.fixture
def place(organisation, executor):
    return Place(organisation, executor)


def _get(client, url):
    response = client.get(url)
    response = client.post(url, {}) if response.status_code == 405 else response
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        # Django 6.1's default empty choice «- Select an option -» has no Russian translation yet.
        assert "Select an option" not in response.content.decode(), f"{url}: an English empty choice"
    return response


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(CAPABILITY))
def test_a_page_opens_only_for_the_roles_with_its_capability(client, place, role, name):
    client.force_login(place.logins[role])
    response = _get(client, place.url(name))
    if CAPABILITY[name] in PortalAccess.capabilities_of(role):
        assert response.status_code in (200, 302), f"{role} gets {response.status_code} on {name}"
    else:
        assert response.status_code == 404, f"{role} gets {response.status_code} on {name}, not 404"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ANY_LOGIN))
def test_pages_of_any_login_open_for_every_role(client, place, role, name):
    client.force_login(place.logins[role])
    response = _get(client, place.url(name))
    assert response.status_code in (200, 302), f"{role} gets {response.status_code} on {name}"
    if response.status_code == 302:  # the password asked again before a change, or the page's own redirect
        assert response["Location"].startswith("/portal/")


@pytest.mark.parametrize("name", sorted(SHOWS_MONEY_OR_READINGS))
def test_every_view_of_money_or_readings_is_in_the_audit_log(client, place, name):
    user = place.logins[R.MANAGER]
    client.force_login(user)
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()

    response = client.get(place.url(name))

    assert response.status_code == 200
    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).order_by("pk")[before:]
    assert entries, f"{name} showed money or readings without an entry in the audit log"
    assert {e.actor for e in entries} == {user}
    assert all(e.additional_data.get("viewed") for e in entries)


def test_a_refused_role_leaves_no_access_entry(client, place):
    client.force_login(place.logins[R.ENERGY_MANAGER])
    for name in ("account", "documents", "document", "document_pdf", "pay", "payments", "payment_return"):
        assert client.get(place.url(name)).status_code == 404
    client.force_login(place.logins[R.ACCOUNTANT])
    for name in ("readings", "meter", "meter_csv"):
        assert client.get(place.url(name)).status_code == 404
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()

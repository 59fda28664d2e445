"""The portal's payment pages: the form (debt prefilled, Russian validation, one payment per form), the return
page (polls the provider once), the list; every one 404 for accounts and payments the login may not pay for,
and in the audit log."""

import datetime
import re
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from abonent.billing.models import Balance, Payment
from abonent.billing.payments import services
from abonent.billing.payments.models import OnlinePayment
from abonent.billing.payments.tests.conftest import deliver, make_login
from abonent.customers.models import PortalAccess
from abonent.customers.tests.factories import BillingAccountFactory

pytestmark = pytest.mark.django_db
Status = OnlinePayment.Status


def form_key(response) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', response.content.decode()).group(1)


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).replace("\u00a0", " ").split())


def test_the_form_prefills_the_current_debt(payer_client, account):
    Balance.objects.create(account=account, as_of=datetime.date(2026, 3, 1), amount=Decimal("10.00"))
    Balance.objects.create(account=account, as_of=datetime.date(2026, 3, 31), amount=Decimal("149972.16"))
    response = payer_client.get(reverse("portal:pay", kwargs={"account_id": account.pk}))
    assert response.status_code == 200
    assert 'value="149972,16"' in response.content.decode()
    assert "Задолженность 149 972,16 ₽ по данным на 31.03.2026" in text_of(response)
    assert response["Cache-Control"] == "no-store"


def test_an_advance_leaves_the_amount_empty(payer_client, account):
    Balance.objects.create(account=account, as_of=datetime.date(2026, 3, 31), amount=Decimal("-500.00"))
    response = payer_client.get(reverse("portal:pay", kwargs={"account_id": account.pk}))
    assert "Переплата (аванс) 500,00 ₽" in text_of(response)
    assert 'name="amount" inputmode' in response.content.decode() and 'value="' not in re.search(
        r'<input type="text" name="amount"[^>]*>', response.content.decode()).group(0)


def test_each_form_gets_its_own_key(payer_client, account):
    url = reverse("portal:pay", kwargs={"account_id": account.pk})
    assert form_key(payer_client.get(url)) != form_key(payer_client.get(url))


def test_posting_the_form_sends_the_customer_to_the_checkout(fake, payer_client, account, payer):
    url = reverse("portal:pay", kwargs={"account_id": account.pk})
    key = form_key(payer_client.get(url))
    response = payer_client.post(url, {"amount": "1 234,56", "idempotency_key": key})
    payment = OnlinePayment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == payment.confirmation_url == f"{fake.url}/checkout/{payment.provider_id}"
    assert (payment.amount, payment.started_by, payment.account) == (Decimal("1234.56"), payer, account)
    assert fake.payments[payment.provider_id]["confirmation"]["return_url"] == (
        f"http://testserver/portal/payments/{payment.uuid}/")
    again = payer_client.post(url, {"amount": "1 234,56", "idempotency_key": key})  # a double click
    assert again["Location"] == response["Location"]
    assert len(fake.payments) == 1


@pytest.mark.parametrize(("amount", "error"), [
    ("", "Укажите сумму оплаты."),
    ("abc", "Укажите сумму числом, например 12 345,67."),
    ("1.2.3", "Укажите сумму числом, например 12 345,67."),
    ("0", "Сумма оплаты должна быть больше нуля."),
    ("-10", "Сумма оплаты должна быть больше нуля."),
    ("10,555", "Не больше двух знаков после запятой: рубли и копейки."),
    ("1000000,01", "Онлайн можно оплатить не больше 1 000 000,00 ₽ за один раз."),
])
def test_bad_amounts_get_a_russian_error_and_create_nothing(fake, payer_client, account, amount, error):
    url = reverse("portal:pay", kwargs={"account_id": account.pk})
    response = payer_client.post(url, {"amount": amount, "idempotency_key": "b" * 32})
    assert response.status_code == 400
    assert error in text_of(response)
    assert not OnlinePayment.objects.exists()
    assert fake.calls == []


def test_a_tampered_key_is_refused(fake, payer_client, account):
    url = reverse("portal:pay", kwargs={"account_id": account.pk})
    response = payer_client.post(url, {"amount": "10", "idempotency_key": "../../x"})
    assert response.status_code == 400
    assert "Форма оплаты устарела" in text_of(response)
    assert form_key(response)  # a fresh key, so the next submission works
    assert not OnlinePayment.objects.exists()


def test_provider_down_keeps_the_form_and_the_same_key_retries(fake, payer_client, account):
    url = reverse("portal:pay", kwargs={"account_id": account.pk})
    fake.fail_next("create")
    response = payer_client.post(url, {"amount": "100", "idempotency_key": "c" * 32})
    assert response.status_code == 503
    assert "Платёжный сервис сейчас не отвечает" in text_of(response)
    assert form_key(response) == "c" * 32  # the retry sends the same key
    retried = payer_client.post(url, {"amount": "100", "idempotency_key": "c" * 32})
    assert retried.status_code == 302
    assert OnlinePayment.objects.count() == len(fake.payments) == 1


def test_a_checkout_address_outside_the_provider_is_never_followed(fake, payer_client, account, settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "CHECKOUT_ORIGIN": "https://pay.example"}
    url = reverse("portal:pay", kwargs={"account_id": account.pk})
    response = payer_client.post(url, {"amount": "100", "idempotency_key": "d" * 32})
    assert response.status_code == 400
    assert "неожиданный адрес оплаты" in text_of(response)


def test_the_return_page_polls_the_provider_once_and_shows_paid(fake, payer_client, account, payer):
    payment = services.start_payment(account=account, amount=Decimal("100"), user=payer,
                                     idempotency_key="e" * 32, return_url="http://testserver/x/")
    fake.pay(payment.provider_id, notify=False)  # the notification is late
    url = reverse("portal:payment_return", kwargs={"payment_id": payment.uuid})
    response = payer_client.get(url)
    assert response.status_code == 200
    assert "Оплачено" in text_of(response)
    assert fake.count("get") == 1
    payer_client.get(url)
    assert fake.count("get") == 1  # final: not asked again
    assert Payment.objects.count() == 1


def test_the_return_page_while_pending_and_provider_down(fake, payer_client, account, payer):
    payment = services.start_payment(account=account, amount=Decimal("100"), user=payer,
                                     idempotency_key="f" * 32, return_url="http://testserver/x/")
    fake.fail_next("get")
    page = text_of(payer_client.get(reverse("portal:payment_return", kwargs={"payment_id": payment.uuid})))
    assert "Ожидает оплаты" in page
    assert "Сейчас он не отвечает" in page
    assert "Продолжить оплату" in page


def test_the_list_shows_the_payments_of_the_logins_accounts_only(fake, payer_client, account, other_account, payer):
    mine = services.start_payment(account=account, amount=Decimal("100"), user=payer, idempotency_key="1" * 32,
                                  return_url="http://testserver/x/")
    stranger = make_login("stranger", other_account)
    services.start_payment(account=other_account, amount=Decimal("777"), user=stranger,
                           idempotency_key="2" * 32, return_url="http://testserver/x/")
    fake.pay(mine.provider_id)
    deliver(payer_client, fake.notifications[-1])
    page = text_of(payer_client.get(reverse("portal:payments")))
    assert "№ 2200012345" in page and "100,00 ₽" in page and "Оплачено" in page
    assert "777,00" not in page and other_account.number not in page


def test_the_list_of_one_account(fake, client, account):
    second = BillingAccountFactory(contract=account.contract)
    payer = make_login("payer3", account)
    PortalAccess.objects.create(user=payer, account=second, role=PortalAccess.Role.MANAGER,
                                status=PortalAccess.Status.ACTIVE, granted_via=PortalAccess.GrantedVia.STAFF)
    for n, target in enumerate([account, second]):
        services.start_payment(account=target, amount=Decimal(f"{n + 1}11"), user=payer, idempotency_key=f"{n}" * 32,
                               return_url="http://testserver/x/")
    client.force_login(payer)
    assert reverse("portal:payments", args=[second.pk]) == f"/portal/accounts/{second.pk}/payments/"
    page = text_of(client.get(reverse("portal:payments", args=[second.pk])))
    assert f"Онлайн-платежи по лицевому счёту № {second.number}" in page
    assert "211,00 ₽" in page and "111,00" not in page
    everything = text_of(client.get(reverse("portal:payments")))
    assert "211,00 ₽" in everything and "111,00 ₽" in everything


# --- Another customer's ids answer 404 -------------------------------------------------------------------


def test_another_customers_account_is_404(fake, payer_client, other_account):
    url = reverse("portal:pay", kwargs={"account_id": other_account.pk})
    assert payer_client.get(url).status_code == 404
    assert payer_client.post(url, {"amount": "10", "idempotency_key": "a" * 32}).status_code == 404
    assert not OnlinePayment.objects.exists()
    assert payer_client.get(reverse("portal:pay", kwargs={"account_id": 999999})).status_code == 404
    assert payer_client.get(reverse("portal:payments", kwargs={"account_id": other_account.pk})).status_code == 404


def test_another_customers_payment_is_404(fake, payer_client, other_account):
    stranger = make_login("stranger", other_account)
    payment = services.start_payment(account=other_account, amount=Decimal("10"), user=stranger,
                                     idempotency_key="9" * 32, return_url="http://testserver/x/")
    response = payer_client.get(reverse("portal:payment_return", kwargs={"payment_id": payment.uuid}))
    assert response.status_code == 404
    assert fake.count("get") == 0


def test_a_role_without_payment_rights_gets_404(fake, client, account):
    energy = make_login("energy", account, role=PortalAccess.Role.ENERGY_MANAGER)
    payer = make_login("payer2", account)
    payment = services.start_payment(account=account, amount=Decimal("10"), user=payer,
                                     idempotency_key="8" * 32, return_url="http://testserver/x/")
    client.force_login(energy)
    assert client.get(reverse("portal:pay", kwargs={"account_id": account.pk})).status_code == 404
    assert client.get(reverse("portal:payment_return", kwargs={"payment_id": payment.uuid})).status_code == 404
    assert "Онлайн-платежей пока нет" in text_of(client.get(reverse("portal:payments")))
    assert client.get(reverse("portal:payments", args=[account.pk])).status_code == 404


def test_a_revoked_link_loses_its_payments(fake, payer_client, account, payer):
    payment = services.start_payment(account=account, amount=Decimal("10"), user=payer,
                                     idempotency_key="7" * 32, return_url="http://testserver/x/")
    PortalAccess.objects.filter(user=payer).update(status=PortalAccess.Status.REVOKED)
    assert payer_client.get(reverse("portal:payment_return", kwargs={"payment_id": payment.uuid})).status_code == 404
    assert payer_client.get(reverse("portal:pay", kwargs={"account_id": account.pk})).status_code == 404


def test_staff_never_reach_the_payment_pages(client, operator, account):
    client.force_login(operator)
    response = client.get(reverse("portal:pay", kwargs={"account_id": account.pk}))
    assert response.status_code == 302
    assert not OnlinePayment.objects.exists()


# --- Audit -------------------------------------------------------------------------------------------------


def test_payment_pages_are_in_the_audit_log(fake, payer_client, account, payer):
    payer_client.get(reverse("portal:pay", kwargs={"account_id": account.pk}))
    payment = services.start_payment(account=account, amount=Decimal("10"), user=payer,
                                     idempotency_key="6" * 32, return_url="http://testserver/x/")
    payer_client.get(reverse("portal:payment_return", kwargs={"payment_id": payment.uuid}))
    payer_client.get(reverse("portal:payments"))
    viewed = [(e.object_repr, e.additional_data["viewed"], e.actor_id)
              for e in LogEntry.objects.filter(action=LogEntry.Action.ACCESS).order_by("pk")]
    assert viewed == [
        ("2200012345", "онлайн-оплата: сальдо лицевого счёта", payer.pk),
        (str(payment), "онлайн-платёж: состояние", payer.pk),
        ("2200012345", "онлайн-платежи по лицевому счёту", payer.pk),
    ]


def test_the_list_has_no_n_plus_one(fake, payer_client, account, payer, django_assert_max_num_queries):
    for n in range(5):
        services.start_payment(account=account, amount=Decimal(10 + n), user=payer, idempotency_key=f"{n}" * 32,
                               return_url="http://testserver/x/")
    with django_assert_max_num_queries(12):
        assert payer_client.get(reverse("portal:payments")).status_code == 200

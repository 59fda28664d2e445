"""The online payment flow against the fake provider: start, pay or cancel at the checkout, the signed
notification re-read from the provider, duplicates, forgeries, the poller for lost notifications and a
provider that fails or does not answer."""

import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from abonent.billing.models import Payment
from abonent.billing.payments import provider, services, tasks
from abonent.billing.payments.models import OnlinePayment
from abonent.billing.payments.tests.conftest import body_of, deliver
from abonent.core.testing.redirects import redirecting_server

pytestmark = pytest.mark.django_db
Status = OnlinePayment.Status
RETURN_URL = "http://testserver/portal/payments/back/"


def post_signed(client, body: bytes, settings):
    signature = provider.sign(body, settings.PAYMENTS["WEBHOOK_SECRET"])
    return client.post("/payments/webhook/", data=body, content_type="application/json",
                       headers={provider.SIGNATURE_HEADER: signature})


def start(account, user, *, key="a" * 32, amount="1234.56") -> OnlinePayment:
    return services.start_payment(account=account, amount=Decimal(amount), user=user, idempotency_key=key,
                                  return_url=RETURN_URL)


def test_start_creates_one_provider_payment_with_the_redirect(fake, account, payer):
    payment = start(account, payer)
    assert payment.status == Status.PENDING
    assert payment.provider_id in fake.payments
    assert payment.confirmation_url == f"{fake.url}/checkout/{payment.provider_id}"
    created = fake.payments[payment.provider_id]
    assert created["amount"] == {"value": "1234.56", "currency": "RUB"}
    assert created["confirmation"]["return_url"] == RETURN_URL
    assert created["metadata"] == {"payment_id": str(payment.uuid), "account": "2200012345"}
    assert created["description"] == "Оплата электроэнергии, л/с 2200012345, дог. № 22-0001234"
    assert payment.provider_responses[0]["source"] == "create"
    assert not Payment.objects.exists()


def test_the_same_key_twice_never_creates_two_provider_payments(fake, account, payer):
    first = start(account, payer)
    second = start(account, payer)
    assert first.pk == second.pk
    assert len(fake.payments) == 1
    assert fake.count("create") == 1
    assert OnlinePayment.objects.count() == 1


def test_a_key_reused_with_another_amount_is_refused(fake, account, payer):
    start(account, payer)
    with pytest.raises(services.PaymentError, match="уже отправлена с другими данными"):
        start(account, payer, amount="1.00")
    assert len(fake.payments) == 1


@pytest.mark.parametrize(("amount", "message"), [
    ("0", "больше нуля"), ("-1", "больше нуля"), ("1.001", "двух знаков"), ("1000000.01", "не больше"),
])
def test_bad_amounts_are_refused_before_anything_is_created(fake, account, payer, amount, message):
    with pytest.raises(services.PaymentError, match=message):
        start(account, payer, amount=amount)
    assert not OnlinePayment.objects.exists()
    assert fake.calls == []


def test_success_through_the_signed_notification_records_the_money_once(fake, account, payer, client):
    payment = start(account, payer)
    fake.pay(payment.provider_id)
    response = deliver(client, fake.notifications[-1])
    assert (response.status_code, body_of(response)) == (200, {"status": "succeeded"})
    payment.refresh_from_db()
    assert payment.status == Status.SUCCEEDED
    assert payment.paid_at is not None
    recorded = Payment.objects.get()
    assert recorded == payment.payment
    assert (recorded.account, recorded.amount, recorded.source, recorded.external_id, recorded.paid_on) == (
        account, Decimal("1234.56"), Payment.Source.ONLINE, f"online-{payment.provider_id}",
        timezone.localdate(payment.paid_at))
    assert fake.count("get") == 1  # the body was not trusted: the payment was read back


def test_a_duplicate_notification_changes_nothing(fake, account, payer, client):
    payment = start(account, payer)
    fake.pay(payment.provider_id)
    deliver(client, fake.notifications[-1])
    payment.refresh_from_db()
    before = (payment.status, payment.paid_at, payment.payment_id)
    response = deliver(client, fake.notifications[-1])
    assert response.status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.paid_at, payment.payment_id) == before
    assert Payment.objects.count() == 1


def test_cancel_records_no_money(fake, account, payer, client):
    payment = start(account, payer)
    fake.cancel(payment.provider_id)
    assert deliver(client, fake.notifications[-1]).status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.cancellation_reason) == (Status.CANCELED, "expired_on_confirmation")
    assert not Payment.objects.exists()


def test_a_bad_signature_is_refused_and_nothing_is_recorded(fake, account, payer, client):
    payment = start(account, payer)
    fake.pay(payment.provider_id)
    for signature in ("", "sha256=" + "0" * 64, provider.sign(fake.notifications[-1].body, "wrong-secret")):
        response = deliver(client, fake.notifications[-1], signature=signature)
        assert response.status_code == 400
        assert body_of(response) == {"error": "неверная подпись уведомления"}
    payment.refresh_from_db()
    assert payment.status == Status.PENDING
    assert not Payment.objects.exists()
    assert fake.count("get") == 0


def test_a_signed_body_is_still_not_trusted(fake, account, payer, client, settings):
    """Whatever the body says, the provider's own answer counts: here the payment is still pending there."""
    payment = start(account, payer)
    forged = dict(fake.payments[payment.provider_id], status="succeeded", paid=True)
    body = json.dumps({"type": "notification", "event": "payment.succeeded", "object": forged}).encode()
    response = post_signed(client, body, settings)
    assert (response.status_code, body_of(response)) == (200, {"status": "pending"})
    payment.refresh_from_db()
    assert payment.status == Status.PENDING
    assert not Payment.objects.exists()


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"type": "notification", "event": "refund.succeeded",'
                                                       b' "object": {"id": "x"}}'])
def test_an_unreadable_notification_is_refused(fake, client, settings, body):
    response = post_signed(client, body, settings)
    assert response.status_code == 400


def test_a_notification_of_an_unknown_payment_is_acknowledged_and_ignored(fake, client, settings):
    body = json.dumps({"type": "notification", "event": "payment.succeeded", "object": {"id": "nope"}}).encode()
    response = post_signed(client, body, settings)
    assert (response.status_code, body_of(response)) == (200, {"status": "ignored"})


def test_the_provider_failing_on_the_re_read_asks_for_the_notification_again(fake, account, payer, client):
    payment = start(account, payer)
    fake.pay(payment.provider_id)
    fake.fail_next("get")
    assert deliver(client, fake.notifications[-1]).status_code == 503
    payment.refresh_from_db()
    assert payment.status == Status.PENDING
    assert deliver(client, fake.notifications[-1]).status_code == 200  # the provider repeats it
    payment.refresh_from_db()
    assert payment.status == Status.SUCCEEDED


def test_a_lost_notification_is_recovered_by_the_poller(fake, account, payer):
    payment = start(account, payer)
    fake.pay(payment.provider_id, notify=False)
    assert tasks.poll_online_payments.call() == {"checked": 0, "changed": 0, "failed": 0, "given_up": 0}
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=4)):
        assert tasks.poll_online_payments.call() == {"checked": 1, "changed": 1, "failed": 0, "given_up": 0}
        assert tasks.poll_online_payments.call()["checked"] == 0  # final now: never asked again
    payment.refresh_from_db()
    assert payment.status == Status.SUCCEEDED
    assert Payment.objects.get().external_id == f"online-{payment.provider_id}"
    assert payment.provider_responses[-1]["source"] == "poll"


def test_the_poller_keeps_a_payment_pending_while_the_provider_fails(fake, account, payer):
    payment = start(account, payer)
    fake.pay(payment.provider_id, notify=False)
    fake.fail_next("get", status=502)
    later = timezone.now() + datetime.timedelta(minutes=4)
    with time_machine.travel(later):
        result = services.poll_unfinished()
    assert (result.checked, result.failed) == (0, 1)
    payment.refresh_from_db()
    assert payment.status == Status.PENDING
    assert payment.last_error == "платёжный сервис ответил ошибкой 502"
    with time_machine.travel(later + datetime.timedelta(seconds=30)):
        assert services.poll_unfinished().checked == 0  # not asked again within the minute
    with time_machine.travel(later + datetime.timedelta(minutes=2)):
        assert services.poll_unfinished().changed == 1
    payment.refresh_from_db()
    assert (payment.status, payment.last_error) == (Status.SUCCEEDED, "")


def test_an_old_unpaid_payment_is_polled_slowly(fake, account, payer):
    payment = start(account, payer)
    start_time = timezone.now()
    with time_machine.travel(start_time + datetime.timedelta(hours=2)):
        assert services.poll_unfinished().checked == 1
    with time_machine.travel(start_time + datetime.timedelta(hours=2, minutes=5)):
        assert services.poll_unfinished().checked == 0
    with time_machine.travel(start_time + datetime.timedelta(hours=2, minutes=16)):
        assert services.poll_unfinished().checked == 1
    payment.refresh_from_db()
    assert payment.status == Status.PENDING


def test_provider_down_at_start_keeps_the_payment_and_the_same_form_retries(fake, account, payer):
    fake.fail_next("create")
    with pytest.raises(services.PaymentUnavailable, match="не отвечает"):
        start(account, payer)
    payment = OnlinePayment.objects.get()
    assert (payment.status, payment.provider_id) == (Status.PENDING, None)
    assert payment.last_error == "платёжный сервис ответил ошибкой 500"
    retried = start(account, payer)
    assert retried.pk == payment.pk
    assert retried.provider_id in fake.payments
    assert len(fake.payments) == 1


def test_an_answer_lost_after_the_provider_created_the_payment_does_not_duplicate_it(fake, account, payer):
    fake.fail_next("create", after_effect=True)
    with pytest.raises(services.PaymentUnavailable):
        start(account, payer)
    assert len(fake.payments) == 1  # created there, but we never heard of it
    retried = start(account, payer)
    assert len(fake.payments) == 1
    assert retried.provider_id == fake.last_payment()["id"]


def test_a_payment_created_unanswered_is_found_by_its_metadata(fake, account, payer):
    fake.fail_next("create", after_effect=True)
    with pytest.raises(services.PaymentUnavailable):
        start(account, payer)
    state = fake.pay(fake.last_payment()["id"], notify=False)
    payment = services.apply_provider_state(state)
    assert (payment.provider_id, payment.status) == (state["id"], Status.SUCCEEDED)
    assert Payment.objects.count() == 1


def test_provider_unreachable(account, payer, settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "API_URL": "http://127.0.0.1:9/v3"}
    with pytest.raises(services.PaymentUnavailable):
        start(account, payer)
    assert OnlinePayment.objects.get().last_error.startswith("платёжный сервис недоступен")


def test_a_redirect_of_the_provider_is_not_followed_and_the_payment_waits(account, payer, settings, caplog):
    landing = {"id": "2f0c1a7e-000f-5000-8000-18db351245c7", "status": "pending", "paid": False,
               "amount": {"value": "1234.56", "currency": "RUB"}}
    with redirecting_server(landing) as server:
        settings.PAYMENTS = {**settings.PAYMENTS, "API_URL": f"{server.url}/v3"}
        with pytest.raises(services.PaymentUnavailable, match="не отвечает"):
            start(account, payer)
    assert server.paths == ["/v3/payments"] and not server.landed  # the credentials went nowhere else
    payment = OnlinePayment.objects.get()
    assert (payment.status, payment.provider_id) == (Status.PENDING, None)
    assert payment.last_error == ("платёжный сервис ответил перенаправлением 302 на «/landed/v3/payments»; "
                                  "перенаправления не выполняются, проверьте адрес API (PAYMENTS_API_URL)")
    assert any(payment.last_error in r.getMessage() for r in caplog.records)


def test_provider_timeout_is_transient(fake, account, payer, monkeypatch):
    payment = start(account, payer)
    monkeypatch.setattr(provider, "TIMEOUT", (0.5, 0.3))
    fake.hang_next("get")
    with pytest.raises(provider.ProviderError) as failed:
        services.refresh_payment(payment)
    assert (failed.value.transient, failed.value.message) == (True, "платёжный сервис не ответил вовремя")
    payment.refresh_from_db()
    assert payment.status == Status.PENDING


def test_a_refusal_of_the_provider_is_permanent(fake, account, payer, settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "SECRET_KEY": "wrong"}
    with pytest.raises(services.PaymentError, match="отказал") as refused:
        start(account, payer)
    assert not isinstance(refused.value, services.PaymentUnavailable)
    assert "HTTP 401" in OnlinePayment.objects.get().last_error


def test_a_payment_never_created_is_given_up_after_a_day(fake, account, payer):
    fake.fail_next("create")
    with pytest.raises(services.PaymentUnavailable):
        start(account, payer)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        assert services.poll_unfinished().given_up == 1
    payment = OnlinePayment.objects.get()
    assert (payment.status, payment.cancellation_reason) == (Status.CANCELED, "not_created")


def test_final_states_never_change(fake, account, payer):
    payment = start(account, payer)
    state = fake.pay(payment.provider_id, notify=False)
    services.apply_provider_state(state)
    later = services.apply_provider_state(dict(state, status="canceled"))
    assert later.status == Status.SUCCEEDED
    assert Payment.objects.count() == 1


def test_a_different_amount_at_the_provider_is_never_recorded(fake, account, payer):
    payment = start(account, payer)
    state = fake.pay(payment.provider_id, notify=False)
    state["amount"] = {"value": "1.00", "currency": "RUB"}
    payment = services.apply_provider_state(state)
    assert payment.status == Status.PENDING
    assert "не совпадает" in payment.last_error
    assert not Payment.objects.exists()


def test_a_payment_already_imported_from_billing_is_linked_not_duplicated(fake, account, payer):
    payment = start(account, payer)
    imported = Payment.objects.create(account=account, external_id=f"online-{payment.provider_id}",
                                      paid_on=datetime.date(2026, 3, 31), amount=Decimal("1234.56"),
                                      source=Payment.Source.ONLINE)
    payment = services.apply_provider_state(fake.pay(payment.provider_id, notify=False))
    assert payment.payment == imported
    assert Payment.objects.count() == 1


def test_the_fake_checks_credentials_and_the_idempotence_key(fake):
    import requests

    denied = requests.post(f"{fake.api_url}/payments", json={}, auth=("test-shop", "bad"), timeout=5)
    assert (denied.status_code, denied.json()["code"]) == (401, "invalid_credentials")
    no_key = requests.post(f"{fake.api_url}/payments", json={}, auth=("test-shop", "test-secret"), timeout=5)
    assert (no_key.status_code, no_key.json()["code"]) == (400, "invalid_request")
    missing = requests.get(f"{fake.api_url}/payments/none", auth=("test-shop", "test-secret"), timeout=5)
    assert missing.status_code == 404

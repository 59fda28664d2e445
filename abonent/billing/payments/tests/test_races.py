"""Duplicate and late notifications at the same moment as each other and as the poller: the money is recorded
once, whatever arrives first (real threads, each with its own database connection)."""

import datetime
import threading
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from abonent.billing.models import Payment
from abonent.billing.payments import services
from abonent.billing.payments.models import OnlinePayment
from abonent.billing.payments.tests.conftest import body_of, deliver
from abonent.core.testing.threads import run_in_threads

Status = OnlinePayment.Status


def start(account, user) -> OnlinePayment:
    return services.start_payment(account=account, amount=Decimal("500.00"), user=user, idempotency_key="b" * 32,
                                  return_url="http://testserver/portal/payments/back/")


@pytest.mark.django_db(transaction=True)
def test_the_same_notification_delivered_twice_at_once_and_the_poller_record_the_money_once(fake, account, payer):
    payment = start(account, payer)
    fake.pay(payment.provider_id)
    notification = fake.notifications[-1]
    answers: list[tuple[int, dict]] = []
    roles = iter(["webhook", "webhook", "poller"])
    lock = threading.Lock()

    def deliver_or_poll():
        with lock:
            role = next(roles)
        if role == "webhook":
            response = deliver(Client(), notification)
            answers.append((response.status_code, body_of(response)))
        else:
            services.refresh_payment(OnlinePayment.objects.get(pk=payment.pk))

    assert run_in_threads(deliver_or_poll, 3) == []

    payment.refresh_from_db()
    assert payment.status == Status.SUCCEEDED
    assert list(Payment.objects.values_list("external_id", "amount")) == [
        (f"online-{payment.provider_id}", Decimal("500.00"))]
    assert payment.payment == Payment.objects.get()
    assert [code for code, _ in answers] == [200, 200]
    assert {body["status"] for _, body in answers} == {"succeeded"}


@pytest.mark.django_db
def test_a_notification_arriving_after_the_poller_recovered_the_payment_changes_nothing(fake, account, payer, client):
    payment = start(account, payer)
    fake.pay(payment.provider_id)  # the notification is late: the poller gets there first
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=4)):
        assert services.poll_unfinished().changed == 1
    payment.refresh_from_db()
    before = (payment.status, payment.paid_at, payment.payment_id, len(payment.provider_responses))

    response = deliver(client, fake.notifications[-1])

    assert (response.status_code, body_of(response)) == (200, {"status": "succeeded"})
    payment.refresh_from_db()
    assert (payment.status, payment.paid_at, payment.payment_id) == before[:3]
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_a_cancellation_notified_after_success_never_takes_the_money_back(fake, account, payer, client):
    """Final states never change: a stale «canceled» read after «succeeded» (a provider's mix-up) is ignored."""
    payment = start(account, payer)
    fake.pay(payment.provider_id)
    deliver(client, fake.notifications[-1])
    stale = dict(fake.payments[payment.provider_id], status="canceled")

    services.apply_provider_state(stale)

    payment.refresh_from_db()
    assert payment.status == Status.SUCCEEDED and Payment.objects.count() == 1


def test_the_poller_is_scheduled_every_minute():
    """The scheduler (manage.py crontask) imports every app's tasks module; the poller must be among its jobs,
    or a lost notification is never recovered."""
    from crontask import scheduler
    from django.core.management import load_command_class

    load_command_class("crontask", "crontask").load_tasks({"verbosity": 0})
    job = next(j for j in scheduler.get_jobs() if j.name.endswith("poll_online_payments"))
    start = timezone.now().replace(second=30, microsecond=0)
    first = job.trigger.get_next_fire_time(None, start)
    assert job.trigger.get_next_fire_time(first, first) - first == datetime.timedelta(minutes=1)

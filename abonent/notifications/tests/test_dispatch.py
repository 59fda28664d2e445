"""The dispatcher: exclusive claims, retries with the shared backoff, permanent failures, stale claims,
throttling per channel."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from abonent.appeals.delivery import RETRY_DELAYS, DeliveryError
from abonent.notifications import compose, dispatch, senders, tasks
from abonent.notifications.compose import Occasion, create_notices
from abonent.notifications.models import ChannelSetting, Notification, NotificationType

pytestmark = pytest.mark.django_db
N = Notification.Status
DEBT = {"debt": Decimal("100.00"), "as_of": dt.date(2026, 5, 1)}


@pytest.fixture
def one_by_one(monkeypatch):
    """E-mail notices handed over one at a time, through senders.SENDERS (which the tests replace)."""
    monkeypatch.delitem(senders.BATCH_SENDERS, "email")


@pytest.fixture
def failing_email(monkeypatch, one_by_one):
    calls = []

    def send(notice):
        calls.append(notice.pk)
        raise DeliveryError("SMTP недоступен", permanent=False)

    monkeypatch.setitem(senders.SENDERS, "email", send)
    return calls


def debt_notice(account, key="k1") -> Notification:
    compose.notify(type_code="debt", customer=account.customer, account=account, key=key, **DEBT)
    return Notification.objects.get(customer=account.customer, channel="email", dedupe_key__contains=f":{key}:")


def test_transient_failure_is_retried_after_the_shared_backoff_then_fails(account, failing_email):
    notice = debt_notice(account)
    assert (notice.status, notice.attempts, notice.error) == (N.QUEUED, 1, "SMTP недоступен")
    assert notice.next_attempt_at == notice.updated_at + dt.timedelta(seconds=RETRY_DELAYS[0])
    assert dispatch.dispatch("email").handled == 0  # not due yet
    for attempt, delay in enumerate(RETRY_DELAYS[1:], start=2):
        with time_machine.travel(notice.next_attempt_at, tick=False):
            tasks.dispatch_due.call()
        notice.refresh_from_db()
        assert (notice.status, notice.attempts) == (N.QUEUED, attempt)
        assert notice.next_attempt_at == notice.updated_at + dt.timedelta(seconds=delay)
    with time_machine.travel(notice.next_attempt_at, tick=False):
        tasks.dispatch_due.call()
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (N.FAILED, len(RETRY_DELAYS) + 1)
    assert notice.error == f"SMTP недоступен (попыток: {len(RETRY_DELAYS) + 1})"
    assert len(failing_email) == len(RETRY_DELAYS) + 1


def test_backoff_delays_follow_retry_delays(account, failing_email):
    notice = debt_notice(account)
    waits = []
    for _ in RETRY_DELAYS[1:]:
        before = notice.next_attempt_at
        with time_machine.travel(before, tick=False):
            dispatch.dispatch("email")
        notice.refresh_from_db()
        waits.append((notice.next_attempt_at - before).total_seconds())
    assert waits == [float(d) for d in RETRY_DELAYS[1:]]


def test_permanent_failure_stops_at_once(account):
    account.customer.email = "без-адреса"
    account.customer.save()
    notice = debt_notice(account)
    assert (notice.status, notice.attempts) == (N.FAILED, 1)
    assert notice.error == "Не указан адрес электронной почты для уведомления."


def test_claimed_notice_is_not_taken_again_and_a_dead_workers_claim_is_requeued(account, failing_email):
    # Claimed inside the transaction, before the on-commit dispatcher runs.
    with time_machine.travel(timezone.now(), tick=False), transaction.atomic():
        create_notices(type=NotificationType.objects.get(code="debt"),
                       occasions=[Occasion(customer=account.customer, account=account, key="x", context=DEBT)])
        first = dispatch.claim("email", 10)
        second = dispatch.claim("email", 10)
    assert [n.status for n in first] == [N.SENDING] and second == []
    notice = first[0]
    assert dispatch.requeue_stale() == 0
    with time_machine.travel(notice.claimed_at + dispatch.STALE_CLAIM + dt.timedelta(seconds=1), tick=False):
        assert dispatch.requeue_stale() == 1
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (N.QUEUED, 0)


def test_throttle_hands_over_no_more_than_the_rate_per_minute(organisation, monkeypatch, one_by_one):
    from abonent.notifications.tests.factories import account_of

    handed = []
    monkeypatch.setitem(senders.SENDERS, "email", lambda notice: handed.append(notice.pk) or f"id{notice.pk}")
    ChannelSetting.objects.filter(channel="email").update(rate_per_minute=3)
    accounts = [account_of() for _ in range(5)]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for account in accounts:
            debt_notice(account, key=f"a{account.pk}")
        assert len(handed) == 3
        assert Notification.objects.filter(channel="email", status=N.QUEUED).count() == 2
        tasks.dispatch_due.call()
        assert len(handed) == 3
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        tasks.dispatch_due.call()
    assert len(handed) == 5
    assert not Notification.objects.filter(channel="email", status=N.QUEUED).exists()


def test_notices_another_worker_has_claimed_count_toward_the_minutes_rate(organisation, monkeypatch, one_by_one):
    from abonent.notifications.tests.factories import account_of

    handed = []
    monkeypatch.setitem(senders.SENDERS, "email", lambda notice: handed.append(notice.pk) or f"id{notice.pk}")
    ChannelSetting.objects.filter(channel="email").update(rate_per_minute=3)
    accounts = [account_of() for _ in range(5)]
    with time_machine.travel(timezone.now(), tick=False), transaction.atomic():  # written, not yet dispatched
        create_notices(type=NotificationType.objects.get(code="debt"),
                       occasions=[Occasion(customer=a.customer, account=a, key="r", context=DEBT) for a in accounts])
        in_flight = dispatch.claim("email", 2)  # one worker is still handing these over
        outcome = dispatch.dispatch("email")  # another worker meanwhile
    assert len(in_flight) == 2
    assert outcome.sent == 1 and len(handed) == 1
    assert Notification.objects.filter(channel="email", status=N.QUEUED).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_keep_to_the_channels_rate(organisation, monkeypatch, one_by_one):
    import contextlib
    import threading

    from abonent.core.testing.threads import run_in_threads
    from abonent.notifications.tests.factories import account_of

    setting = ChannelSetting.objects.filter(channel="email")
    setting.update(rate_per_minute=0)  # the notices are written and wait
    accounts = [account_of() for _ in range(6)]
    with transaction.atomic():
        create_notices(type=NotificationType.objects.get(code="debt"),
                       occasions=[Occasion(customer=a.customer, account=a, key="w", context=DEBT) for a in accounts])
    setting.update(rate_per_minute=3)
    handed = []
    monkeypatch.setitem(senders.SENDERS, "email", lambda notice: handed.append(notice.pk) or f"id{notice.pk}")
    # Each dispatcher waits, once it has computed its room, for the other to compute its own: without the
    # turn-taking both would see the whole minute's room free.
    both_counted = threading.Barrier(2, timeout=2)
    real_capacity = dispatch.capacity

    def capacity(*args, **kwargs):
        room = real_capacity(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counted.wait()
        return room

    monkeypatch.setattr(dispatch, "capacity", capacity)
    assert run_in_threads(lambda: dispatch.dispatch("email"), 2) == []
    assert len(handed) == 3 == len(set(handed))
    assert Notification.objects.filter(channel="email", status=N.SENT).count() == 3
    assert Notification.objects.filter(channel="email", status=N.QUEUED).count() == 3


def test_disabled_channel_keeps_its_notices_queued(account, monkeypatch, one_by_one):
    monkeypatch.setitem(senders.SENDERS, "email", lambda notice: "id")
    notice = debt_notice(account)
    assert notice.status == N.SENT
    ChannelSetting.objects.filter(channel="email").update(is_enabled=False)
    assert dispatch.capacity("email", timezone.now()) == 0


def test_a_worker_dying_mid_batch_hands_nothing_over_and_the_restart_sends_each_once(organisation, monkeypatch,
                                                                                    one_by_one):
    from abonent.channels.email.models import OutgoingEmail
    from abonent.notifications.tests.factories import account_of

    accounts = [account_of() for _ in range(3)]
    real_send = senders.SENDERS["email"]
    calls = []

    def dying(notice):
        calls.append(notice.pk)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the worker is killed while handing over the second notice
        return real_send(notice)

    with transaction.atomic():  # written, not yet dispatched
        create_notices(type=NotificationType.objects.get(code="debt"),
                       occasions=[Occasion(customer=a.customer, account=a, key="d", context=DEBT) for a in accounts])
        monkeypatch.setitem(senders.SENDERS, "email", dying)
        with pytest.raises(KeyboardInterrupt):
            dispatch.dispatch("email")
    assert OutgoingEmail.objects.count() == 0
    assert set(Notification.objects.filter(channel="email").values_list("status", flat=True)) == {N.SENDING}
    monkeypatch.setitem(senders.SENDERS, "email", real_send)
    assert dispatch.dispatch("email").handled == 0  # claimed by the dead worker, not yet stale
    with time_machine.travel(timezone.now() + dispatch.STALE_CLAIM + dt.timedelta(minutes=1), tick=False):
        tasks.dispatch_due.call()
    assert Notification.objects.filter(channel="email", status=N.SENT).count() == 3
    assert sorted(OutgoingEmail.objects.values_list("recipients", flat=True)) == sorted(
        [[a.customer.email] for a in accounts])


@pytest.mark.django_db(transaction=True)
def test_outside_any_transaction_the_outbox_tasks_of_a_batch_run_after_it_commits(organisation, mailoutbox):
    from abonent.channels.email.models import OutgoingEmail
    from abonent.notifications.tests.factories import account_of

    accounts = [account_of() for _ in range(3)]
    with transaction.atomic():
        create_notices(type=NotificationType.objects.get(code="debt"),
                       occasions=[Occasion(customer=a.customer, account=a, key="t", context=DEBT) for a in accounts])
    assert Notification.objects.filter(channel="email", status=N.SENT).count() == 3
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(a.customer.email for a in accounts)


def test_an_email_batch_is_handed_over_in_a_few_statements_and_a_bad_address_fails_alone(organisation, mailoutbox):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from abonent.channels.email.models import OutgoingEmail
    from abonent.notifications.tests.factories import account_of

    accounts = [account_of() for _ in range(8)]
    accounts[2].customer.email = "без-адреса"
    accounts[2].customer.save()
    with transaction.atomic():  # written and claimed; the outbox's send tasks run once it commits
        create_notices(type=NotificationType.objects.get(code="debt"),
                       occasions=[Occasion(customer=a.customer, account=a, key="b", context=DEBT) for a in accounts])
        batch = dispatch.claim("email", 10)
        with CaptureQueriesContext(connection) as queries:
            outcome = dispatch.send_batch(batch)
    assert (outcome.sent, outcome.retried, outcome.failed) == (7, 0, 1)
    assert len(queries) <= 10  # the same for any batch size; one at a time it was ~5 per notice
    notices = Notification.objects.filter(channel="email")
    bad = notices.get(customer=accounts[2].customer)
    assert (bad.status, bad.attempts, bad.error) == (N.FAILED, 1, "Не указан адрес электронной почты для уведомления.")
    sent = {n.recipient: n for n in notices.exclude(pk=bad.pk)}
    assert {(n.status, n.attempts) for n in sent.values()} == {(N.SENT, 1)}
    rows = {row.recipients[0]: row.message_id for row in OutgoingEmail.objects.all()}
    assert rows == {address: n.provider_id for address, n in sent.items()}
    assert sorted(m.extra_headers["Message-ID"] for m in mailoutbox) == sorted(rows.values())

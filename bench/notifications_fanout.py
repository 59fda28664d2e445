"""Notification fan-out: personalised notices rendered and queued per second, then handed to the e-mail outbox
per second, through the production code path (a campaign's batches → Audience → templates → Notification rows;
the dispatcher → enqueue_email into the durable outbox).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abonent_bench \
        .venv/bin/python bench/notifications_fanout.py --customers 100000
    .venv/bin/python bench/notifications_fanout.py --customers 10000            # SQLite

It creates and drops its own scratch database (Django's test database for the configured one). Each customer
has one account, an e-mail and a phone; the campaign's type (rules_change) goes by e-mail by default, so there
is one notice per customer. Tasks run as configured (django-tasks-db by default: the per-batch tasks and the
outbox's send tasks are queued as rows, not run inline; the batches are run here in one process, as one worker
would). Sending over SMTP is the e-mail outbox's own work and is not measured here.
Target (ARCHITECTURE.md): 100,000 notices rendered and handed to SMTP in under 10 minutes with 2 workers.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abonent.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

BATCH = 1000


def seed(count: int) -> None:
    """Customers, contracts and accounts in bulk."""
    import datetime as dt
    from decimal import Decimal

    from abonent.core.validators import complete_inn
    from abonent.customers.models import BillingAccount, Contract, Customer

    for start in range(0, count, 5000):
        size = min(5000, count - start)
        customers = Customer.objects.bulk_create([
            Customer(kind=Customer.Kind.LEGAL_ENTITY, name=f"Общество с ограниченной ответственностью «Бенч-{n}»",
                     short_name=f"ООО «Бенч-{n}»", inn=complete_inn(f"22{n:07d}"), kpp="222401001",
                     email=f"client{n}@example.ru", phone=f"+7913{n:07d}", search_name=f"бенч-{n}")
            for n in range(start, start + size)])
        contracts = Contract.objects.bulk_create([
            Contract(customer=c, number=f"B-{start + i:07d}", signed_on=dt.date(2024, 1, 1),
                     valid_from=dt.date(2024, 1, 1), max_capacity_kw=Decimal("100"))
            for i, c in enumerate(customers)])
        BillingAccount.objects.bulk_create([
            BillingAccount(contract=c, number=f"77{start + i:08d}", address=f"г. Барнаул, ул. Бенч, {start + i}")
            for i, c in enumerate(contracts)])


def measure(count: int, handoff: int | None) -> None:
    from django.utils import timezone

    from abonent.demo.organisation import seed_organisation
    from abonent.notifications import campaigns, dispatch
    from abonent.notifications.models import Campaign, ChannelSetting, Notification, NotificationType
    from abonent.users.models import User

    seed_organisation()
    started = time.perf_counter()
    seed(count)
    print(f"seeded {count} customers in {time.perf_counter() - started:.1f} s")

    head = User.objects.create_user(username="bench-head", password=None)
    campaign = Campaign.objects.create(
        title="Бенчмарк", type=NotificationType.objects.get(code="rules_change"),
        subject="Изменение порядка приёма показаний",
        text="С 1 июля показания приборов учёта принимаются с 23 по 26 число месяца.", created_by=head,
        status=Campaign.Status.SENDING, approved_by=head, approved_at=timezone.now(), started_at=timezone.now())
    ids = campaigns.segment_ids(campaign)
    batches = [ids[i:i + BATCH] for i in range(0, len(ids), BATCH)]
    Campaign.objects.filter(pk=campaign.pk).update(batches_total=len(batches))

    started = time.perf_counter()
    for batch in batches:
        campaigns.run_batch(campaign.pk, batch)
    elapsed = time.perf_counter() - started
    queued = Notification.objects.filter(campaign=campaign).count()
    print(f"rendered and queued {queued} notices in {elapsed:.1f} s: {queued / elapsed:.0f} items/s")

    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING)
    again = time.perf_counter()
    for batch in batches[:5]:
        campaigns.run_batch(campaign.pk, batch)
    print(f"rerun of 5 batches (dedupe, nothing new): {time.perf_counter() - again:.2f} s, "
          f"rows still {Notification.objects.filter(campaign=campaign).count()}")

    ChannelSetting.objects.filter(channel="email").update(rate_per_minute=10_000_000)
    started = time.perf_counter()
    outcome = dispatch.dispatch("email", limit=handoff)
    elapsed = time.perf_counter() - started
    print(f"handed {outcome.sent} notices to the e-mail outbox in {elapsed:.1f} s: {outcome.sent / elapsed:.0f} items/s"
          f" (failed {outcome.failed}, retried {outcome.retried})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--handoff", type=int, default=None,
                        help="hand only this many notices to the e-mail outbox (default: all)")
    args = parser.parse_args()
    setup_test_environment()
    print(f"database: {connection.vendor}")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        measure(args.customers, args.handoff)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

"""Notification fan-out, end to end: personalised notices rendered and queued, handed to the e-mail outbox by
the dispatcher, and sent over SMTP, through the production code path (a campaign's batches → Audience →
templates → Notification rows; the dispatcher → the durable outbox; the outbox's send tasks → SMTP).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abonent_bench \
        .venv/bin/python bench/notifications_fanout.py --customers 100000
    .venv/bin/python bench/notifications_fanout.py --customers 10000            # SQLite

It creates and drops its own scratch database (Django's test database for the configured one; on SQLite a file,
so that the workers can share it). Each customer has one account, an e-mail and a phone; the campaign's type
(rules_change) goes by e-mail by default, so there is one notice per customer.

Stages: (1) the campaign's batches are rendered and queued here, in one process, as one worker would run its
batch tasks; (2) `--workers` real task workers (`manage.py db_worker`, django-tasks-db) are started and given
one dispatcher task per worker: they hand the notices to the e-mail outbox and then run the outbox's send tasks,
which talk to a real SMTP server (aiosmtpd in this process, a sink that counts the messages and their
Message-IDs). The stages are timed one after the other: "handed to the outbox" ends when no notice is left
queued, "handed to SMTP" when the sink has every message; the total is their sum with the rendering.
Target (ARCHITECTURE.md): 100,000 notices rendered and handed to SMTP in under 10 minutes with 2 workers.
"""

import argparse
import logging
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abonent.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

BATCH = 1000
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.MULTILINE | re.IGNORECASE)


class Sink:
    """Counts what the SMTP server accepted, and every Message-ID (a message sent twice shows here)."""

    def __init__(self):
        self.message_ids: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        match = MESSAGE_ID.search(envelope.original_content or envelope.content)
        self.message_ids.append(match.group(1) if match else b"")
        return "250 Message accepted for delivery"


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


def database_url() -> str:
    """The scratch database, for the workers' processes."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgres://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


def start_workers(count: int, smtp_port: int, log) -> list[subprocess.Popen]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {
        "DATABASE_URL": database_url(), "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}
    command = [sys.executable, str(ROOT / "manage.py"), "db_worker", "--queue-name", "*", "--interval", "0.1"]
    return [subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)  # noqa: S603 - our own command
            for _ in range(count)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(condition, timeout: float, step: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def measure(count: int, workers: int, timeout: float) -> None:
    from aiosmtpd.controller import Controller
    from django.utils import timezone

    from abonent.channels.email.models import OutgoingEmail
    from abonent.demo.organisation import seed_organisation
    from abonent.notifications import campaigns
    from abonent.notifications.models import Campaign, ChannelSetting, Notification, NotificationType
    from abonent.notifications.tasks import dispatch_channel
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
    rendered = time.perf_counter() - started
    queued = Notification.objects.filter(campaign=campaign).count()
    print(f"rendered and queued {queued} notices in {rendered:.1f} s: {queued / rendered:.0f} items/s")

    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING)
    again = time.perf_counter()
    for batch in batches[:5]:
        campaigns.run_batch(campaign.pk, batch)
    print(f"rerun of 5 batches (dedupe, nothing new): {time.perf_counter() - again:.2f} s, "
          f"rows still {Notification.objects.filter(campaign=campaign).count()}")

    # Throttling stays on (the dispatcher counts the minute's sends), with a rate that does not hold the bench.
    ChannelSetting.objects.update_or_create(channel="email", defaults={"rate_per_minute": 10_000_000,
                                                                       "is_enabled": True})
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    sink = Sink()
    port = free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    log = tempfile.NamedTemporaryFile(prefix="fanout-workers-", suffix=".log", delete=False)  # noqa: SIM115
    print(f"workers' log: {log.name}")
    processes = start_workers(workers, port, log)
    try:
        started = time.perf_counter()
        for _ in range(workers):
            dispatch_channel.enqueue("email")
        pending = Notification.objects.filter(campaign=campaign, status__in=[Notification.Status.QUEUED,
                                                                             Notification.Status.SENDING])
        if not wait(lambda: not pending.exists(), timeout):
            sys.exit(f"the dispatchers did not finish in {timeout:.0f} s: {pending.count()} notices left")
        outbox = time.perf_counter() - started
        handed = Notification.objects.filter(campaign=campaign, status=Notification.Status.SENT).count()
        print(f"handed {handed} notices to the e-mail outbox in {outbox:.1f} s: {handed / outbox:.0f} items/s"
              f" ({workers} workers; failed {Notification.objects.filter(status=Notification.Status.FAILED).count()})")
        unsent = OutgoingEmail.objects.exclude(status__in=[OutgoingEmail.Status.SENT, OutgoingEmail.Status.FAILED])
        finished = wait(lambda: len(sink.message_ids) >= handed and not unsent.exists(), timeout, step=0.2)
        smtp_time = time.perf_counter() - started - outbox
        total = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        smtp.stop()
    received = len(sink.message_ids)
    distinct = len(set(sink.message_ids))
    print(f"handed {received} notices to SMTP (the rest after the outbox stage) in {smtp_time:.1f} s: "
          f"{received / max(total, 1e-9):.0f} items/s over both stages; {distinct} distinct Message-IDs, "
          f"e-mails failed {OutgoingEmail.objects.filter(status=OutgoingEmail.Status.FAILED).count()}"
          + ("" if finished else f"; NOT FINISHED in {timeout:.0f} s"))
    end_to_end = rendered + total
    print(f"total: {received} notices rendered, queued and handed to SMTP in {end_to_end:.1f} s: "
          f"{received / end_to_end:.0f} items/s (target: 100,000 in 600 s, 167 items/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=10_000, help="notices to send (one per customer)")
    parser.add_argument("--workers", type=int, default=2, help="task worker processes (db_worker)")
    parser.add_argument("--timeout", type=float, default=3600, help="give up on a stage after this many seconds")
    args = parser.parse_args()
    setup_test_environment()
    print(f"database: {connection.vendor}")
    if connection.vendor == "sqlite":  # a file, not memory: the workers are other processes
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(
            Path(tempfile.gettempdir()) / f"abonent-fanout-{os.getpid()}.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        measure(args.customers, args.workers, args.timeout)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

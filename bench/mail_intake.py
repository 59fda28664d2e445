"""Mail intake throughput: messages per second from a real IMAP server (a private Dovecot) into
registered appeals, through the production code path (poll → raw recorded → flagged → parsed →
register_appeal), timed from the start of the poll until no record is left unregistered.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abonent .venv/bin/python bench/mail_intake.py --messages 1000
    .venv/bin/python bench/mail_intake.py --messages 500            # SQLite: the poller registers, in order

On PostgreSQL `--workers N` (default 2) task workers register the recorded chunks side by side, as in
production: each is django-tasks-db's `db_worker` loop in a process of its own, started before the clock,
taking only the `register_inbound` tasks (the acknowledgements and other event tasks stay queued, as they did
when the poller registered); `--workers 0` has the poller register everything itself.

It creates and drops its own scratch database (Django's test database for the configured one; `--keepdb`
keeps it for the next run, which then skips the migrations) and runs tasks as configured (django-tasks-db by
default: the acknowledgement is queued for the worker, not sent inline). Every run's Message-IDs are new, so
a kept database registers them again rather than finding duplicates. `--json` prints one line for
bench/run.py. Target (ARCHITECTURE.md): at least 100 messages per second on 2 cores, PostgreSQL.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abonent.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "abonent/channels/email/tests/fixtures"
KINDS = ["cp1251_8bit.eml", "koi8r_qp.eml", "utf8_base64.eml", "html_only.eml", "nested_multipart.eml",
         "forwarded.eml", "rfc2231_names.eml", "undeclared_charset.eml"]


def messages(count: int, run: str = "") -> list[bytes]:
    """Distinct messages (own Message-ID) cycling through the real-world fixture shapes."""
    out = []
    for i in range(count):
        raw = (FIXTURES / KINDS[i % len(KINDS)]).read_bytes()
        head, sep, body = raw.partition(b"\r\n\r\n")
        lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"message-id:")]
        lines.insert(0, f"Message-ID: <bench-{run}{i}@bench.local>".encode())
        out.append(b"\r\n".join(lines) + sep + body)
    return out


REGISTER_TASK = "abonent.channels.email.tasks.register_inbound"


def run_worker() -> None:
    """A db_worker that takes only the intake's registration tasks."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResultQuerySet

    ready = DBTaskResultQuerySet.ready
    DBTaskResultQuerySet.ready = lambda self: ready(self).filter(task_path=REGISTER_TASK)
    Worker(queue_names=["intake"], interval=0.05, batch=False, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id=f"bench-{os.getpid()}", excluded_queue_names=[]).run()


def start_workers(count: int) -> list[subprocess.Popen]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url}
    return [subprocess.Popen([sys.executable, __file__, "--worker"], env=env,  # noqa: S603 - this very script
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--workers", type=int, default=None,
                        help="task workers registering in parallel (PostgreSQL; default 2, 0: the poller registers)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--keepdb", action="store_true", help="keep the scratch database for the next run")
    parser.add_argument("--json", action="store_true", help="one JSON line for bench/run.py")
    args = parser.parse_args()
    if args.worker:
        run_worker()
        return
    workers = args.workers if args.workers is not None else (2 if connection.vendor == "postgresql" else 0)

    from abonent.appeals.models import Appeal
    from abonent.channels.email import inbound
    from abonent.channels.email.client import ImapSession, ImapSettings
    from abonent.channels.email.models import InboundEmail, MailboxConnection
    from abonent.channels.email.testing import DovecotServer
    from abonent.demo.organisation import seed_organisation
    from abonent.organisation.models import Mailbox

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb)
    server = DovecotServer({"bench@test.local": "bench"})
    server.start()
    processes = []
    try:
        organisation = seed_organisation()
        mailbox = Mailbox.objects.get_or_create(organisation=organisation, address="meter@bges.ru")[0]
        settings = ImapSettings(host="127.0.0.1", port=server.port, security="plain", username="bench@test.local",
                                password="bench")  # noqa: S106 - a throwaway server
        conn, _ = MailboxConnection.objects.update_or_create(mailbox=mailbox, defaults={
            "host": settings.host, "port": settings.port, "security": "plain", "username": settings.username,
            "password": settings.password, "locked_until": None})
        with ImapSession(settings) as imap:
            for raw in messages(args.messages, run=f"{uuid.uuid4().hex[:8]}-"):
                imap.append(raw)
        before = Appeal.objects.count()
        first = InboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first()
        if workers:
            processes = start_workers(workers)
            time.sleep(3)  # Django's start-up, outside the clock
        started = time.perf_counter()
        result = inbound.poll_mailbox(conn.pk, limit=args.messages, parallel=bool(workers))
        while InboundEmail.objects.filter(status=InboundEmail.Status.RECEIVED).exists():
            if processes and all(p.poll() is not None for p in processes):
                sys.exit("the workers died")
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        registered = Appeal.objects.count() - before
        if workers:
            records = InboundEmail.objects.filter(pk__gt=first or 0)
            result.seen = records.count()
            result.outcomes = dict(Counter(records.values_list("status", flat=True)))
        if args.json:
            print(json.dumps({"database": connection.vendor, "workers": workers, "messages": result.seen,
                              "seconds": elapsed,
                              "per_second": result.seen / elapsed, "appeals": registered,
                              "outcomes": {str(k): v for k, v in result.outcomes.items()},
                              "error": result.error,
                              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
        else:
            print(f"database: {connection.vendor}; workers: {workers}; messages: {result.seen}; "
                  f"outcomes: {result.outcomes}; appeals: {registered}; error: {result.error or '-'}")
            print(f"{result.seen / elapsed:.1f} messages/second ({elapsed:.2f} s)")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        server.stop()
        if not args.keepdb:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

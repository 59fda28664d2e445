"""Mail intake throughput: messages per second from a real IMAP server (a private Dovecot) into
registered appeals, through the production code path (poll → raw stored → parsed → register_appeal).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abonent .venv/bin/python bench/mail_intake.py --messages 1000
    .venv/bin/python bench/mail_intake.py --messages 500            # SQLite

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
import sys
import time
import uuid
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--keepdb", action="store_true", help="keep the scratch database for the next run")
    parser.add_argument("--json", action="store_true", help="one JSON line for bench/run.py")
    args = parser.parse_args()

    from abonent.appeals.models import Appeal
    from abonent.channels.email import inbound
    from abonent.channels.email.client import ImapSession, ImapSettings
    from abonent.channels.email.models import MailboxConnection
    from abonent.channels.email.testing import DovecotServer
    from abonent.demo.organisation import seed_organisation
    from abonent.organisation.models import Mailbox

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb)
    server = DovecotServer({"bench@test.local": "bench"})
    server.start()
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
        started = time.perf_counter()
        result = inbound.poll_mailbox(conn.pk, limit=args.messages)
        elapsed = time.perf_counter() - started
        registered = Appeal.objects.count() - before
        if args.json:
            print(json.dumps({"database": connection.vendor, "messages": result.seen, "seconds": elapsed,
                              "per_second": result.seen / elapsed, "appeals": registered,
                              "outcomes": {str(k): v for k, v in result.outcomes.items()},
                              "error": result.error,
                              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
        else:
            print(f"database: {connection.vendor}; messages: {result.seen}; outcomes: {result.outcomes}; "
                  f"appeals: {registered}; error: {result.error or '-'}")
            print(f"{result.seen / elapsed:.1f} messages/second ({elapsed:.2f} s)")
    finally:
        server.stop()
        if not args.keepdb:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

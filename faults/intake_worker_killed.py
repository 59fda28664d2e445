"""Fault drill: a task worker killed (SIGKILL) while it registers recorded mail. A private Dovecot holds 300
messages; the poller records and flags them and queues their registration while no worker runs; two workers
start registering side by side and one is killed a third of the way; a new worker and the intake sweep (run
as the scheduler would, with the clock moved past its staleness limit) finish the batch. Afterwards every
message on the server is flagged and recorded once, every record is registered, and there is exactly one
appeal per message: nothing lost, nothing registered twice."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg

from abonent.channels.email.client import PROCESSED_KEYWORD, ImapSession, ImapSettings
from abonent.channels.email.testing import DovecotServer
from faults.common import PYTHON, ROOT, environment, manage, prepare, scratch_database

COUNT = int(os.environ.get("FAULTS_MAILS", "300"))
FIXTURES = Path(__file__).resolve().parent.parent / "abonent/channels/email/tests/fixtures"
KINDS = ["cp1251_8bit.eml", "koi8r_qp.eml", "utf8_base64.eml", "html_only.eml", "nested_multipart.eml",
         "forwarded.eml", "rfc2231_names.eml", "undeclared_charset.eml"]

CONNECT = """
from abonent.channels.email.models import MailboxConnection
from abonent.organisation.models import Mailbox, Organisation
mailbox = Mailbox.objects.get_or_create(organisation=Organisation.objects.first(), address="drill@bges.ru")[0]
MailboxConnection.objects.create(mailbox=mailbox, host="127.0.0.1", port={port}, security="plain",
                                 username="drill@test.local", password="drill")
"""

# The poller as the scheduler runs it on PostgreSQL with a task queue: record, flag, queue the registration.
POLL = """
from abonent.channels.email import inbound
from abonent.channels.email.models import MailboxConnection
result = inbound.poll_mailbox(MailboxConnection.objects.get().pk, limit=10000)
assert result.recorded == result.queued, result
print(result.recorded)
"""

# The intake sweep, run with the clock moved past its staleness limit.
SWEEP = """
import time_machine
from django.utils import timezone
from abonent.channels.email import inbound
from abonent.channels.email.tasks import sweep_inbound
with time_machine.travel(timezone.now() + inbound.STALE_AFTER, tick=True):
    print(sweep_inbound.call())
"""


def messages(count: int) -> list[bytes]:
    run, out = uuid.uuid4().hex[:8], []
    for i in range(count):
        head, sep, body = (FIXTURES / KINDS[i % len(KINDS)]).read_bytes().partition(b"\r\n\r\n")
        lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"message-id:")]
        lines.insert(0, f"Message-ID: <drill-{run}-{i}@drill.local>".encode())
        out.append(b"\r\n".join(lines) + sep + body)
    return out


def worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, str(ROOT / "manage.py"), "db_worker", "--queue-name", "*", "--interval", "0.2"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def count(url: str, sql: str) -> int:
    with psycopg.connect(url) as db:
        return db.execute(sql).fetchone()[0]


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def main() -> None:
    server = DovecotServer({"drill@test.local": "drill"})
    server.start()
    imap = ImapSettings(host="127.0.0.1", port=server.port, security="plain", username="drill@test.local",
                        password="drill")  # noqa: S106 - a throwaway server
    unregistered = "SELECT count(*) FROM email_channel_inboundemail WHERE status = 'received'"
    try:
        with ImapSession(imap) as session:
            for raw in messages(COUNT):
                session.append(raw)
        with scratch_database("intake") as (_name, url):
            env = environment(url, TASKS_BACKEND="django_tasks_db.DatabaseBackend")
            prepare(env)
            manage("shell", "-c", CONNECT.format(port=server.port), env=env)
            recorded = int(manage("shell", "-c", POLL, env=env).stdout.split()[-1])

            first, other = worker(env), worker(env)
            wait_until(lambda: count(url, "SELECT count(*) FROM appeals_appeal") >= COUNT // 3, timeout=600)
            first.send_signal(signal.SIGKILL)
            first.wait()
            at_kill = count(url, "SELECT count(*) FROM appeals_appeal")

            second = worker(env)
            try:
                # The killed worker's task stays claimed and never runs again: the sweep queues what it left.
                wait_until(lambda: count(url, "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                                              "WHERE status = 'READY'") == 0, timeout=600)
                swept = int(manage("shell", "-c", SWEEP, env=env).stdout.split()[-1])
                wait_until(lambda: count(url, unregistered) == 0, timeout=600)
            finally:
                for process in (other, second):
                    process.terminate()
                    process.wait(timeout=30)

            with psycopg.connect(url) as db:
                records = db.execute("SELECT status, count(*) FROM email_channel_inboundemail GROUP BY status"
                                     ).fetchall()
                appeals = db.execute("SELECT count(*), count(DISTINCT source_key) FROM appeals_appeal").fetchone()
                linked = db.execute("SELECT count(DISTINCT appeal_id) FROM email_channel_inboundemail").fetchone()[0]
        with ImapSession(imap) as session:
            on_server = len(session.box.uids("ALL"))
            flagged = len(session.box.uids(f"KEYWORD {PROCESSED_KEYWORD}"))
    finally:
        server.stop()

    failures = []
    statuses = dict(records)
    if (on_server, flagged, recorded) != (COUNT, COUNT, COUNT):
        failures.append(f"{on_server} on the server, {flagged} flagged, {recorded} recorded of {COUNT}")
    if statuses != {"registered": COUNT}:
        failures.append(f"records: {statuses}")
    if appeals != (COUNT, COUNT):
        failures.append(f"{appeals[0]} appeals ({appeals[1]} distinct messages) for {COUNT} messages")
    if linked != COUNT:
        failures.append(f"{linked} appeals linked from {COUNT} records")
    print(f"{COUNT} messages; worker killed after {at_kill} appeals; {swept} records swept after the kill.")
    if failures:
        sys.exit("Intake drill FAILED: " + "; ".join(failures))
    print("Intake drill passed: no message lost, none registered twice.")


if __name__ == "__main__":
    main()

"""Fault drill: a task worker killed (SIGKILL) in the middle of a batch of acknowledgements. 300 appeals
are registered while no worker runs; a worker starts sending their acknowledgements through a real SMTP
server and is killed a third of the way; a new worker and the periodic sweeps (run as the scheduler would,
with the clock moved past their staleness limits) finish the batch. Afterwards every appeal has exactly
one acknowledgement row and the SMTP server received every one of them, each Message-ID once — unless
the kill fell between the server's acceptance and the status update, which the drill reports."""

import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import psycopg
from aiosmtpd.controller import Controller

from faults.common import PYTHON, ROOT, environment, free_port, manage, prepare, scratch_database

COUNT = int(os.environ.get("FAULTS_NOTICES", "300"))

REGISTER = f"""
from abonent.appeals.services import AppealDraft, register_appeal
from abonent.users.models import User
operator = User.objects.get(username="reception")
for i in range({COUNT}):
    register_appeal(draft=AppealDraft(channel="email", kind="question", text=f"Проверка отказа воркера {{i}}",
                    sender_name="Испытатель", sender_email=f"drill{{i}}@example.ru"), registered_by=operator,
                    source_key=f"drill:{{i}}")
"""

# The scheduler's sweeps, run with the clock moved past their staleness limits (1 and 10 minutes).
SWEEP = """
import datetime, time_machine
from django.utils import timezone
from abonent.appeals.tasks import sweep_outbox
from abonent.channels.email.tasks import retry_outbox
with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11), tick=True):
    print(sweep_outbox.call(), retry_outbox.call())
"""


class Sink:
    def __init__(self):
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.message_ids.append(str(message["Message-ID"]))
        return "250 Message accepted for delivery"


def worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, str(ROOT / "manage.py"), "db_worker", "--queue-name", "*", "--interval", "0.2"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def main() -> None:
    sink = Sink()
    port = free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        with scratch_database("worker") as (_name, url):
            env = environment(url, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port),
                              TASKS_BACKEND="django_tasks_db.DatabaseBackend")
            prepare(env)
            manage("shell", "-c", REGISTER, env=env)

            first = worker(env)
            wait_until(lambda: len(sink.message_ids) >= COUNT // 3, timeout=600)
            first.send_signal(signal.SIGKILL)
            first.wait()
            at_kill = len(sink.message_ids)

            second = worker(env)
            try:
                manage("shell", "-c", SWEEP, env=env)

                def settled() -> bool:
                    with psycopg.connect(url) as db:
                        waiting = db.execute(
                            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'READY'"
                        ).fetchone()[0]
                        unsent = db.execute(
                            "SELECT count(*) FROM email_channel_outgoingemail WHERE status <> 'sent'").fetchone()[0]
                    return waiting == 0 and unsent == 0

                wait_until(settled, timeout=600)
                manage("shell", "-c", SWEEP, env=env)  # rows a crash left 'sending' are queued again
                wait_until(settled, timeout=600)
            finally:
                second.terminate()
                second.wait(timeout=30)

            with psycopg.connect(url) as db:
                appeals = db.execute("SELECT count(*) FROM appeals_appeal").fetchone()[0]
                rows = db.execute(
                    "SELECT a.number, e.message_id, e.status FROM email_channel_outgoingemail e "
                    "JOIN appeals_appeal a ON a.id = e.appeal_id").fetchall()
    finally:
        smtp.stop()

    per_appeal = Counter(number for number, _, _ in rows)
    received = Counter(sink.message_ids)
    failures = []
    if appeals != COUNT:
        failures.append(f"{appeals} appeals for {COUNT} registered")
    if missing := COUNT - len(per_appeal):
        failures.append(f"{missing} appeals without an acknowledgement")
    if doubled := [n for n, c in per_appeal.items() if c > 1]:
        failures.append(f"appeals acknowledged twice: {doubled[:5]}")
    if unsent := [n for n, _, status in rows if status != "sent"]:
        failures.append(f"acknowledgements not sent: {unsent[:5]}")
    if lost := [m for _, m, _ in rows if received[m] == 0]:
        failures.append(f"never reached the SMTP server: {lost[:5]}")
    resent = [m for m, c in received.items() if c > 1]
    if len(resent) > 1:  # only the one message in flight at the kill may be resent (same Message-ID)
        failures.append(f"{len(resent)} messages delivered twice")
    print(f"{COUNT} acknowledgements; worker killed after {at_kill} reached SMTP; "
          f"{len(received)} distinct Message-IDs received, {len(resent)} resent with the same Message-ID.")
    if failures:
        sys.exit("Worker drill FAILED: " + "; ".join(failures))
    print("Worker drill passed: no acknowledgement lost, none sent twice.")


if __name__ == "__main__":
    main()

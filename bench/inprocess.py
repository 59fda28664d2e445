"""Per-request cost of API registration and of the staff queue pages, in one process (no HTTP server, no load
generator): queries, commits that write, CPU and wall milliseconds per request, through Django's test client.

    createdb -h 127.0.0.1 -U postgres abonent_inprocess
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/abonent_inprocess
    .venv/bin/python manage.py migrate --no-input && .venv/bin/python manage.py createcachetable
    ALLOW_DEMO_DATA=true .venv/bin/python manage.py seed_demo
    .venv/bin/python bench/inprocess.py api --requests 40
    .venv/bin/python bench/inprocess.py queue --requests 40

It runs with the production settings as `make bench` serves them (the database cache, the database task queue,
the API request limit lifted, the staff second factor off), so it adds appeals to the database it is given:
never point it at one that matters. CPU is this process's only (PostgreSQL's own work is in the wall time).
The first request of each kind is a warm-up and is not counted."""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abonent.settings")
os.environ.setdefault("API_RATE_LIMIT", "100000000/m")
os.environ.setdefault("STAFF_OTP_REQUIRED", "false")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("ABONENT_VAR_DIR", str(Path(tempfile.gettempdir()) / "abonent-inprocess-var"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

WRITES = ("INSERT", "UPDATE", "DELETE")


class CommitCounter:
    """Counts the commits that wrote something: a write outside a transaction is one, and so is the commit of a
    transaction in which something was written. Read-only transactions cost no wait for the disk."""

    def __init__(self) -> None:
        self.commits = 0
        self._dirty = False

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        # An UPDATE that matched no row writes nothing (the API token's "last used" stamp, most minutes).
        if sql.lstrip().upper().startswith(WRITES) and context["cursor"].rowcount != 0:
            if connection.in_atomic_block:
                self._dirty = True
            else:
                self.commits += 1
        return result

    def committed(self) -> None:
        if self._dirty:
            self.commits += 1
        self._dirty = False

    def rolled_back(self) -> None:
        self._dirty = False


def client(**kwargs) -> Client:
    # DEBUG is off, so the pages want the collected static files' manifest (as `make bench` does it).
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", "--no-input", verbosity=0)
    return Client(HTTP_HOST="127.0.0.1", **kwargs)


def measure(label: str, requests: int, call: Callable[[int], None]) -> dict:
    call(-1)  # warm-up: imports, templates, connection
    counter = CommitCounter()
    original_commit = connection.commit

    def commit():
        original_commit()
        counter.committed()

    def rollback():
        original_rollback()
        counter.rolled_back()

    original_rollback = connection.rollback
    connection.commit, connection.rollback = commit, rollback
    queries, commits, cpu, wall = [], [], [], []
    try:
        with connection.execute_wrapper(counter):
            for n in range(requests):
                before = counter.commits
                with CaptureQueriesContext(connection) as captured:
                    cpu_start, wall_start = time.process_time(), time.perf_counter()
                    call(n)
                    cpu.append((time.process_time() - cpu_start) * 1000)
                    wall.append((time.perf_counter() - wall_start) * 1000)
                queries.append(len(captured.captured_queries))
                commits.append(counter.commits - before)
    finally:
        del connection.commit, connection.rollback
    result = {
        "scenario": label, "requests": requests,
        "queries": statistics.median(queries), "queries_min": min(queries), "queries_max": max(queries),
        "commits": statistics.median(commits),
        "cpu_ms_median": round(statistics.median(cpu), 1), "cpu_ms_mean": round(statistics.mean(cpu), 1),
        "wall_ms_median": round(statistics.median(wall), 1), "wall_ms_mean": round(statistics.mean(wall), 1),
        "load_average": os.getloadavg()[0],
    }
    print(json.dumps(result, ensure_ascii=False))
    return result


def api(requests: int) -> None:
    from abonent.api.auth import issue_token
    from abonent.customers.models import Customer
    from abonent.users.models import User

    user = User.objects.filter(username="reception").first() or User.objects.filter(
        kind=User.Kind.STAFF, groups__permissions__codename="register_appeal").first()
    token = issue_token(user, "bench/inprocess.py")
    inns = list(Customer.objects.exclude(inn="").values_list("inn", flat=True)[:20])
    api_client = client(headers={"Authorization": f"Bearer {token}"})

    def register(n: int) -> None:
        payload = {"channel": "email", "subject": "Показания счётчика", "sender_name": "Иванов Иван",
                   "text": f"Прошу принять показания прибора учёта за октябрь ({n}).",
                   "sender_email": "client@example.ru"}
        if n % 2 == 0 and inns:
            payload["customer"] = inns[n % len(inns)]  # half name the customer by INN, as the bench does
        response = api_client.post("/api/appeals", json.dumps(payload), content_type="application/json")
        assert response.status_code == 201, response.content

    measure("API: register an appeal", requests, register)


def queue(requests: int) -> None:
    from abonent.core.testing.otp import verify_client_session
    from abonent.users.models import User

    user = User.objects.get(username="reception")
    staff = client()
    staff.force_login(user)
    verify_client_session(staff, user)  # the demo gives this login a TOTP app
    for label, path in (("queue: department", "/appeals/"), ("queue: all", "/appeals/?tab=all"),
                        ("queue: overdue", "/appeals/?tab=overdue"), ("queue: due soon", "/appeals/?tab=due_soon")):
        def get(n: int, path=path) -> None:
            response = staff.get(path)
            assert response.status_code == 200, response.status_code

        rows = staff.get(path).content.decode().count('<tr class="')
        measure(f"{label} ({rows} rows)", requests, get)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=["api", "queue"])
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    {"api": api, "queue": queue}[args.scenario](args.requests)


if __name__ == "__main__":
    main()

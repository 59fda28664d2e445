"""Fault drill: 2,000 appeals registered through the API by 16 concurrent clients while every database
connection of the system is killed again and again. Clients retry with the same Idempotency-Key, as the
API asks. Afterwards every acknowledged appeal exists exactly once and the year's numbers are unique and
consecutive (no gaps: a number is taken inside the registration's transaction)."""

import os
import random
import sys
import threading
import time
import uuid
from collections import Counter

import psycopg
import requests

from faults.common import environment, gunicorn, prepare, scratch_database

TOTAL = int(os.environ.get("FAULTS_APPEALS", "2000"))
CLIENTS = int(os.environ.get("FAULTS_CLIENTS", "16"))
DEADLINE = float(os.environ.get("FAULTS_DEADLINE", "1200"))  # seconds; a drill that cannot finish fails
TOKEN = "demo-reception-token"
BODY = {"channel": "email", "kind": "question", "sender_name": "Испытатель", "sender_email": "drill@example.ru"}


def preflight(base: str) -> None:
    """One registration before any connection is killed: a server that cannot register at all fails the drill
    at once with its answer, instead of 2,000 appeals retried until the deadline."""
    response = requests.post(f"{base}/api/appeals", json=BODY | {"text": "Проверка связи перед учением"},
                             headers={"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "preflight"},
                             timeout=60)
    if response.status_code != 201:
        raise RuntimeError(f"the system does not register an appeal before the drill: HTTP {response.status_code} "
                           f"{response.text[:500]}")


def client(base: str, count: int, acknowledged: dict, stats: Counter, lock: threading.Lock,
           deadline: float) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN}"
    for _ in range(count):
        key = uuid.uuid4().hex
        body = BODY | {"text": f"Проверка устойчивости {key}"}
        for _attempt in range(200):
            if time.monotonic() > deadline:
                with lock:
                    stats["never acknowledged"] += 1
                break
            try:
                response = session.post(f"{base}/api/appeals", json=body, headers={"Idempotency-Key": key},
                                        timeout=30)
            except requests.RequestException:
                stats["connection errors"] += 1
                time.sleep(0.05)
                continue
            if response.status_code in (200, 201):
                with lock:
                    acknowledged[key] = response.json()["number"]
                    stats[f"HTTP {response.status_code}"] += 1
                break
            stats[f"HTTP {response.status_code} (retried)"] += 1
            time.sleep(0.05)
        else:
            with lock:
                stats["never acknowledged"] += 1


def chaos(database_url: str, name: str, stop: threading.Event, stats: Counter) -> None:
    with psycopg.connect(database_url, autocommit=True) as killer:
        while not stop.wait(random.uniform(1.0, 2.5)):
            killed = killer.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()", [name]).fetchone()[0]
            stats["connections killed"] += killed
            stats["kill rounds"] += 1


def main() -> None:
    with scratch_database("reg") as (name, url):
        # The per-token request limit is not under test here: 2,000 appeals from one token in two minutes are
        # over it by design.
        env = environment(url, TASKS_BACKEND="django.tasks.backends.dummy.DummyBackend",
                          API_RATE_LIMIT="100000000/m")
        prepare(env)
        acknowledged: dict[str, str] = {}
        stats: Counter = Counter()
        lock = threading.Lock()
        stop = threading.Event()
        started = time.monotonic()
        with gunicorn(env) as base:
            preflight(base)
            killer = threading.Thread(target=chaos, args=(url, name, stop, stats))
            killer.start()
            share = [TOTAL // CLIENTS + (1 if i < TOTAL % CLIENTS else 0) for i in range(CLIENTS)]
            threads = [threading.Thread(target=client, args=(base, n, acknowledged, stats, lock, started + DEADLINE))
                       for n in share]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            stop.set()
            killer.join()
        elapsed = time.monotonic() - started

        with psycopg.connect(url) as db:
            rows = db.execute("SELECT number, year, sequence, text FROM appeals_appeal").fetchall()
        by_number = Counter(r[0] for r in rows)
        failures = []
        if len(acknowledged) != TOTAL:
            failures.append(f"acknowledged {len(acknowledged)} of {TOTAL}")
        if len(rows) != TOTAL + 1:  # and the preflight's
            failures.append(f"{len(rows) - 1} appeals in the database for {TOTAL} acknowledged")
        if duplicates := [n for n, c in by_number.items() if c > 1]:
            failures.append(f"duplicate numbers: {duplicates[:5]}")
        texts = {r[3].rsplit(" ", 1)[-1]: r[0] for r in rows}
        if lost := [k for k, n in acknowledged.items() if texts.get(k) != n]:
            failures.append(f"acknowledged but missing or renumbered: {lost[:5]}")
        for year in {r[1] for r in rows}:
            sequences = sorted(r[2] for r in rows if r[1] == year)
            if sequences != list(range(1, len(sequences) + 1)):
                failures.append(f"numbers of {year} are not consecutive from 1")
        print(f"{TOTAL} appeals by {CLIENTS} clients in {elapsed:.1f} s; " + ", ".join(
            f"{k}: {v}" for k, v in sorted(stats.items())))
        if failures:
            sys.exit("Registration drill FAILED: " + "; ".join(failures))
        print("Registration drill passed: every acknowledged appeal exists once; numbers unique and consecutive.")


if __name__ == "__main__":
    main()

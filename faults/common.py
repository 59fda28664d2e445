"""Shared plumbing of the fault drills: a throwaway PostgreSQL database, the system under gunicorn on a
loopback port, and cleanup. The drills are scripts run by `make faults` (and CI), not unit tests."""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("FAULTS_SERVER", "postgres://postgres@127.0.0.1:5432")
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def scratch_database(tag: str):
    name = f"abonent_faults_{tag}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name, f"{SERVER}/{name}"
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def environment(database_url: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return env | {"DATABASE_URL": database_url, "ALLOW_DEMO_DATA": "true", "SECRET_KEY": "faults-" + "x" * 50,
                  "ALLOWED_HOSTS": "127.0.0.1,localhost"} | extra


def manage(*args: str, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    if check and done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


SEED = """
from abonent.demo.organisation import seed_organisation
from abonent.demo.staff import seed_staff
from abonent.demo import api_tokens
seed_organisation(); seed_staff(); api_tokens.seed()
"""


def prepare(env: dict) -> None:
    manage("migrate", "-v0", env=env)
    manage("createcachetable", env=env)  # the rate limits count in the database cache on the embedded default
    manage("shell", "-c", SEED, env=env)


@contextlib.contextmanager
def gunicorn(env: dict, *, workers: int = 2, threads: int = 8):
    """Yields the base URL; the server's own log (tracebacks of 500s) is printed if the drill fails inside."""
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "abonent.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", str(threads), "--graceful-timeout", "5"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
        )
        try:
            for _ in range(100):
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
                time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        except BaseException:
            log.seek(0)
            print("gunicorn's log, last lines:\n" + "".join(log.readlines()[-60:]), file=sys.stderr)
            raise
        finally:
            process.terminate()
            process.wait(timeout=30)

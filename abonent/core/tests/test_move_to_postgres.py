"""The move runs as an operator would run it: a separate process on an embedded installation's SQLite
file (the test database's connections cannot reach a second, runtime-defined database)."""

import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

SERVER = "postgres://postgres@127.0.0.1:5432"

MAKE_DATA = """
from abonent.demo.organisation import seed_organisation
from abonent.demo.staff import seed_staff
from abonent.appeals.services.intake import AppealDraft, register_appeal
from abonent.customers.tests.factories import BillingAccountFactory
from abonent.users.models import User
seed_organisation(); seed_staff()
account = BillingAccountFactory(); customer = account.contract.customer
register_appeal(draft=AppealDraft(channel="email", kind="question", text="Прошу сверить расчёты за октябрь",
                customer=customer, sender_email="buh@example.ru"), registered_by=User.objects.get(username="reception"))
"""


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(settings.BASE_DIR / "manage.py"), *args], env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def target_url():
    name = f"abonent_move_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{SERVER}/{name}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_embedded_installation_moves_with_nothing_lost(tmp_path, target_url):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"DJANGO_SETTINGS_MODULE": "abonent.settings", "ABONENT_VAR_DIR": str(tmp_path),
            "TASKS_BACKEND": "django.tasks.backends.dummy.DummyBackend", "ALLOW_DEMO_DATA": "true"}
    for step in (("migrate", "-v0"), ("shell", "-c", MAKE_DATA)):
        done = manage(*step, env=env)
        assert done.returncode == 0, done.stderr
    sqlite = tmp_path / "abonent.sqlite3"

    moved = manage("move_to_postgres", target_url, env=env)

    assert moved.returncode == 0, moved.stderr
    assert "совпадает" in moved.stdout
    with psycopg.connect(target_url) as pg:
        appeal_id, number = pg.execute("SELECT id, number FROM appeals_appeal").fetchone()
        found = pg.execute(
            "SELECT count(*) FROM appeals_appeal WHERE search_document @@ plainto_tsquery('russian', 'расчёт')"
        ).fetchone()[0]
        next_id = pg.execute("SELECT nextval(pg_get_serial_sequence('appeals_appeal', 'id'))").fetchone()[0]
        staff = pg.execute("SELECT count(*) FROM users_user").fetchone()[0]
    import sqlite3

    with sqlite3.connect(sqlite) as lite:
        assert lite.execute("SELECT id, number FROM appeals_appeal").fetchone() == (appeal_id, number)
        assert lite.execute("SELECT count(*) FROM users_user").fetchone()[0] == staff
    assert found == 1  # the PostgreSQL search index was built for the moved rows
    assert next_id > appeal_id  # new rows get fresh ids

    again = manage("move_to_postgres", target_url, env=env)
    assert again.returncode != 0 and "уже есть данные" in again.stderr


@pytest.mark.django_db
def test_refuses_a_target_that_is_not_postgres():
    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        with pytest.raises(CommandError, match="SQLite"):
            call_command("move_to_postgres", f"{SERVER}/x")
        return
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("move_to_postgres", "sqlite:////tmp/x.sqlite3")

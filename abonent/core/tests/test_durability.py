"""A registration's transaction releases its locks at the commit without waiting for the disk, and the first
thing after the commit is the wait for the disk (abonent.core.durability); elsewhere nothing changes."""

import pytest
from django.db import connection, transaction

from abonent.appeals.models import Appeal
from abonent.appeals.services import AppealDraft, register_appeal
from abonent.core import durability

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="synchronous_commit is PostgreSQL's")


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def _wal(function: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}() - '0/0'::pg_lsn")
        return int(cursor.fetchone()[0])


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_commit_does_not_wait_and_the_wait_for_the_disk_comes_first_after_it(monkeypatch):
    order = []
    monkeypatch.setattr(durability, "wait_for_flush", lambda using: order.append("flush"))
    with transaction.atomic():
        durability.release_before_flush()
        assert _setting() == "off"
        transaction.on_commit(lambda: order.append("handed on"))
    assert order == ["flush", "handed on"]
    assert _setting() == "on"  # for that transaction only


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_after_an_earlier_on_commit_action_the_commit_waits_as_usual(monkeypatch):
    flushes = []
    monkeypatch.setattr(durability, "wait_for_flush", lambda using: flushes.append(using))
    with transaction.atomic():
        transaction.on_commit(lambda: None)  # e.g. a message handed to RQ: it must not leave before the disk
        durability.release_before_flush()
        assert _setting() == "on"
    assert flushes == []


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_registration_is_on_disk_when_registration_returns(organisation):
    written = _wal("pg_current_wal_insert_lsn")
    appeal = register_appeal(draft=AppealDraft(text="Прошу сверить расчёты", channel="email",
                                               sender_email="client@example.ru")).appeal
    assert _wal("pg_current_wal_flush_lsn") > written
    assert Appeal.objects.filter(pk=appeal.pk, number=appeal.number).exists()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the other databases")
@pytest.mark.django_db
def test_elsewhere_nothing_changes(django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(0):
        durability.release_before_flush()

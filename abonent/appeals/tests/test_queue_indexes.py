"""The indexes of migrations 0004 (PostgreSQL: partial indexes over open appeals; their predicate is the open
statuses, and the work queues' queries can use them; the plans are checked with sequential scans off, since a
test table is too small for the planner to prefer an index on its own) and 0005 (the reply date, both
databases)."""

import importlib
import re

import pytest
from django.db import connection

from abonent.appeals import selectors
from abonent.appeals.models import Appeal

migration = importlib.import_module("abonent.appeals.migrations.0004_open_queue_indexes")


def test_the_indexes_cover_exactly_the_open_statuses():
    assert set(re.findall(r"'(\w+)'", migration.OPEN)) == set(Appeal.OPEN_STATUSES)


def plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    return queryset.explain()


@pytest.mark.django_db
def test_queue_queries_use_the_open_indexes(operator, executor):
    if connection.vendor != "postgresql":
        pytest.skip("the partial indexes are PostgreSQL's")
    with connection.cursor() as cursor:
        names = set(connection.introspection.get_constraints(cursor, "appeals_appeal"))
    assert set(migration.INDEXES) <= names
    department = selectors.queue(operator, "department", selectors.QueueFilters())
    assert "appeal_open_department_by_due" in plan(department[:51])
    mine = selectors.queue(executor, "mine", selectors.QueueFilters())
    assert "appeal_open_executor_by_due" in plan(mine[:51])
    counts = Appeal.objects.open().order_by().values("department_id", "executor_id", "due_at")
    # The tab counts read open appeals only (at scale: an index-only scan of appeal_open_by_due).
    assert "using appeal_open_" in plan(counts)


@pytest.mark.django_db
def test_the_reports_have_an_index_on_the_reply_date():
    with connection.cursor() as cursor:
        assert "appeal_answered" in connection.introspection.get_constraints(cursor, "appeals_appeal")
    answered = Appeal.objects.filter(answered_at__gte="2026-01-01").order_by().values("answered_at")
    if connection.vendor == "postgresql":
        assert "appeal_answered" in plan(answered)
    else:
        assert "appeal_answered" in answered.explain()

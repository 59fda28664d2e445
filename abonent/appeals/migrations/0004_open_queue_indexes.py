"""Partial indexes over the open appeals for the work queues (bench/run.py at 1,000,000 appeals).

The queues list open appeals ordered by (due_at, id) and page by keyset. The model's indexes (status, due_at)
and (department, status, due_at) cannot give that order across the three open statuses, so PostgreSQL read
every open appeal of the department (or every overdue one) and sorted them: 50-100 ms per page at 1M, growing
with the open backlog. Over the open appeals only and in the queue's order, a page is the first 51 entries
of an index (about 1 ms); the first one also covers the tab counts (an index-only scan instead of fetching
every open row: 68 ms → 10 ms).

PostgreSQL only, and not in the models' state (like 0002): makemigrations never sees or drops them. The
predicate is Appeal.OPEN_STATUSES; a query filtering `status IN (…those…)` (AppealQuerySet.open()) or one of
them is proved to imply it.
"""

from django.db import migrations

OPEN = "status IN ('registered', 'in_progress', 'on_approval')"
INDEXES = {
    "appeal_open_by_due": f"(due_at, id) INCLUDE (department_id, executor_id) WHERE {OPEN}",
    "appeal_open_department_by_due": f"(department_id, due_at, id) WHERE {OPEN}",
    "appeal_open_executor_by_due": f"(executor_id, due_at, id) WHERE {OPEN}",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON appeals_appeal {definition}")
    schema_editor.execute("ANALYZE appeals_appeal")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("appeals", "0003_search_document")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abonent.core.models import Heartbeat
from abonent.core.postgresql.compiler import UNNEST_FROM_ROWS

pytestmark = [pytest.mark.django_db, pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")]


def _insert(rows: int) -> str:
    now = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        Heartbeat.objects.bulk_create([Heartbeat(name=f"beat-{rows}-{n}", beat_at=now) for n in range(rows)])
    [insert] = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    return insert


def test_the_settings_use_the_projects_backend():
    assert connection.settings_dict["ENGINE"] == "abonent.core.postgresql"
    assert connection.ops.compiler_module == "abonent.core.postgresql.compiler"


def test_a_small_bulk_insert_is_written_as_rows_of_values():
    sql = _insert(3)
    assert "UNNEST" not in sql
    assert sql.count("), (") == 2
    assert Heartbeat.objects.filter(name__startswith="beat-3-").count() == 3


def test_a_large_bulk_insert_keeps_djangos_unnest():
    sql = _insert(UNNEST_FROM_ROWS)
    assert "UNNEST" in sql
    assert Heartbeat.objects.filter(name__startswith=f"beat-{UNNEST_FROM_ROWS}-").count() == UNNEST_FROM_ROWS


def _plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)  # the test's own transaction would hide the point
def test_custom_plans_hold_for_the_transaction_only():
    from django.db import transaction

    from abonent.core.postgresql.plans import prefer_custom_plans

    with transaction.atomic():
        assert _plan_cache_mode() == "auto"  # generic plans allowed for the request paths
        prefer_custom_plans()
        assert _plan_cache_mode() == "force_custom_plan"
    assert _plan_cache_mode() == "auto"

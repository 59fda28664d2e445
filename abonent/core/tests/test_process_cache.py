"""The per-process copies of policy rows: kept while the shared version stands, loaded again after a watched
change commits (here or in another process), never kept from a transaction that changed them, and worked
without while the shared cache is down."""

import pytest
from django.core.cache import cache
from django.db import transaction

from abonent.core.process_cache import ProcessCache
from abonent.organisation.models import Department, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def names():
    """A process cache of the departments' names with the topics they handle, and how often it loaded them."""
    loads = []

    def load():
        loads.append(1)
        return {d.name: sorted(t.code for t in d.topics.all()) for d in Department.objects.prefetch_related("topics")}

    process_cache = ProcessCache("test-departments", load)
    process_cache.watch(Department)
    yield process_cache, loads
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for signal in (post_save, post_delete, m2m_changed):
        for sender in (Department, Department.topics.through):
            signal.disconnect(sender=sender, dispatch_uid=f"{process_cache.key}:{sender._meta.label}")


def test_a_copy_is_kept_until_a_watched_change_commits(names, organisation):
    process_cache, loads = names
    first = process_cache.get()
    assert process_cache.get() is first and len(loads) == 1
    department = Department.objects.get(code="audit")
    department.topics.add(Topic.objects.create(name="Пломбы", code="seals"))
    assert "seals" in process_cache.get()[department.name] and len(loads) == 2
    department.delete()
    assert department.name not in process_cache.get() and len(loads) == 3


def test_another_process_change_is_seen_by_the_version(names, organisation):
    process_cache, loads = names
    process_cache.get()
    cache.set(process_cache.key, "another process committed", timeout=None)
    process_cache.get()
    cache.delete(process_cache.key)  # the cache lost the token
    process_cache.get()
    assert len(loads) == 3


def test_nothing_is_kept_from_a_transaction_that_changed_the_rows(names, organisation):
    process_cache, loads = names
    with pytest.raises(RuntimeError), transaction.atomic():
        Department.objects.create(name="Временный отдел", code="temp")
        assert "Временный отдел" in process_cache.get()
        assert "Временный отдел" in process_cache.get()
        raise RuntimeError
    assert "Временный отдел" not in process_cache.get()
    assert len(loads) == 3


def test_without_the_shared_cache_the_rows_are_read_each_time(names, organisation, monkeypatch, caplog):
    process_cache, loads = names

    def down(*args, **kwargs):
        raise ConnectionError("Redis не отвечает")

    monkeypatch.setattr(cache, "get", down)
    assert process_cache.get() == process_cache.get()
    assert len(loads) == 2
    assert "the shared cache is unavailable" in caplog.text

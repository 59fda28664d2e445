"""The per-process copies of policy rows: kept while the shared version stands, loaded again after a watched
change commits (here or in another process), never kept from a transaction that changed them, and worked
without while the shared cache is down."""

from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction

from abonent.appeals.services import policies
from abonent.calendar.services import calendar_days
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
    monkeypatch.setattr(cache, "get_many", down)
    assert process_cache.get() == process_cache.get()
    assert len(loads) == 2
    assert "the shared cache is unavailable" in caplog.text


@contextmanager
def a_request():
    """What the request handler signals around a request, without its closing of the test's connection."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    request_started.send(sender=None)
    try:
        yield
    finally:
        request_finished.send(sender=None)
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def test_a_request_reads_the_tokens_of_all_copies_at_once(names, organisation, monkeypatch):
    process_cache, loads = names
    reads = []
    get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys, **kwargs: reads.append(keys) or get_many(keys, **kwargs))
    with a_request():
        process_cache.get()
        policies.current()
        calendar_days.get()
        process_cache.get()
    assert len(reads) == 1 and {process_cache.key, policies.policy_cache.key, calendar_days.key} <= set(reads[0])
    process_cache.get()  # outside a request: its own token, read afresh
    assert len(reads) == 2 and reads[1] == [process_cache.key]


def test_a_change_the_request_commits_is_read_afresh_for_the_rest_of_it(names, organisation):
    process_cache, loads = names
    with a_request():
        process_cache.get()
        Department.objects.create(name="Новый отдел", code="new")
        assert "Новый отдел" in process_cache.get() and "Новый отдел" in process_cache.get()
    assert len(loads) == 3
    process_cache.get()
    assert len(loads) == 4  # the next request keeps a copy again
    process_cache.get()
    assert len(loads) == 4

"""Policy rows that nearly every request of some kind reads and the head roles change now and then (routing
rules, deadline policies): kept in each process, loaded again once they change. Caching, not business flow, so
model signals are the right tool here.

Processes learn of a change through a version token in the shared cache (the database by default, Redis at
scale): a change of a watched model replaces the token when its transaction commits, and each use compares the
token with the one its copy was loaded under — one cache read instead of the queries. In a request, the first
use reads the tokens of every process cache at once and the request keeps them: one cache read per request
however many copies it uses (after a change the request commits, it reads those rows afresh). The token is read
before the rows, so a copy is never labelled newer than its data. Inside a transaction that changed a watched model
the rows are read afresh and not kept, so a rollback leaves no copy of what never happened.

Changes that bypass the models' signals (queryset.update(), raw SQL, a data migration in another process) are
seen after the next watched change or a restart; the admin, where these tables are edited, saves row by row."""

import logging
import threading
import time
import uuid
from collections.abc import Callable

from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

log = logging.getLogger(__name__)
_ALL: list["ProcessCache"] = []
_request = threading.local()  # .versions: the tokens read in the current request (None outside a request)


class ProcessCache[T]:
    """What `load` returns, kept per process and reloaded after a change of one of the watched models, and, with
    `max_age` (seconds), at least that often: a bound for the changes that bypass the signals."""

    def __init__(self, name: str, load: Callable[[], T], *, max_age: float | None = None) -> None:
        self.key = f"process-cache:{name}"
        self._load = load
        self._max_age = max_age
        self._copy: tuple[str, T, float] | None = None
        _ALL.append(self)

    def get(self) -> T:
        if self._changed_in_this_transaction():
            return self._load()
        version = self._version()
        copy = self._copy
        if copy is not None and copy[0] == version and (self._max_age is None
                                                        or time.time() - copy[2] < self._max_age):
            return copy[1]
        loaded_at = time.time()
        value = self._load()
        if version:
            self._copy = (version, value, loaded_at)
        return value

    def _version(self) -> str | None:
        """The current token; None (read the rows, keep no copy) while the shared cache cannot be reached."""
        versions = getattr(_request, "versions", None)
        if versions is None:
            return _read_versions([self.key])[self.key]
        if self.key not in versions:
            versions.update(_read_versions([c.key for c in _ALL if c.key not in versions] or [self.key]))
        return versions[self.key]

    def watch(self, *models) -> None:
        """Reload after any row of these models (or their many-to-many links) is saved or deleted."""
        for model in models:
            for signal in (post_save, post_delete):
                signal.connect(self._changed, sender=model, weak=False, dispatch_uid=f"{self.key}:{model._meta.label}")
            for field in model._meta.many_to_many:
                through = field.remote_field.through
                m2m_changed.connect(self._changed, sender=through, weak=False,
                                    dispatch_uid=f"{self.key}:{through._meta.label}")
                post_delete.connect(self._changed, sender=through, weak=False,
                                    dispatch_uid=f"{self.key}:{through._meta.label}")

    def _changed(self, sender, using=None, **kwargs) -> None:
        self._copy = None
        transaction.on_commit(self._replace_version, using=using)

    def _changed_in_this_transaction(self) -> bool:
        # The hook waiting for the commit is the mark; a rollback discards it with the change.
        connection = transaction.get_connection()
        return connection.in_atomic_block and any(
            hook == self._replace_version for _, hook, _ in connection.run_on_commit)

    def _replace_version(self) -> None:
        self._copy = None
        version = uuid.uuid4().hex
        if (versions := getattr(_request, "versions", None)) is not None:
            versions[self.key] = None  # not kept from this request, whether or not the token below is stored
        try:
            caches["default"].set(self.key, version, timeout=None)
        except Exception:  # noqa: BLE001 - as in _version
            log.error("process cache %s: the change is committed, but other processes keep their copies until "
                      "the next change or a restart: the shared cache is unavailable", self.key, exc_info=True)

    def forget(self) -> None:
        """Drop this process's copy (the tests' database is rolled back after each test without a signal)."""
        self._copy = None


def _read_versions(keys: list[str]) -> dict[str, str | None]:
    """The tokens of `keys` in one cache read; a token the cache lost (first use, a restart of Redis, the database
    cache's culling) is created. All None while the shared cache cannot be reached."""
    cache = caches["default"]
    try:
        versions = cache.get_many(keys)
        for key in keys:
            if key not in versions:
                fresh = uuid.uuid4().hex
                versions[key] = fresh if cache.add(key, fresh, timeout=None) else cache.get(key)
    except Exception:  # noqa: BLE001 - Redis' own errors, not Django's: work on without the copies
        log.warning("process caches %s: the shared cache is unavailable", ", ".join(keys), exc_info=True)
        return dict.fromkeys(keys)
    return versions


def _begin_request(**kwargs) -> None:
    _request.versions = {}


def _end_request(**kwargs) -> None:
    _request.versions = None


request_started.connect(_begin_request, dispatch_uid="process-cache:begin")
request_finished.connect(_end_request, dispatch_uid="process-cache:end")


def forget_all() -> None:
    for process_cache in _ALL:
        process_cache.forget()

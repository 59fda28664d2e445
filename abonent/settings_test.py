"""Test settings: the same as production but fast hashing, in-memory mail and tasks run by the test."""

import os

from abonent.settings import *  # noqa: F403
from abonent.settings import DATABASES, TASK_QUEUES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": TASK_QUEUES}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOW_DEMO_DATA = True
# Security settings (docs/security.md, "Tests"). STAFF_OTP_REQUIRED stays on: staff sessions from
# client.force_login() are verified by a conftest patch, the browser `login` fixture types the code.
# The session timeouts are off, because tests travel in time (time-machine) between requests of one login;
# their own tests switch them on (abonent/core/tests/test_security_sessions.py).
SESSION_IDLE_TIMEOUT_STAFF = SESSION_IDLE_TIMEOUT_PORTAL = SESSION_ABSOLUTE_TIMEOUT = 0
# Rate-limit counters live in the process-wide test cache and would add up across tests from 127.0.0.1; the
# limits' own tests set the rates they exercise (abonent/core/tests/test_ratelimit.py).
RATE_LIMITS = {"*": "1000000/s"}
API_RATE_LIMIT = "1000000/s"
API_INVALID_TOKEN_LIMIT = "1000000/s"  # noqa: S105 - a rate, not a secret
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory: concurrency tests need several connections to see one database.
    # One file per test process, so parallel runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

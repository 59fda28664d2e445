"""Rate limits on public forms and the API: a fixed-window counter in the shared cache (the database cache
of the embedded default, Redis at scale).

Why not django-ratelimit (the listed choice): its 4.1.0 release (2023, tested up to Django 4.2) refuses the
database cache backend in a system check (no atomic increment there), and the embedded default uses exactly
that cache; it also answers 403, where a client needs 429 and `Retry-After`. What is needed is this small.

The limits on the portal's and the feedback pages are applied by `RateLimitMiddleware` by URL name
(`RATE_LIMITS`), so those views stay as they are; the web reception keeps the per-address limit of its own
(abonent.site.services.check_not_spam) and has no rule here; the API counts per token in abonent.api.auth.
A window is fixed (aligned to the clock), so a client may make up to twice the limit around a window's
edge; for the abuse these limits are against (mass sign-ups, mail bombing through password reset, vote
stuffing, runaway integrations) that is enough, and it needs one counter per client and window.

Where the counters live: in the shared cache, counted up by its own atomic add/incr (Redis, memory) — except
when that cache is the database. Its generic incr() reads the value and writes it back (lost counts when two
requests of one client race), and with add() and the timeout fix it cost 16 queries and 2 commits per request,
half of an API registration's. There a counter is a row of its own table (abonent.core.models.RateCounter)
counted up in one INSERT … ON CONFLICT DO UPDATE … RETURNING, atomic on SQLite and PostgreSQL alike."""

import datetime
import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from abonent.core import durability, http
from abonent.core.models import RateCounter

log = logging.getLogger("abonent.security")

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RETRY_AFTER_ATTRIBUTE = "rate_limit_retry_after"


@dataclass(frozen=True)
class Rate:
    """`count` requests per `seconds`; written as "10/h", "600/m" or "20/5m"."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        match = _RATE.match(text)
        if match is None:
            raise ValueError(f"Неверная запись ограничения частоты: {text!r} (нужно, например, «10/h»).")
        count, multiplier, unit = match.groups()
        return cls(int(count), int(multiplier or 1) * _UNIT[unit])


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends


def _window(rate: Rate, now: float) -> tuple[int, int]:
    window = int(now // rate.seconds)
    return window, max(int((window + 1) * rate.seconds - now), 1)


def _key(scope: str, ident: str, window: int) -> str:
    # The identity may be a token or an e-mail address: only its hash goes into the cache key.
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}:{window}"


def hit(scope: str, ident: str, rate: Rate, *, now: float | None = None) -> Verdict:
    """Counts one request of `ident` under `scope` and says whether it is within `rate`."""
    return hit_and_peek((scope, ident, rate), None, now=now)[0]


def hit_and_peek(counted: tuple[str, str, Rate], watched: tuple[str, str, Rate] | None, *,
                 now: float | None = None) -> tuple[Verdict, Verdict | None]:
    """`hit` of `counted` and `peek` of `watched` (a counter of another kind for the same request, e.g. the
    client address's wrong tokens beside the token's own requests): on the database cache in one statement."""
    now = time.time() if now is None else now
    scope, ident, rate = counted
    window, remaining = _window(rate, now)
    key = _key(scope, ident, window)
    watched_key = _key(watched[0], watched[1], _window(watched[2], now)[0]) if watched else None
    cache = caches["default"]
    if isinstance(cache, DatabaseCache):
        count, watched_count = _count_in_table(key, now=now, expires=now + remaining + 1, peek=watched_key)
        peeked = _peeked(watched, watched_count or 0, now) if watched else None
    else:
        count = _count_in_cache(cache, key, remaining)
        peeked = peek(*watched, now=now) if watched else None
    return Verdict(allowed=count <= rate.count, count=count, retry_after=remaining), peeked


def _count_in_cache(cache: BaseCache, key: str, remaining: int) -> int:
    if cache.add(key, 1, timeout=remaining + 1):
        return 1
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, timeout=remaining + 1)
        return 1
    if type(cache).incr is BaseCache.incr:
        # A generic incr (e.g. the file cache's) writes the value back with the default timeout.
        cache.touch(key, remaining + 1)
    return count


def peek(scope: str, ident: str, rate: Rate, *, now: float | None = None) -> Verdict:
    """Whether `ident` is already over `rate` in this window, without counting a request."""
    now = time.time() if now is None else now
    key = _key(scope, ident, _window(rate, now)[0])
    if isinstance(caches["default"], DatabaseCache):
        count = (RateCounter.objects.filter(key=key, expires_at__gt=_moment(now))
                 .values_list("count", flat=True).first() or 0)
    else:
        count = caches["default"].get(key) or 0
    return _peeked((scope, ident, rate), count, now)


def _peeked(limit: tuple[str, str, Rate], count: int, now: float) -> Verdict:
    return Verdict(allowed=count < limit[2].count, count=count, retry_after=_window(limit[2], now)[1])


def _moment(timestamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.UTC)


def _count_in_table(key: str, *, now: float, expires: float, peek: str | None = None) -> tuple[int, int | None]:
    """The counter after this request, in one statement, and the live count of the `peek` key if asked. A row
    left from a window that has ended (a key can only come back if a rate's period changed) starts again from
    one. The first request of a window also deletes the ended windows' rows: once a window per client, through
    the index on the expiry."""
    alias = router.db_for_write(RateCounter)
    connection = connections[alias]
    ops = connection.ops
    table, key_column, count, expires_at = (ops.quote_name(name) for name in (
        RateCounter._meta.db_table, "key", "count", "expires_at"))
    moment_now = ops.adapt_datetimefield_value(_moment(now))
    # A counter lost in a crash costs nothing: on PostgreSQL, outside a transaction, no wait for the disk.
    values = ("SELECT %s, 1, %s FROM " + durability.WITHOUT_FLUSH_WAIT  # noqa: S608 - constant
              if connection.vendor == "postgresql" and not connection.in_atomic_block else "VALUES (%s, 1, %s)")
    peeked, peek_params = "NULL", []
    if peek is not None:
        peeked = (f"(SELECT other.{count} FROM {table} other "  # noqa: S608 - names quoted, values bound
                  f"WHERE other.{key_column} = %s AND other.{expires_at} > %s)")
        peek_params = [peek, moment_now]
    sql = (f"INSERT INTO {table} ({key_column}, {count}, {expires_at}) {values} "  # noqa: S608 - names
           f"ON CONFLICT ({key_column}) DO UPDATE SET "  # are quoted, values bound
           f"{count} = CASE WHEN {table}.{expires_at} > %s THEN {table}.{count} + 1 ELSE 1 END, "
           f"{expires_at} = excluded.{expires_at} RETURNING {count}, {peeked}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, ops.adapt_datetimefield_value(_moment(expires)), moment_now, *peek_params])
        value, peeked_value = cursor.fetchone()
    if value == 1:
        RateCounter.objects.using(alias).filter(expires_at__lte=_moment(now)).delete()
    return value, peeked_value


def client_ip(request: HttpRequest) -> str:
    """The client's address as lockouts and consents see it (abonent.core.http.client_ip: the N-th address from
    the end of X-Forwarded-For behind N trusted proxies), "" when the server does not know it."""
    return http.client_ip(request) or ""


# --- Rules by URL name, applied by the middleware ---------------------------------------------------------


# An identity of None is not counted: without a known address every client would share one counter, and one
# of them could shut the form for everybody (a deployment must pass the real address: docs/deployment.md).


def _by_ip(request: HttpRequest) -> str | None:
    return client_ip(request) or None


def _by_field(name: str) -> Callable[[HttpRequest], str | None]:
    """A posted field, normalised (an e-mail address in any case counts as one)."""

    def ident(request: HttpRequest) -> str | None:
        value = request.POST.get(name, "").strip().lower()
        return value or None

    return ident


def _by_login(request: HttpRequest) -> str | None:
    user = request.user
    return f"user:{user.pk}" if user.is_authenticated else _by_ip(request)


@dataclass(frozen=True)
class Rule:
    """Requests with one of `methods` to the URL named `view` count against `rate` per identity."""

    view: str
    rate_setting: str
    default: str
    ident: Callable[[HttpRequest], str | None]
    methods: tuple[str, ...] = ("POST",)
    scope: str = ""

    @property
    def rate(self) -> Rate:
        limits = getattr(settings, "RATE_LIMITS", {})
        return Rate.parse(limits.get(self.rate_setting) or limits.get("*") or self.default)

    @property
    def name(self) -> str:
        return self.scope or self.rate_setting


# The public forms without a login, and the portal's account linking. The defaults can be changed per
# installation in settings.RATE_LIMITS (by these names; "*" for every rule not named there).
RULES: tuple[Rule, ...] = (
    Rule("portal:signup", "portal_signup", "10/h", _by_ip),
    Rule("portal:password_reset", "portal_password_reset", "10/h", _by_ip),
    # A person's mailbox is not flooded with reset letters from many addresses either.
    Rule("portal:password_reset", "portal_password_reset_email", "5/h", _by_field("email"),
         scope="portal_password_reset_email"),
    Rule("portal:signup_confirm", "portal_signup_confirm", "20/h", _by_ip),
    Rule("portal:link_account", "portal_link_account", "30/h", _by_login),
    Rule("feedback:survey_answer", "feedback_answer", "30/10m", _by_ip),
    Rule("feedback:invitation_answer", "feedback_answer", "30/10m", _by_ip),
    Rule("feedback:poll", "feedback_poll", "20/10m", _by_ip),
)


def _rules_by_view() -> dict[str, list[Rule]]:
    rules: dict[str, list[Rule]] = {}
    for rule in RULES:
        rules.setdefault(rule.view, []).append(rule)
    return rules


_RULES_BY_VIEW = _rules_by_view()


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The 429 answer: JSON in the API's shape under /api/, a Russian page elsewhere."""
    minutes = max((retry_after + 59) // 60, 1)
    message = f"Слишком много запросов. Повторите попытку через {minutes} мин."
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message, "field": None}, status=429,
                                              json_dumps_params={"ensure_ascii": False})
    else:
        response = render(request, "core/ratelimited.html", {"message": message, "minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    """Applies RULES by the resolved URL name before the view runs, and puts `Retry-After` on a 429 that a
    view or the API's authentication answered (they leave the seconds on the request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        retry_after = getattr(request, RETRY_AFTER_ATTRIBUTE, None)
        if response.status_code == 429 and retry_after and not response.has_header("Retry-After"):
            response["Retry-After"] = str(int(retry_after))
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        match = request.resolver_match
        rules = _RULES_BY_VIEW.get(match.view_name, ()) if match else ()
        for rule in rules:
            ident = rule.ident(request) if request.method in rule.methods else None
            if ident is None:
                continue
            verdict = hit(rule.name, ident, rule.rate)
            if not verdict.allowed:
                log.warning("rate limit", extra={"rule": rule.name, "view": rule.view, "ip": client_ip(request),
                                                 "count": verdict.count, "path": request.path})
                return too_many_requests(request, verdict.retry_after)
        return None

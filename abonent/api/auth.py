"""API tokens: issued to staff logins, kept only as a SHA-256 hash, checked on every request.

A token is looked up by its hash, so no comparison of secret strings ever runs character by character;
a revoked or expired token, or one of a login that is blocked or is not a staff login, is refused.
Every refusal is logged to "abonent.security" without the token.

Brute force and runaway clients: wrong tokens are counted per client address, and an address that sent
settings.API_INVALID_TOKEN_LIMIT of them (20 in 5 minutes) gets 429 with `Retry-After` for every request
with a token until that window ends — at most 5 minutes, and only on that address: the owner of a valid
token elsewhere is never affected, and one on the same address only while the wrong tokens keep coming.
A valid token may make settings.API_RATE_LIMIT requests (600 a minute), then 429 until the minute ends."""

import copy
import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer

from abonent.api.models import ApiToken
from abonent.core import ratelimit
from abonent.core.process_cache import ProcessCache
from abonent.users.models import User

security_log = logging.getLogger("abonent.security")

KEY_PREFIX = "abn_"
LAST_USED_PRECISION = datetime.timedelta(minutes=1)
NO_CREDENTIALS_MESSAGE = "Нужен токен доступа: заголовок «Authorization: Bearer <токен>»."
REFUSED_MESSAGE = "Токен доступа недействителен: неизвестен, отозван или просрочен."
BAD_TOKENS_SCOPE = "api_bad_token"
TOKEN_RATE_SCOPE = "api_token"  # noqa: S105 - a cache key prefix, not a secret
RATE_LIMIT_DESCRIPTION = "Слишком много запросов; повторите через указанное в заголовке `Retry-After` число секунд."


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def set_key(token: ApiToken, raw: str) -> None:
    """Stores the hash and the display prefix of `raw` on an unsaved token; `raw` itself is never stored."""
    token.key_hash = hash_key(raw)
    token.prefix = raw[:8]


def issue_token(user: User, name: str, *, expires_at: datetime.datetime | None = None) -> str:
    """Issues a token for a staff login and returns it: the only moment it is known in clear."""
    if user.kind != User.Kind.STAFF:
        raise ValueError("Токены API выдаются только сотрудникам.")
    raw = generate_key()
    token = ApiToken(user=user, name=name, expires_at=expires_at)
    set_key(token, raw)
    token.save()
    return raw


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


@dataclass(frozen=True)
class Check:
    user: User | None
    token: ApiToken | None
    refusal: str = ""


# Known tokens with their logins, per process (abonent.core.process_cache): issuing or revoking a token and any
# change of a login (blocked, its kind) reload them everywhere; a change that bypasses the models (raw SQL) is
# seen within a minute. Unknown tokens are never kept.
token_copies: ProcessCache[dict[str, ApiToken]] = ProcessCache("api-tokens", dict, max_age=60)


def watch() -> None:
    """Connected once, from the app's ready()."""
    token_copies.watch(ApiToken, User)


def _known_token(key_hash: str) -> ApiToken | None:
    known = token_copies.get()
    token = known.get(key_hash)
    if token is None:
        token = ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()
        if token is not None:
            known[key_hash] = token
    return token


def check_token(raw: str) -> Check:
    """The login a token acts for, or why it is refused."""
    if not raw:
        return Check(None, None, "empty token")
    token = _known_token(hash_key(raw))
    if token is None:
        return Check(None, None, "unknown token")
    now = timezone.now()
    if token.revoked_at is not None:
        return Check(None, token, "revoked token")
    if token.expires_at is not None and token.expires_at <= now:
        return Check(None, token, "expired token")
    if not token.user.is_active:
        return Check(None, token, "inactive user")
    if token.user.kind != User.Kind.STAFF:
        return Check(None, token, "not a staff login")
    # At most one write a minute per token, and without the model's save(): no audit entry per request (nor a
    # reload of the copies). The stamp kept spares the statement in the other requests of the minute.
    stale = now - LAST_USED_PRECISION
    if token.last_used_at is None or token.last_used_at < stale:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)
        ).update(last_used_at=now)
        token.last_used_at = now
    # The request's own instance of the login: Django keeps its permissions on it for the request.
    return Check(copy.copy(token.user), token)


def authenticate_token(raw: str) -> User | None:
    return check_token(raw).user


def _log_refusal(request: HttpRequest, reason: str, token: ApiToken | None = None) -> None:
    security_log.warning(
        "API authentication failed: %s; token id=%s; %s %s from %s",
        reason, token.pk if token else "-", request.method, request.path, ratelimit.client_ip(request) or "-",
    )


class RateLimited(HttpError):
    """429: the API's error handler answers it like any HttpError; `Retry-After` is put on by
    abonent.core.ratelimit.RateLimitMiddleware from the seconds left on the request."""

    def __init__(self, request: HttpRequest, retry_after: int, message: str):
        super().__init__(429, message)
        self.retry_after = retry_after
        setattr(request, ratelimit.RETRY_AFTER_ATTRIBUTE, retry_after)


def _minutes(seconds: int) -> int:
    return max((seconds + 59) // 60, 1)


def invalid_token_rate() -> ratelimit.Rate:
    return ratelimit.Rate.parse(getattr(settings, "API_INVALID_TOKEN_LIMIT", "20/5m"))


def token_rate() -> ratelimit.Rate:
    return ratelimit.Rate.parse(getattr(settings, "API_RATE_LIMIT", "600/m"))


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`, or `Authorization: Token <token>` as many clients send it."""

    schemes = ("bearer", "token")

    def __call__(self, request: HttpRequest) -> User:
        value = request.headers.get(self.header, "")
        if not value.strip():
            _log_refusal(request, "no Authorization header")
            raise AuthenticationError(message=NO_CREDENTIALS_MESSAGE)
        scheme, _, raw = value.strip().partition(" ")
        if scheme.lower() not in self.schemes:
            _log_refusal(request, "unsupported Authorization scheme")
            raise AuthenticationError(message=NO_CREDENTIALS_MESSAGE)
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User:
        check = check_token(token)
        # Without a known address every client would share one counter; nothing is counted then.
        address = ratelimit.client_ip(request)
        bad_tokens = (BAD_TOKENS_SCOPE, address, invalid_token_rate()) if address else None
        if check.user is None:
            _log_refusal(request, check.refusal, check.token)
            if bad_tokens and not (verdict := ratelimit.hit(*bad_tokens)).allowed:
                raise _address_blocked(request, verdict)
            raise AuthenticationError(message=REFUSED_MESSAGE)
        # The token's own count and its address's wrong tokens in one look: even the right token is refused from
        # an address that keeps sending wrong ones, so a lucky guess there learns nothing.
        verdict, blocked = ratelimit.hit_and_peek((TOKEN_RATE_SCOPE, str(check.token.pk), token_rate()), bad_tokens)
        if blocked is not None and not blocked.allowed:
            raise _address_blocked(request, blocked)
        if not verdict.allowed:
            _log_refusal(request, "rate limit of the token exceeded", check.token)
            raise RateLimited(request, verdict.retry_after,
                              f"Слишком много запросов с этим токеном. Повторите попытку через "
                              f"{_minutes(verdict.retry_after)} мин.")
        request.user = check.user
        return check.user


def _address_blocked(request: HttpRequest, verdict: ratelimit.Verdict) -> RateLimited:
    _log_refusal(request, "too many invalid tokens from this address")
    return RateLimited(request, verdict.retry_after,
                       f"С вашего адреса слишком много запросов с недействительными токенами. Повторите "
                       f"попытку через {_minutes(verdict.retry_after)} мин.")


def with_rate_limit_responses(schema: dict) -> dict:
    """Declares the 429 (with `Retry-After`) on every operation that takes a token, so clients and schemathesis
    know it. For NinjaAPI.get_openapi_schema (abonent/api/urls.py)."""
    response = {
        "description": RATE_LIMIT_DESCRIPTION,
        "headers": {"Retry-After": {"description": "Через сколько секунд повторить запрос.",
                                    "schema": {"type": "integer", "minimum": 1}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and operation.get("security"):
                responses = operation.setdefault("responses", {})
                if 429 not in responses and "429" not in responses:
                    responses[429] = response
    return schema

"""API tokens: issued to staff logins, kept only as a SHA-256 hash, checked on every request.

A token is looked up by its hash, so no comparison of secret strings ever runs character by character;
a revoked or expired token, or one of a login that is blocked or is not a staff login, is refused.
Every refusal is logged to "abonent.security" without the token."""

import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from abonent.api.models import ApiToken
from abonent.users.models import User

security_log = logging.getLogger("abonent.security")

KEY_PREFIX = "abn_"
LAST_USED_PRECISION = datetime.timedelta(minutes=1)
NO_CREDENTIALS_MESSAGE = "Нужен токен доступа: заголовок «Authorization: Bearer <токен>»."
REFUSED_MESSAGE = "Токен доступа недействителен: неизвестен, отозван или просрочен."


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


def check_token(raw: str) -> Check:
    """The login a token acts for, or why it is refused."""
    if not raw:
        return Check(None, None, "empty token")
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(raw)).first()
    if token is None:
        return Check(None, None, "unknown token")
    now = timezone.now()
    if token.revoked_at is not None:
        return Check(None, token, "revoked token")
    if token.expires_at is not None and token.expires_at <= now:
        return Check(None, token, "expired token")
    user = token.user
    if not user.is_active:
        return Check(None, token, "inactive user")
    if user.kind != User.Kind.STAFF:
        return Check(None, token, "not a staff login")
    # At most one write a minute per token, and without the model's save(): no audit entry per request.
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
    ).update(last_used_at=now)
    return Check(user, token)


def authenticate_token(raw: str) -> User | None:
    return check_token(raw).user


def _log_refusal(request: HttpRequest, reason: str, token: ApiToken | None = None) -> None:
    security_log.warning(
        "API authentication failed: %s; token id=%s; %s %s from %s",
        reason, token.pk if token else "-", request.method, request.path, request.META.get("REMOTE_ADDR", "-"),
    )


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
        if check.user is None:
            _log_refusal(request, check.refusal, check.token)
            raise AuthenticationError(message=REFUSED_MESSAGE)
        request.user = check.user
        return check.user

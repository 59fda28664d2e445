"""The payment provider's HTTP API, modelled on YooKassa API v3: protocol plumbing only, no models.

  POST {API_URL}/payments        create; Basic auth shopId:secret; `Idempotence-Key` header (the same key
                                 returns the same payment); body {amount{value,currency}, capture: true,
                                 confirmation{type: redirect, return_url}, description, metadata}
  GET  {API_URL}/payments/{id}   the payment as the provider has it now

A payment is {id, status (pending | waiting_for_capture | succeeded | canceled), paid, amount{value,currency},
confirmation{type, confirmation_url}, created_at, captured_at?, cancellation_details?{party, reason},
description, metadata}.

Notifications are POSTed to our webhook as {"type": "notification", "event": "payment.succeeded", "object":
{…}}. YooKassa itself does not sign them (it asks to check the sender's IP and to re-read the object); our
provider adapter requires both an HMAC-SHA256 signature of the body (SIGNATURE_HEADER, WEBHOOK_SECRET) and the
re-read. See docs/payments.md."""

import hashlib
import hmac
import re
from decimal import Decimal

import requests
from django.conf import settings

SIGNATURE_HEADER = "X-Payment-Signature"
TIMEOUT = (5, 20)  # seconds: connect, read
PROVIDER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,56}$")


class ProviderError(Exception):
    """A call to the provider failed. `transient`: no answer, a redirect, 5xx or 429; the result is unknown and
    the same request (with the same idempotency key) may be repeated later. Otherwise the provider refused it."""

    def __init__(self, message: str, *, status: int | None = None, transient: bool = True):
        super().__init__(message)
        self.message = message
        self.status = status
        self.transient = transient


def _config() -> dict:
    return settings.PAYMENTS


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(body: bytes, header: str, secret: str) -> bool:
    """Constant-time comparison of the signature header with the HMAC of the body; an empty secret never matches."""
    # Bytes on both sides: compare_digest refuses a str with non-ASCII characters, and a header is whatever
    # the sender put in it.
    return bool(secret) and bool(header) and hmac.compare_digest(
        sign(body, secret).encode(), header.strip().encode("utf-8", "surrogateescape"))


def _request(method: str, path: str, *, json: dict | None = None, headers: dict | None = None) -> dict:
    config = _config()
    url = config["API_URL"].rstrip("/") + path
    try:
        # Never follow a redirect (ASVS 15.3.2): the API lives at a fixed URL, and a redirect would take the
        # shop's credentials and the payment's data somewhere else.
        response = requests.request(method, url, json=json, headers=headers, timeout=TIMEOUT,
                                    auth=(config["SHOP_ID"], config["SECRET_KEY"]), allow_redirects=False)
    except requests.Timeout:
        raise ProviderError("платёжный сервис не ответил вовремя") from None
    except requests.RequestException as error:
        raise ProviderError(f"платёжный сервис недоступен: {error.__class__.__name__}") from None
    if 300 <= response.status_code < 400:
        # Not the API's answer: whether the request did anything is unknown, as with a 5xx.
        location = response.headers.get("Location", "")[:200]
        raise ProviderError(f"платёжный сервис ответил перенаправлением {response.status_code} на «{location}»; "
                            "перенаправления не выполняются, проверьте адрес API (PAYMENTS_API_URL)",
                            status=response.status_code)
    if response.status_code >= 500 or response.status_code == 429:
        raise ProviderError(f"платёжный сервис ответил ошибкой {response.status_code}", status=response.status_code)
    try:
        body = response.json()
    except ValueError:
        raise ProviderError(f"платёжный сервис ответил не JSON (HTTP {response.status_code})",
                            status=response.status_code) from None
    if response.status_code != 200:
        description = body.get("description") if isinstance(body, dict) else None
        raise ProviderError(f"платёжный сервис отказал (HTTP {response.status_code}): {description or body}",
                            status=response.status_code, transient=False)
    if not isinstance(body, dict) or not body.get("id") or not body.get("status"):
        raise ProviderError("платёжный сервис прислал платёж без id или статуса", status=200)
    return body


def create_payment(*, amount: Decimal, description: str, return_url: str, idempotency_key: str,
                   metadata: dict[str, str]) -> dict:
    return _request("POST", "/payments", headers={"Idempotence-Key": idempotency_key}, json={
        "amount": {"value": f"{amount:.2f}", "currency": "RUB"},
        "capture": True,
        "confirmation": {"type": "redirect", "return_url": return_url},
        "description": description[:128],
        "metadata": metadata,
    })


def get_payment(provider_id: str) -> dict:
    if not PROVIDER_ID_RE.match(provider_id or ""):
        raise ProviderError("неверный код платежа", transient=False)
    return _request("GET", f"/payments/{provider_id}")

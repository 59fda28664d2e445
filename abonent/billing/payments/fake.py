"""A local fake of the payment provider for development and tests: a small threaded HTTP server on loopback.

  POST /v3/payments              create (Basic auth shopId:secret, Idempotence-Key: the same key returns the
                                 same payment), status pending, confirmation_url → its checkout page
  GET  /v3/payments/{id}         the payment now
  GET  /checkout/{id}            the checkout page: «Оплатить» / «Отменить»
  POST /checkout/{id}/pay        → succeeded; the signed notification goes to the webhook URL; back to return_url
  POST /checkout/{id}/cancel     → canceled (as if the buyer left the page); notification; back to return_url

Every notification is also kept in `notifications` (body and headers), so a test can deliver it itself, twice,
or never. Failures on demand: `fail_next(route)` answers with 500 (optionally after doing the work: the answer
is "lost"), `hang_next(route)` holds the answer until the client times out."""

import base64
import datetime
import html
import json
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests

from abonent.billing.payments.provider import SIGNATURE_HEADER, sign

ROUTES = ("create", "get", "checkout", "pay", "cancel")
CHECKOUT_PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Оплата — имитатор</title><link rel="icon" href="data:,"></head>
<body><h1>Оплата {amount} ₽</h1><p>{description}</p>
<p>Имитатор платёжного сервиса: деньги не списываются.</p>{actions}</body></html>"""


@dataclass
class Notification:
    body: bytes
    headers: dict[str, str]
    delivered_status: int | None = None  # HTTP status of our webhook, when the fake delivered it itself


@dataclass
class Failure:
    route: str
    status: int
    count: int
    after_effect: bool


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client that gave up waiting (timeout tests)
        return


def _now() -> str:
    return datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeProvider:
    def __init__(self, *, shop_id: str = "demo-shop", secret_key: str = "demo-shop-secret",  # noqa: S107
                 webhook_secret: str = "demo-webhook-secret", webhook_url: str | None = None,  # noqa: S107
                 host: str = "127.0.0.1", port: int = 0):
        self.shop_id, self.secret_key, self.webhook_secret = shop_id, secret_key, webhook_secret
        self.webhook_url = webhook_url
        self.lock = threading.RLock()
        self.payments: dict[str, dict] = {}
        self.keys: dict[str, str] = {}
        self.notifications: list[Notification] = []
        self.calls: list[str] = []
        self.failures: list[Failure] = []
        self.hanging: dict[str, int] = {}
        self.released = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, headers, payload = fake.dispatch(self.command, urlsplit(self.path).path,
                                                         {k.lower(): v for k, v in self.headers.items()}, body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

            def log_message(self, format, *args):  # noqa: A002 - quiet
                return

        self.httpd = _QuietServer((host, port), Handler)
        self.thread: threading.Thread | None = None

    # --- running ---

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/v3"

    def settings(self) -> dict:
        """settings.PAYMENTS pointing at this fake."""
        return {"API_URL": self.api_url, "CHECKOUT_ORIGIN": self.url, "SHOP_ID": self.shop_id,
                "SECRET_KEY": self.secret_key, "WEBHOOK_SECRET": self.webhook_secret}

    def start(self) -> "FakeProvider":
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- scenario helpers ---

    def fail_next(self, route: str, *, status: int = 500, count: int = 1, after_effect: bool = False) -> None:
        assert route in ROUTES, route
        with self.lock:
            self.failures.append(Failure(route, status, count, after_effect))

    def hang_next(self, route: str, count: int = 1) -> None:
        """The next `count` calls of `route` get no answer until the fake stops (the client times out)."""
        with self.lock:
            self.hanging[route] = self.hanging.get(route, 0) + count

    def count(self, route: str) -> int:
        return self.calls.count(route)

    def pay(self, payment_id: str, *, notify: bool = True) -> dict:
        """The buyer paid: succeeded, captured at once (capture: true)."""
        return self._finish(payment_id, "succeeded", notify=notify)

    def cancel(self, payment_id: str, *, notify: bool = True) -> dict:
        return self._finish(payment_id, "canceled", notify=notify)

    def last_payment(self) -> dict:
        with self.lock:
            return list(self.payments.values())[-1]

    # --- the protocol ---

    def dispatch(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        route, payment_id = self._route(method, path)
        if route is None:
            return self._json(404, {"type": "error", "code": "not_found", "description": "Нет такого адреса"})
        with self.lock:
            self.calls.append(route)
            hang = self.hanging.get(route, 0) > 0
            if hang:
                self.hanging[route] -= 1
            failure = next((f for f in self.failures if f.route == route and f.count > 0), None)
            if failure is not None:
                failure.count -= 1
        if hang:
            self.released.wait(30)
            return self._json(500, {"type": "error", "code": "internal_server_error"})
        if failure is not None and not failure.after_effect:
            return self._json(failure.status, {"type": "error", "code": "internal_server_error"})
        answer = self._handle(route, payment_id, headers, body)
        if failure is not None:
            return self._json(failure.status, {"type": "error", "code": "internal_server_error"})
        return answer

    @staticmethod
    def _route(method: str, path: str) -> tuple[str | None, str]:
        parts = [p for p in path.split("/") if p]
        if method == "POST" and parts == ["v3", "payments"]:
            return "create", ""
        if method == "GET" and len(parts) == 3 and parts[:2] == ["v3", "payments"]:
            return "get", parts[2]
        if method == "GET" and len(parts) == 2 and parts[0] == "checkout":
            return "checkout", parts[1]
        if method == "POST" and len(parts) == 3 and parts[0] == "checkout" and parts[2] in ("pay", "cancel"):
            return parts[2], parts[1]
        return None, ""

    def _authorised(self, headers: dict[str, str]) -> bool:
        expected = base64.b64encode(f"{self.shop_id}:{self.secret_key}".encode()).decode()
        return headers.get("authorization", "") == f"Basic {expected}"

    def _handle(self, route: str, payment_id: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        if route in ("create", "get") and not self._authorised(headers):
            return self._json(401, {"type": "error", "code": "invalid_credentials",
                                    "description": "Ошибка аутентификации: неверный shopId или секретный ключ"})
        if route == "create":
            return self._create(headers, body)
        with self.lock:
            payment = self.payments.get(payment_id)
        if payment is None:
            return self._json(404, {"type": "error", "code": "not_found", "description": "Платёж не найден"})
        if route == "get":
            return self._json(200, payment)
        if route == "checkout":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, self._checkout_page(payment).encode()
        payment = self._finish(payment_id, "succeeded" if route == "pay" else "canceled", notify=True)
        return 303, {"Location": payment["confirmation"]["return_url"]}, b""

    def _create(self, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        key = headers.get("idempotence-key", "")
        if not key or len(key) > 64:
            return self._json(400, {"type": "error", "code": "invalid_request", "parameter": "Idempotence-Key",
                                    "description": "Нужен заголовок Idempotence-Key (не длиннее 64 символов)"})
        try:
            request = json.loads(body)
            value, currency = request["amount"]["value"], request["amount"]["currency"]
            confirmation = request["confirmation"]
            assert confirmation["type"] == "redirect" and confirmation["return_url"]
            assert currency == "RUB" and float(value) > 0
        except (ValueError, KeyError, TypeError, AssertionError):
            return self._json(400, {"type": "error", "code": "invalid_request",
                                    "description": "Неверный запрос: amount, confirmation"})
        with self.lock:
            if key in self.keys:
                return self._json(200, self.payments[self.keys[key]])
            payment_id = f"{uuid.uuid4().hex[:8]}-000f-5000-8000-{uuid.uuid4().hex[:12]}"
            payment = {
                "id": payment_id, "status": "pending", "paid": False,
                "amount": {"value": value, "currency": currency},
                "confirmation": {"type": "redirect", "return_url": confirmation["return_url"],
                                 "confirmation_url": f"{self.url}/checkout/{payment_id}"},
                "created_at": _now(), "description": request.get("description", ""),
                "metadata": request.get("metadata") or {}, "recipient": {"account_id": self.shop_id},
                "refundable": False, "test": True,
            }
            self.payments[payment_id] = payment
            self.keys[key] = payment_id
            return self._json(200, payment)

    def _finish(self, payment_id: str, status: str, *, notify: bool) -> dict:
        with self.lock:
            payment = self.payments[payment_id]
            if payment["status"] == "pending":
                payment["status"] = status
                if status == "succeeded":
                    payment.update(paid=True, captured_at=_now(), income_amount=dict(payment["amount"]))
                else:
                    payment["cancellation_details"] = {"party": "yoo_money", "reason": "expired_on_confirmation"}
            snapshot = json.loads(json.dumps(payment))
        if notify:
            self.notify(snapshot)
        return snapshot

    def notify(self, payment: dict) -> Notification:
        """Builds the signed notification of the payment's current status and delivers it to webhook_url."""
        body = json.dumps({"type": "notification", "event": f"payment.{payment['status']}", "object": payment},
                          ensure_ascii=False).encode()
        notification = Notification(body, {"Content-Type": "application/json",
                                           SIGNATURE_HEADER: sign(body, self.webhook_secret)})
        with self.lock:
            self.notifications.append(notification)
        if self.webhook_url:
            try:
                answer = requests.post(self.webhook_url, data=body, headers=notification.headers, timeout=10)
                notification.delivered_status = answer.status_code
            except requests.RequestException:
                notification.delivered_status = 0
        return notification

    def _checkout_page(self, payment: dict) -> str:
        pay_id = payment["id"]
        if payment["status"] != "pending":
            state = {"succeeded": "Платёж уже оплачен.", "canceled": "Платёж отменён."}.get(payment["status"], "")
            back = html.escape(payment["confirmation"]["return_url"])
            actions = f'<p>{state}</p><p><a href="{back}">Вернуться в личный кабинет</a></p>'
        else:
            actions = (f'<form method="post" action="/checkout/{pay_id}/pay"><button>Оплатить</button></form>'
                       f'<form method="post" action="/checkout/{pay_id}/cancel"><button>Отменить</button></form>')
        return CHECKOUT_PAGE.format(amount=payment["amount"]["value"].replace(".", ","),
                                    description=html.escape(payment.get("description") or ""), actions=actions)

    @staticmethod
    def _json(status: int, body: dict) -> tuple[int, dict, bytes]:
        content = json.dumps(body, ensure_ascii=False).encode()
        return status, {"Content-Type": "application/json; charset=utf-8"}, content

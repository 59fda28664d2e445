"""Token requests to the API go through the API's own middleware list (abonent/wsgi.py): the same answers and
headers as through the site's, without the browser's session, cookies and language choice."""

import io
import json
import sys

import pytest
from django.core import signals
from django.db import close_old_connections

from abonent.api.auth import issue_token
from abonent.api.handler import is_token_api_request

pytestmark = pytest.mark.django_db


def call(path: str, *, method: str = "GET", body: dict | None = None, token: str | None = None,
         handler=None) -> tuple[int, dict[str, str], bytes]:
    from abonent import wsgi

    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_NAME": "testserver", "SERVER_PORT": "80",
               "HTTP_HOST": "testserver", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(data)),
               "wsgi.input": io.BytesIO(data), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
               "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1"}
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = int(status.split()[0]), dict(headers)

    # As Django's test client does: the test's transaction must outlive the request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        result = (handler or wsgi.application)(environ, start_response)
        content = b"".join(result)
        getattr(result, "close", lambda: None)()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return started["status"], started["headers"], content


def test_which_requests_take_the_api_middleware():
    assert is_token_api_request({"PATH_INFO": "/api/appeals", "HTTP_AUTHORIZATION": "Bearer x"})
    assert not is_token_api_request({"PATH_INFO": "/api/appeals"})  # the 401 comes from the site's stack
    assert not is_token_api_request({"PATH_INFO": "/api/docs", "HTTP_AUTHORIZATION": "Bearer x"})
    assert not is_token_api_request({"PATH_INFO": "/appeals/", "HTTP_AUTHORIZATION": "Bearer x"})


def test_the_api_middleware_leaves_out_only_the_browsers(settings):
    kept = [path for path in settings.MIDDLEWARE if path not in settings.BROWSER_ONLY_MIDDLEWARE]
    assert [p for p in settings.TOKEN_API_MIDDLEWARE if p != "abonent.api.middleware.AnonymousUntilToken"] == kept
    assert "abonent.core.ratelimit.RateLimitMiddleware" in settings.TOKEN_API_MIDDLEWARE
    assert "auditlog.middleware.AuditlogMiddleware" in settings.TOKEN_API_MIDDLEWARE


def test_a_registration_is_answered_alike_through_both_stacks(operator):
    from abonent import wsgi

    token = issue_token(operator, "Тесты")
    question = {"channel": "email", "text": "Прошу разъяснить начисление", "sender_email": "a@example.ru"}
    api_status, api_headers, api_body = call("/api/appeals", method="POST", body=question, token=token)
    site_status, site_headers, site_body = call("/api/appeals", method="POST", body=question, token=token,
                                                handler=wsgi.site)

    assert api_status == site_status == 201
    assert json.loads(api_body)["number"] != json.loads(site_body)["number"]
    assert "Set-Cookie" not in api_headers
    # The site's stack adds only the language choice's headers (the API answers in Russian whatever is asked).
    language = ("Location", "Vary", "Content-Language")
    assert {k: v for k, v in api_headers.items() if k not in language} == {
        k: v for k, v in site_headers.items() if k not in language}
    for header in ("X-Frame-Options", "X-Content-Type-Options", "Permissions-Policy", "Content-Security-Policy"):
        assert header in api_headers
    assert "no-store" in api_headers["Cache-Control"]  # the token's login is on the request


def test_refusals_and_unknown_paths_through_the_api_middleware(operator):
    status, _, body = call("/api/appeals", method="POST", body={"channel": "email"}, token="неверный")
    assert status == 401
    assert "токен" in json.loads(body)["detail"].lower()

    token = issue_token(operator, "Тесты")
    status, headers, body = call("/api/no-such-operation", token=token)
    assert status == 404
    assert "text/html" in headers["Content-Type"]
    assert "Страница не найдена" in body.decode() or "не найден" in body.decode()


def test_the_documentation_keeps_the_sites_middleware(operator):
    token = issue_token(operator, "Тесты")
    status, headers, _ = call("/api/docs", token=token)
    assert status in (200, 302)
    assert "Vary" in headers  # the language choice (and the session) took part

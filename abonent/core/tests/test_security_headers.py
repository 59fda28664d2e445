"""Headers and cookies: CSP with a nonce, Permissions-Policy, COOP, nosniff, framing, referrer; `no-store` on
every answer to a logged-in user (staff and portal), none on public pages; cookie attributes, __Host- names
with HTTPS, and the deploy check's own HTTPS settings."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_staff_page_carries_the_security_headers_and_no_store(client, operator):
    client.force_login(operator)
    response = client.get(reverse("customers:list"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert nonce not in client.get(reverse("customers:list"))["Content-Security-Policy"]  # fresh per response
    assert response["Permissions-Policy"].startswith("accelerometer=()")
    assert "camera=()" in response["Permissions-Policy"] and "microphone=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


@pytest.mark.parametrize("name", ["appeals:queue", "core:home", "core:audit_log", "customers:portal_requests"])
def test_every_kind_of_staff_page_is_no_store(client, supervisor, name):
    client.force_login(supervisor)
    response = client.get(reverse(name))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_a_staff_file_download_is_no_store(client, operator):
    """Files with personal data (an appeal's attachment here) are not kept by browsers or proxies either."""
    from abonent.appeals.files import IncomingFile
    from abonent.appeals.tests.factories import register

    appeal = register(registered_by=operator, subject="Счёт за октябрь",
                      files=[IncomingFile(name="акт.pdf", content=b"%PDF-1.4\n%%EOF\n")])
    attachment = appeal.attachments.get()
    client.force_login(operator)
    response = client.get(reverse("appeals:attachment", args=[appeal.number, attachment.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_a_portal_page_is_no_store(client, organisation):
    from abonent.portal.tests.factories_auth import portal_login

    client.force_login(portal_login("buh@example.ru"))
    response = client.get(reverse("portal:profile"))
    assert "no-store" in response["Cache-Control"] and response["Permissions-Policy"]


def test_a_public_page_has_the_headers_but_may_be_cached(client, organisation):
    response = client.get(reverse("site:index"))
    assert response["Permissions-Policy"] and response["Content-Security-Policy"]
    assert "no-store" not in response.get("Cache-Control", "")


def test_cookies_are_http_only_and_same_site_lax(client, operator):
    login_page = client.get(reverse("login"))
    csrf = login_page.cookies["csrftoken"]
    assert csrf["httponly"] is True and csrf["samesite"] == "Lax"
    response = client.post(reverse("login"), {"username": "operator", "password": "pass"})
    session = response.cookies["sessionid"]
    assert session["httponly"] is True and session["samesite"] == "Lax"
    assert int(session["max-age"]) == 8 * 3600


def test_the_login_form_still_works_with_an_http_only_csrf_cookie(operator):
    """The token comes from the page, never from the cookie through script."""
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    page = strict.get(reverse("login")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = strict.post(reverse("login"), {"username": "operator", "password": "pass",
                                              "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_production_https_settings():
    """With HTTPS on: secure __Host- cookies, HSTS, redirect to HTTPS (the deploy check runs them too:
    abonent/core/tests/test_deploy_check.py)."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    names = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_NAME",
             "CSRF_COOKIE_NAME", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_HTTPONLY",
             "STAFF_OTP_REQUIRED"]
    code = f"import json, abonent.settings as s; print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {"HTTPS": "true"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                          cwd=settings.BASE_DIR, check=True)
    assert json.loads(done.stdout) == {
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_NAME": "__Host-sessionid", "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "SECURE_HSTS_SECONDS": 31536000, "SESSION_COOKIE_SAMESITE": "Lax", "CSRF_COOKIE_HTTPONLY": True,
        "STAFF_OTP_REQUIRED": True,
    }


def test_the_middleware_is_installed_in_order():
    from abonent import settings as production

    chain = production.MIDDLEWARE
    for name in ("abonent.core.middleware.RefusedAccessLogMiddleware",
                 "abonent.core.middleware.SecurityHeadersMiddleware",
                 "abonent.core.middleware.SessionTimeoutMiddleware",
                 "abonent.core.otp.StaffOTPMiddleware", "abonent.core.ratelimit.RateLimitMiddleware"):
        assert name in chain
    for before, after in [("django_otp.middleware.OTPMiddleware", "abonent.core.otp.StaffOTPMiddleware"),
                          ("django.contrib.messages.middleware.MessageMiddleware",
                           "abonent.core.middleware.SessionTimeoutMiddleware"),
                          ("django_htmx.middleware.HtmxMiddleware", "abonent.core.otp.StaffOTPMiddleware")]:
        assert chain.index(before) < chain.index(after)


def test_messages_live_in_the_session_not_in_a_cookie_of_their_own(client, operator):
    """The only cookies are the session's and CSRF's (both __Host- with HTTPS)."""
    client.force_login(operator)
    response = client.post(reverse("logout"), follow=False)
    assert "messages" not in response.cookies
    from django.conf import settings

    assert settings.MESSAGE_STORAGE == "django.contrib.messages.storage.session.SessionStorage"


def test_demo_data_is_refused_on_an_install_that_does_not_allow_it(settings):
    from django.core.management import CommandError, call_command

    settings.ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError, match="Демонстрационные данные запрещены"):
        call_command("seed_demo")

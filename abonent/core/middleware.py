"""Session timeouts, the headers Django does not set itself, and the log of refused access."""

import logging
import time

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control

from abonent.core.ratelimit import client_ip

security_log = logging.getLogger("abonent.security")

LOGIN_AT_KEY = "session_login_at"
LAST_SEEN_KEY = "session_last_seen"
IP_KEY = "session_ip"  # where and in which browser the session began, for the person's list of sessions
AGENT_KEY = "session_agent"
# The last-seen mark is written at most this often, so an active session is not saved on every request.
LAST_SEEN_PRECISION = 60


@receiver(user_logged_in, dispatch_uid="abonent.core.middleware.session_started")
def _session_started(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT_KEY] = now
        request.session[LAST_SEEN_KEY] = now
        request.session[IP_KEY] = client_ip(request)
        request.session[AGENT_KEY] = request.META.get("HTTP_USER_AGENT", "")[:200]


def idle_timeout(user) -> int:
    """Seconds without a request after which the session of this kind of login ends (0: never)."""
    if getattr(user, "kind", "staff") == "customer":
        return int(getattr(settings, "SESSION_IDLE_TIMEOUT_PORTAL", 0))
    return int(getattr(settings, "SESSION_IDLE_TIMEOUT_STAFF", 0))


def _login_url(user) -> str:
    if getattr(user, "kind", "staff") == "customer":
        try:
            return reverse("portal:login")
        except NoReverseMatch:
            pass
    return reverse("login")


class SessionTimeoutMiddleware:
    """Ends a logged-in session after SESSION_IDLE_TIMEOUT_STAFF / _PORTAL seconds without requests, and in any
    case SESSION_ABSOLUTE_TIMEOUT seconds after the login (the cookie's own age, SESSION_COOKIE_AGE, is renewed
    whenever the session is saved, so it alone is no absolute limit). 0 switches a limit off.
    Goes after AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            expired = self._check(request, user)
            if expired:
                return expired
        return self.get_response(request)

    def _check(self, request: HttpRequest, user) -> HttpResponse | None:
        session, now = request.session, int(time.time())
        login_at, last_seen = session.get(LOGIN_AT_KEY), session.get(LAST_SEEN_KEY)
        if login_at is None or last_seen is None:
            session[LOGIN_AT_KEY] = login_at or now
            session[LAST_SEEN_KEY] = now
            return None
        idle, absolute = idle_timeout(user), int(getattr(settings, "SESSION_ABSOLUTE_TIMEOUT", 0))
        idle_ended = bool(idle and now - last_seen > idle)
        if idle_ended or (absolute and now - login_at > absolute):
            return self._expire(request, user, idle_ended=idle_ended)
        if now - last_seen >= LAST_SEEN_PRECISION or now < last_seen:
            session[LAST_SEEN_KEY] = now
        return None

    def _expire(self, request: HttpRequest, user, *, idle_ended: bool) -> HttpResponse:
        login_url = _login_url(user)
        security_log.info("session expired", extra={"user": user.get_username(),
                                                    "reason": "idle" if idle_ended else "absolute"})
        auth.logout(request)
        messages.info(request, "Сеанс завершён из-за долгого бездействия. Войдите снова." if idle_ended
                      else "Сеанс завершён: с момента входа прошло слишком много времени. Войдите снова.")
        next_url = request.get_full_path() if request.method == "GET" else ""
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login_url
            return response
        return redirect_to_login(next_url, login_url=login_url)


class SecurityHeadersMiddleware:
    """`Permissions-Policy` on every answer; `Cache-Control: no-store` on every answer to a logged-in user
    (the back office's and the portal's pages show personal data, balances and payments; nothing of a login
    may stay in a shared browser's cache or a proxy)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and not response.has_header("Permissions-Policy"):
            response["Permissions-Policy"] = policy
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            patch_cache_control(response, no_store=True, private=True)
        return response


class RefusedAccessLogMiddleware:
    """Every refused access to "abonent.security": each 403 (a permission check, CSRF), and each 404 answered
    to a logged-in user (the portal answers another customer's ids with 404, so a probe shows up here).
    Anonymous 404s are scanners' noise and are left to the web server's log. The API logs its own refusals
    (abonent.api.auth for 401 and 429, the routers for 403), with the token's id instead of a session's user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        status = response.status_code
        if status in (403, 404) and not request.path_info.startswith("/api/"):
            user = getattr(request, "user", None)
            authenticated = user is not None and user.is_authenticated
            if status != 404 or authenticated:
                security_log.warning("access refused", extra={
                    "status": status, "user": user.get_username() if authenticated else "",
                    "kind": getattr(user, "kind", "") if authenticated else "anonymous",
                    "ip": client_ip(request), "method": request.method, "path": request.path,
                })
        return response

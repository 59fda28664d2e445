"""Helpers shared by the portal's login, sign-up and profile views: where to go after login, mail with
links, the lockout page, and the re-authentication gate before changes of e-mail, password and second factor."""

import time
from collections.abc import Callable
from functools import wraps

from axes.helpers import get_cool_off
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from abonent.organisation.models import Organisation

REAUTH_SESSION_KEY = "portal_reauth_at"
REAUTH_MAX_AGE = 10 * 60  # seconds a confirmed password stays fresh for sensitive changes


def home_url() -> str:
    """The portal's start page. Until the accounts section is installed, the profile."""
    try:
        return reverse("portal:home")
    except NoReverseMatch:
        return reverse("portal:profile")


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return home_url()




def operator_name() -> str:
    organisation = Organisation.current()
    return organisation.full_name if organisation else "гарантирующему поставщику"


def send_portal_mail(*, subject: str, template: str, to: str, context: dict) -> None:
    """A plain-text letter from templates/portal/auth/email/, sent after the current transaction commits."""
    organisation = Organisation.current()
    body = render_to_string(f"portal/auth/email/{template}", {"organisation": organisation, **context})
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to]))


def lockout_response(request: HttpRequest, form=None, template: str = "portal/auth/login.html") -> HttpResponse:
    """The portal's own lockout page, in Russian, with the time to try again. Axes' middleware would replace
    any response of a locked-out request with the back office's page; clearing the flag keeps this one."""
    cool_off = get_cool_off(request)
    attempt_time = getattr(request, "axes_attempt_time", None) or timezone.now()
    retry_at = timezone.localtime(attempt_time + cool_off) if cool_off else None
    request.axes_locked_out = False
    message = "Слишком много неудачных попыток входа. Вход для этой учётной записи с вашего адреса временно " \
              "заблокирован."
    if retry_at is not None:
        message += f" Повторите попытку после {retry_at:%H:%M}."
    message += " Если вы забыли пароль, восстановите его по ссылке ниже."
    return render(request, template, {"form": form, "locked_message": message}, status=429)


def mark_recent_auth(request: HttpRequest) -> None:
    request.session[REAUTH_SESSION_KEY] = time.time()


def has_recent_auth(request: HttpRequest) -> bool:
    at = request.session.get(REAUTH_SESSION_KEY)
    return at is not None and time.time() - at < REAUTH_MAX_AGE


def recent_password_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Changes of e-mail, password and the second factor ask for the password again if it was not entered in
    the last REAUTH_MAX_AGE seconds (a session left open on someone else's computer cannot change them)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not has_recent_auth(request):
            # After the password, come back to this page; a form posted here must be sent again.
            back = request.get_full_path() if request.method == "GET" else reverse("portal:profile")
            return redirect(f"{reverse('portal:reauth')}?{urlencode({'next': back})}")
        return view(request, *args, **kwargs)

    return wrapped

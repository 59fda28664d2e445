"""Login to the portal by e-mail and password, the second step with a code when the login has a second
factor, and logout.

The password goes through django.contrib.auth.authenticate(request=…), so django-axes counts failures
and locks out (see lockout.py for what it counts by). With a second factor the session stays anonymous
until the code is verified; wrong codes count as failed logins for axes too."""

import time

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import auth, messages
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from abonent.core.otp import verify_code
from abonent.portal.auth.common import lockout_response, mark_recent_auth, safe_next
from abonent.portal.auth.signup import send_confirmation
from abonent.portal.forms_auth import CodeForm, LoginForm
from abonent.users.models import User
from abonent.users.portal_logins import has_two_factor, unconfirmed_login

PENDING_KEY = "portal_pending_login"
PENDING_MAX_AGE = 5 * 60
MAX_CODE_TRIES = 5
INVALID_LOGIN = "Неверный адрес электронной почты или пароль."
STAFF_REFUSED = ("Это вход в личный кабинет клиента. Сотрудники входят в рабочее место сотрудника "
                 "по своему логину.")


def _is_portal_user(user) -> bool:
    return user.is_authenticated and user.kind == User.Kind.CUSTOMER and user.is_active


def _complete_login(request: HttpRequest, user: User, next_url: str, device=None) -> HttpResponse:
    auth.login(request, user)
    if device is not None:
        otp_login(request, device)
    mark_recent_auth(request)
    return redirect(safe_next(request, next_url))


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "GET" and _is_portal_user(request.user):
        return redirect(safe_next(request, next_url))
    form = LoginForm(request.POST or None)
    context = {"form": form, "next": next_url}
    if request.method == "POST" and form.is_valid():
        email, password = form.cleaned_data["username"], form.cleaned_data["password"]
        user = auth.authenticate(request, username=email, password=password)
        if getattr(request, "axes_locked_out", False):
            return lockout_response(request, form)
        if user is None:
            pending = unconfirmed_login(email)
            if pending is not None and pending.check_password(password):
                send_confirmation(request, pending)
                form.add_error(None, "Адрес электронной почты ещё не подтверждён. Мы отправили письмо со "
                                     "ссылкой для подтверждения ещё раз — откройте его и следуйте инструкции.")
            else:
                form.add_error(None, INVALID_LOGIN)
        elif user.kind != User.Kind.CUSTOMER:
            form.add_error(None, STAFF_REFUSED)
        elif has_two_factor(user):
            request.session[PENDING_KEY] = {"user": user.pk, "backend": user.backend, "at": time.time(),
                                            "tries": 0, "next": next_url}
            return redirect("portal:login_otp")
        else:
            return _complete_login(request, user, next_url)
    return render(request, "portal/auth/login.html", context)


def _pending_user(request: HttpRequest) -> tuple[dict | None, User | None]:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_MAX_AGE:
        return None, None
    user = User.objects.filter(pk=pending["user"], kind=User.Kind.CUSTOMER, is_active=True).first()
    return pending, user


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_otp_view(request: HttpRequest) -> HttpResponse:
    """The second step: the session is not logged in until a code from the app or a backup code is right."""
    pending, user = _pending_user(request)
    if user is None:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, "Войдите ещё раз: время на ввод кода истекло.")
        return redirect("portal:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.username}
        if not AxesProxyHandler.is_allowed(request, credentials):
            request.session.pop(PENDING_KEY, None)
            return lockout_response(request, None)
        device = verify_code(user=user, code=form.cleaned_data["code"])
        if device is not None:
            del request.session[PENDING_KEY]
            user.backend = pending["backend"]
            return _complete_login(request, user, pending["next"], device)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            request.session.pop(PENDING_KEY, None)
            return lockout_response(request, None)
        pending["tries"] += 1
        if pending["tries"] >= MAX_CODE_TRIES:
            request.session.pop(PENDING_KEY, None)
            messages.error(request, "Слишком много неверных кодов. Войдите ещё раз.")
            return redirect("portal:login")
        request.session[PENDING_KEY] = pending
        form.add_error("code", "Код не подошёл. Введите новый код из приложения или неиспользованный "
                               "резервный код.")
    return render(request, "portal/auth/login_otp.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    messages.info(request, "Вы вышли из личного кабинета.")
    return redirect(reverse("portal:login"))


"""Staff login with the second factor, the staff member's own security page, and the IT administrator's
reset of a second factor. The rules are in abonent.core.otp; these are the pages."""

import logging
from collections.abc import Callable
from functools import wraps

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from abonent.core import otp, sessions
from abonent.core.forms import CodeForm, PasswordConfirmForm, StaffAuthenticationForm, StaffPasswordChangeForm
from abonent.core.permissions import staff_required
from abonent.core.ratelimit import client_ip

auth_log = logging.getLogger("abonent.auth")
TRIES_SESSION_KEY = "staff_otp_tries"
MAX_CODE_TRIES = 5
RESET_PERMISSION = "users.change_user"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return reverse("core:home")


def _next(request: HttpRequest) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""


def _locked_out(request: HttpRequest) -> HttpResponse:
    """Too many wrong passwords or codes: the half-open session ends (axes' middleware shows its page)."""
    auth.logout(request)
    return render(request, "registration/locked_out.html", status=429)


def _notify(user, subject: str, text: str) -> None:
    """A letter to the staff member about a change of their own login's security, after the commit."""
    if user.email:
        body = f"{user.full_name or user.get_username()}, здравствуйте.\n\n{text}\n\nЕсли это были не вы, " \
               f"немедленно сообщите администратору ИТ.\n"
        transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))


def recent_password_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Changes of the password and the second factor (and a reset of someone else's) ask for the password
    again when it was not entered in the last otp.REAUTH_MAX_AGE seconds."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not otp.has_recent_auth(request):
            back = request.get_full_path() if request.method == "GET" else reverse("security:profile")
            return redirect(f"{reverse('security:reauth')}?{urlencode({'next': back})}")
        return view(request, *args, **kwargs)

    return wrapped


# --- Login: the password, then the code -------------------------------------------------------------------


class StaffLoginView(auth_views.LoginView):
    """The password step. django-axes counts failures (authenticate(request=…)); a portal login is refused
    with the same message as a wrong password. Then the code step or, the first time, the enrolment."""

    authentication_form = StaffAuthenticationForm

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        otp.mark_recent_auth(self.request)
        user = form.get_user()
        if otp.otp_required() or otp.has_totp(user):
            return redirect(otp.second_factor_url(user, self.get_success_url()))
        return response


def _complete_second_factor(request: HttpRequest, device) -> None:
    otp_login(request, device)
    # A privilege change: the session gets a new key, as at the login itself.
    request.session.cycle_key()
    request.session.pop(TRIES_SESSION_KEY, None)
    auth_log.info("second factor ok", extra={"user": request.user.get_username(), "kind": "staff",
                                             "ip": client_ip(request), "path": request.path})


@sensitive_post_parameters("code")
@never_cache
@otp.staff_login_required
def otp_verify_view(request: HttpRequest) -> HttpResponse:
    """The code step after the password. Wrong codes count as failed logins for axes, and after
    MAX_CODE_TRIES in one session the login starts again from the password."""
    user, next_url = request.user, _next(request)
    if otp.is_verified(user):
        return redirect(_safe_next(request, next_url))
    if not otp.has_totp(user):
        return redirect(otp.second_factor_url(user, next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return _locked_out(request)
        device = otp.verify_code(user=user, code=form.cleaned_data["code"])
        if device is not None:
            _complete_second_factor(request, device)
            return redirect(_safe_next(request, next_url))
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request)
        tries = request.session.get(TRIES_SESSION_KEY, 0) + 1
        if tries >= MAX_CODE_TRIES:
            auth.logout(request)
            messages.error(request, "Слишком много неверных кодов. Войдите ещё раз.")
            return redirect("login")
        request.session[TRIES_SESSION_KEY] = tries
        form.add_error("code", "Код не подошёл. Введите новый код из приложения или неиспользованный резервный код.")
    return render(request, "registration/login_otp.html",
                  {"form": form, "next": next_url, "demo_code": otp.demo_code(user)})


@sensitive_post_parameters("code")
@never_cache
@otp.staff_login_required
def otp_setup_view(request: HttpRequest) -> HttpResponse:
    """Enrolment: the QR and the secret of a new app; the second factor is on once a code from the app matches,
    and the backup codes are shown once. The first time right after the login; later, from the security page,
    to move to a new phone (the old app works until the new one is confirmed)."""
    user, next_url = request.user, _next(request)
    if otp.has_totp(user) and not otp.is_verified(user):
        return redirect(otp.second_factor_url(user, next_url))
    if not otp.has_recent_auth(request):
        back = request.get_full_path()
        return redirect(f"{reverse('security:reauth')}?{urlencode({'next': back})}")
    device = otp.pending_device(user)
    form = CodeForm(request.POST or None)
    form.fields["code"].help_text = "Шесть цифр, которые сейчас показывает приложение."
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = otp.confirm_device(user=user, code=form.cleaned_data["code"])
        except otp.SecondFactorError as error:
            form.add_error("code", error.message)
        else:
            _complete_second_factor(request, device)
            request.session[otp.BACKUP_CODES_SESSION_KEY] = codes
            _notify(user, "Абонент: настроен второй фактор входа",
                    "Для вашей учётной записи настроено приложение-аутентификатор и выпущены резервные коды.")
            return redirect(f"{reverse('security:otp_backup_codes')}?{urlencode({'next': next_url})}")
    url = otp.otpauth_url(device, user.get_username())
    secret = otp.secret_of(device)
    return render(request, "core/otp/setup.html", {
        "form": form, "next": next_url, "first_time": not otp.has_totp(user),
        "qr_svg": mark_safe(otp.qr_svg(url)),  # noqa: S308 - segno's own SVG of our own URL
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    })


@never_cache
@otp.staff_login_required
def otp_backup_codes_view(request: HttpRequest) -> HttpResponse:
    """The backup codes just made, shown once: this page takes them out of the session."""
    codes = request.session.pop(otp.BACKUP_CODES_SESSION_KEY, None)
    return render(request, "core/otp/backup_codes.html", {
        "codes": codes, "left": otp.backup_codes_left(request.user),
        "next": _safe_next(request, _next(request))})


@sensitive_post_parameters("password")
@never_cache
@otp.staff_login_required
def reauth_view(request: HttpRequest) -> HttpResponse:
    """The password again before a sensitive change; failures count for axes like failed logins."""
    next_url = _next(request)
    form = PasswordConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = auth.authenticate(request, username=request.user.get_username(), password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request)
        if user is not None and user.pk == request.user.pk:
            otp.mark_recent_auth(request)
            request.session.cycle_key()
            return redirect(_safe_next(request, next_url))
        form.add_error("password", "Неверный пароль.")
    return render(request, "core/otp/reauth.html", {"form": form, "next": next_url})


# --- The staff member's own security page ----------------------------------------------------------------


@never_cache
@staff_required()
def security_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "core/otp/security.html", {
        "has_app": otp.has_totp(user), "codes_left": otp.backup_codes_left(user),
        "required": otp.otp_required(), "reauth_minutes": otp.REAUTH_MAX_AGE // 60,
        "idle_minutes": getattr(settings, "SESSION_IDLE_TIMEOUT_STAFF", 0) // 60,
        "session_hours": settings.SESSION_COOKIE_AGE // 3600,
        "sessions": sessions.sessions_of(user), "current_key": request.session.session_key,
    })


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@staff_required()
def password_change_view(request: HttpRequest) -> HttpResponse:
    """The current password (counted by axes like a login) and the new one twice."""
    form = StaffPasswordChangeForm(request, request.POST or None)
    if request.method == "POST":
        valid = form.is_valid()
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request)
        if valid:
            user = form.save()
            # Every other session of this login ends (Django checks the password hash); this one continues.
            auth.update_session_auth_hash(request, user)
            otp.mark_recent_auth(request)
            _notify(user, "Абонент: пароль изменён", "Пароль вашей учётной записи изменён.")
            messages.success(request, "Пароль изменён. Сеансы на других устройствах завершены.")
            return redirect("security:profile")
    return render(request, "core/otp/password_change.html", {"form": form})


@require_POST
@staff_required()
@recent_password_required
def sessions_end_others_view(request: HttpRequest) -> HttpResponse:
    ended = sessions.end_sessions(request.user, keep=request.session.session_key)
    messages.success(request, f"Другие сеансы завершены: {ended}." if ended else "Других сеансов нет.")
    return redirect("security:profile")


@require_POST
@staff_required()
@recent_password_required
def backup_codes_new_view(request: HttpRequest) -> HttpResponse:
    if not otp.has_totp(request.user):
        return redirect("security:profile")
    request.session[otp.BACKUP_CODES_SESSION_KEY] = otp.new_backup_codes(user=request.user)
    _notify(request.user, "Абонент: выпущены новые резервные коды",
            "Для вашей учётной записи выпущены новые резервные коды; прежние больше не действуют.")
    messages.success(request, "Выпущены новые резервные коды; прежние больше не действуют.")
    return redirect(f"{reverse('security:otp_backup_codes')}?{urlencode({'next': reverse('security:profile')})}")


# --- The IT administrator: second factors of the staff ---------------------------------------------------


@never_cache
@staff_required(RESET_PERMISSION)
def staff_second_factors_view(request: HttpRequest) -> HttpResponse:
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    users = get_user_model().objects.filter(kind="staff", is_active=True).order_by("last_name", "first_name", "pk")
    with_app = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    codes: dict[int, int] = {}
    for user_id in StaticToken.objects.filter(device__confirmed=True).values_list("device__user_id", flat=True):
        codes[user_id] = codes.get(user_id, 0) + 1
    rows = [{"user": u, "has_app": u.pk in with_app, "codes_left": codes.get(u.pk, 0)} for u in users]
    return render(request, "core/otp/staff_list.html", {"rows": rows})


@require_POST
@staff_required(RESET_PERMISSION)
@recent_password_required
def staff_second_factor_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(get_user_model(), pk=pk, kind="staff")
    if target.pk == request.user.pk:
        messages.error(request, "Свой второй фактор меняйте на странице «Безопасность входа».")
        return redirect("security:staff")
    otp.reset_second_factor(user=target, by=request.user)
    _notify(target, "Абонент: второй фактор сброшен администратором",
            "Администратор ИТ сбросил второй фактор вашей учётной записи. При следующем входе настройте "
            "приложение-аутентификатор заново.")
    messages.success(request, f"Второй фактор сотрудника {target} сброшен: при следующем входе он настроит "
                              "приложение заново.")
    return redirect("security:staff")


@require_POST
@staff_required(RESET_PERMISSION)
@recent_password_required
def staff_sessions_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Logs a staff member out everywhere (a lost laptop, a dismissal in progress). Audited."""
    from auditlog.models import LogEntry

    target = get_object_or_404(get_user_model(), pk=pk, kind="staff")
    ended = sessions.end_sessions(target, keep=request.session.session_key if target.pk == request.user.pk else None)
    LogEntry.objects.log_create(target, force_log=True, action=LogEntry.Action.UPDATE, actor=request.user,
                                changes={"сеансы": [str(ended), "завершены"]},
                                additional_data={"sessions_ended_by": request.user.get_username()})
    messages.success(request, f"Сеансы сотрудника {target} завершены: {ended}.")
    return redirect("security:staff")

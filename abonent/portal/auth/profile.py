"""The login's profile: personal data, and security — password, e-mail, phone, the second factor (TOTP with
backup codes). Changing the e-mail, the phone, the password or the second factor asks for the password again
first."""

import base64
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from abonent.core.audit import record_access
from abonent.customers.models import PortalAccess
from abonent.organisation.models import Organisation
from abonent.portal.auth.common import (
    REAUTH_MAX_AGE,
    lockout_response,
    mark_recent_auth,
    recent_password_required,
    safe_next,
    send_portal_mail,
)
from abonent.portal.decorators import customer_required
from abonent.portal.forms_auth import (
    CodeForm,
    EmailChangeForm,
    NameForm,
    PasswordForm,
    PhoneForm,
    PortalSetPasswordForm,
)
from abonent.users import portal_logins

BACKUP_CODES_KEY = "portal_backup_codes"


@customer_required
def profile_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = NameForm(request.POST or None, initial={
        "last_name": user.last_name, "first_name": user.first_name, "middle_name": user.middle_name})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        portal_logins.update_name(user=user, last_name=data["last_name"].strip(),
                                  first_name=data["first_name"].strip(), middle_name=data["middle_name"].strip())
        messages.success(request, "Личные данные сохранены.")
        return redirect("portal:profile")
    record_access(user, "профиль личного кабинета: личные данные")
    accesses = (PortalAccess.objects.filter(user=user).exclude(status=PortalAccess.Status.REJECTED)
                .select_related("account__contract__customer").order_by("status", "account__number"))
    return render(request, "portal/auth/profile.html", {
        "form": form, "two_factor": portal_logins.has_two_factor(user),
        "backup_codes_left": portal_logins.backup_codes_left(user), "accesses": accesses,
        "session_hours": settings.SESSION_COOKIE_AGE // 3600, "reauth_minutes": REAUTH_MAX_AGE // 60,
    })


@sensitive_post_parameters("password")
@customer_required
@never_cache
def reauth_view(request: HttpRequest) -> HttpResponse:
    """Enter the password again before a sensitive change; failures count for axes like failed logins."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = auth.authenticate(request, username=request.user.username, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            auth.logout(request)
            return lockout_response(request, None)
        if user is not None and user.pk == request.user.pk:
            mark_recent_auth(request)
            return redirect(safe_next(request, next_url))
        form.add_error("password", "Неверный пароль.")
    return render(request, "portal/auth/reauth.html", {"form": form, "next": next_url})


@sensitive_post_parameters("new_password1", "new_password2")
@customer_required
@recent_password_required
@never_cache
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = PortalSetPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # Other sessions of this login end (Django checks the password hash); this one continues.
        auth.update_session_auth_hash(request, user)
        send_portal_mail(subject="Пароль в личном кабинете изменён", template="password_changed.txt",
                         to=user.email, context={"user": user})
        messages.success(request, "Пароль изменён. Сеансы на других устройствах завершены.")
        return redirect("portal:profile")
    return render(request, "portal/auth/password_change.html", {"form": form})


@customer_required
@recent_password_required
@never_cache
def email_change_view(request: HttpRequest) -> HttpResponse:
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_email = form.cleaned_data["email"]
        try:
            token = portal_logins.email_change_token(user=request.user, new_email=new_email)
        except portal_logins.LoginError as error:
            form.add_error("email", error.message)
        else:
            link = request.build_absolute_uri(reverse("portal:email_change_confirm", kwargs={"token": token}))
            send_portal_mail(subject="Подтвердите новый адрес для входа в личный кабинет",
                             template="email_change.txt", to=new_email, context={"user": request.user, "link": link})
            messages.success(request, f"На адрес {new_email} отправлено письмо со ссылкой. Адрес для входа "
                                      "изменится, когда вы откроете ссылку.")
            return redirect("portal:profile")
    return render(request, "portal/auth/email_change.html", {"form": form})


@customer_required
@recent_password_required
@never_cache
def phone_change_view(request: HttpRequest) -> HttpResponse:
    """The contact phone, like the e-mail, changes only with a fresh password: a session left open elsewhere
    must not redirect the supplier's calls about the customer's accounts."""
    user = request.user
    form = PhoneForm(request.POST or None, initial={"phone": user.phone_display})
    if request.method == "POST" and form.is_valid():
        portal_logins.change_phone(user=user, phone=form.cleaned_data["phone"])
        messages.success(request, "Телефон сохранён.")
        return redirect("portal:profile")
    return render(request, "portal/auth/phone_change.html", {"form": form})


@never_cache
def email_change_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """Opened from the letter to the new address; works whether or not the browser is logged in."""
    if request.method == "POST":
        try:
            user, old_email = portal_logins.confirm_email_change(token=token)
        except portal_logins.LoginError as error:
            return render(request, "portal/auth/message.html", {"title": "Адрес не изменён", "text": error.message},
                          status=400)
        send_portal_mail(subject="Адрес для входа в личный кабинет изменён", template="email_changed_old.txt",
                         to=old_email, context={"user": user, "new_email": user.email})
        if request.user.is_authenticated and request.user.pk == user.pk:
            messages.success(request, f"Адрес для входа изменён: теперь это {user.email}.")
            return redirect("portal:profile")
        messages.success(request, f"Адрес для входа изменён: теперь это {user.email}. Войдите с новым адресом.")
        return redirect("portal:login")
    # A GET only shows a button: mail scanners that open links must not change anything.
    return render(request, "portal/auth/email_change_confirm.html", {})


def _otpauth_url(device, email: str) -> str:
    organisation = Organisation.current()
    issuer = (organisation.short_name if organisation else "Абонент").replace(":", "")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": device.digits,
                       "period": device.step}, quote_via=quote)
    return f"otpauth://totp/{quote(issuer)}:{quote(email)}?{query}"


@sensitive_post_parameters("code")
@customer_required
@recent_password_required
@never_cache
def totp_setup_view(request: HttpRequest) -> HttpResponse:
    """Shows the QR and the secret of a new TOTP device; the second factor is on once a code from the app
    matches. The backup codes are then shown once."""
    user = request.user
    if portal_logins.has_two_factor(user):
        messages.info(request, "Второй фактор уже включён.")
        return redirect("portal:profile")
    device = portal_logins.pending_totp_device(user)
    form = CodeForm(request.POST or None)
    form.fields["code"].help_text = "Шесть цифр, которые сейчас показывает приложение."
    if request.method == "POST" and form.is_valid():
        try:
            codes = portal_logins.confirm_totp(user=user, code=form.cleaned_data["code"])
        except portal_logins.LoginError as error:
            form.add_error("code", error.message)
        else:
            request.session[BACKUP_CODES_KEY] = codes
            send_portal_mail(subject="Вход в личный кабинет: включён второй фактор", template="two_factor.txt",
                             to=user.email, context={"user": user, "enabled": True})
            messages.success(request, "Второй фактор включён. Сохраните резервные коды.")
            return redirect("portal:totp_backup_codes")
    url = _otpauth_url(device, user.email)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    qr_svg = segno.make(url, error="m").svg_inline(scale=4, dark="#1f2933", title="QR-код для приложения")
    return render(request, "portal/auth/totp_setup.html", {
        "form": form, "qr_svg": mark_safe(qr_svg),  # noqa: S308 - segno's own SVG of our own URL
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    })


@customer_required
@never_cache
def totp_backup_codes_view(request: HttpRequest) -> HttpResponse:
    """The backup codes just made, shown once: they are taken out of the session by this page."""
    codes = request.session.pop(BACKUP_CODES_KEY, None)
    return render(request, "portal/auth/totp_codes.html", {
        "codes": codes, "left": portal_logins.backup_codes_left(request.user),
        "two_factor": portal_logins.has_two_factor(request.user)})


@require_POST
@customer_required
@recent_password_required
def totp_new_codes_view(request: HttpRequest) -> HttpResponse:
    if not portal_logins.has_two_factor(request.user):
        return redirect("portal:profile")
    request.session[BACKUP_CODES_KEY] = portal_logins.new_backup_codes(user=request.user)
    messages.success(request, "Выпущены новые резервные коды; прежние больше не действуют.")
    return redirect("portal:totp_backup_codes")


@require_POST
@customer_required
@recent_password_required
def totp_disable_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if portal_logins.has_two_factor(user):
        portal_logins.disable_two_factor(user=user)
        send_portal_mail(subject="Вход в личный кабинет: второй фактор отключён", template="two_factor.txt",
                         to=user.email, context={"user": user, "enabled": False})
        messages.success(request, "Второй фактор отключён: для входа достаточно пароля.")
    return redirect("portal:profile")


"""The staff second factor: a TOTP app (django-otp) with one-time backup codes, mandatory for every staff
login while settings.STAFF_OTP_REQUIRED is on (the default).

After the password the session is logged in but not verified: django-otp's OTPMiddleware marks a session
verified only when it holds the id of a confirmed device of that login, and StaffOTPMiddleware below lets
such a session reach nothing but the code step, the enrolment page, the password confirmation and logout.
`staff_required` checks the same, so a view protected by it stays closed even without the middleware.
A device deleted (a reset by the IT administrator) unverifies every session that used it at once.

Enrolment needs the password entered in the last REAUTH_MAX_AGE seconds (it is, right after the login):
a stolen session cookie alone cannot enrol the thief's phone after a reset."""

import base64
import logging
import time
from functools import wraps
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode as django_urlencode
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

log = logging.getLogger("abonent.security")

REAUTH_SESSION_KEY = "staff_reauth_at"
REAUTH_MAX_AGE = 10 * 60  # seconds an entered password stays fresh for changes of the password or the factor
BACKUP_CODES_SESSION_KEY = "staff_backup_codes"
BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Приложение-аутентификатор"
CODES_DEVICE_NAME = "Резервные коды"


class SecondFactorError(Exception):
    """A refusal shown to the person as is (Russian)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def otp_required() -> bool:
    return bool(getattr(settings, "STAFF_OTP_REQUIRED", True))


def is_verified(user) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def is_staff_login(user) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_staff_member", False))


def needs_second_factor(request: HttpRequest) -> bool:
    """A staff session that has passed the password but not the code yet. With STAFF_OTP_REQUIRED off, a staff
    member who has set up an app still gives its code (the factor is then optional, as in the portal)."""
    user = request.user
    if not is_staff_login(user) or is_verified(user):
        return False
    return otp_required() or has_totp(user)


def second_factor_url(user, next_url: str = "") -> str:
    """Where a staff login without a verified code goes: the code step, or the enrolment when it has no app yet."""
    name = "security:otp_verify" if has_totp(user) else "security:otp_setup"
    url = reverse(name)
    return f"{url}?{django_urlencode({'next': next_url})}" if next_url else url


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def to_second_factor(request: HttpRequest) -> HttpResponse:
    next_url = request.get_full_path() if request.method == "GET" else ""
    return _redirect(request, second_factor_url(request.user, next_url))


# --- Recent password (re-authentication) -------------------------------------------------------------------


def mark_recent_auth(request: HttpRequest) -> None:
    request.session[REAUTH_SESSION_KEY] = time.time()


def has_recent_auth(request: HttpRequest) -> bool:
    at = request.session.get(REAUTH_SESSION_KEY)
    return at is not None and 0 <= time.time() - at < REAUTH_MAX_AGE


# --- Devices -------------------------------------------------------------------------------------------------


def has_totp(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def pending_device(user) -> TOTPDevice:
    """The not yet confirmed TOTP device the enrolment page shows; the same one until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_device(*, user, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirms the pending device when the app's code is right; any earlier app of the login stops working
    and a fresh set of backup codes (returned, to be shown once) replaces the earlier one."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise SecondFactorError("Начните настройку заново: откройте страницу с QR-кодом ещё раз.")
    if not device.verify_token(code.strip().replace(" ", "")):
        raise SecondFactorError("Код не подошёл. Проверьте время на телефоне и введите новый код из приложения.")
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    log.info("second factor enrolled", extra={"user": user.get_username()})
    return device, new_backup_codes(user=user)


@transaction.atomic
def new_backup_codes(*, user) -> list[str]:
    """A fresh set of one-time backup codes; the earlier set stops working. Kept only as django-otp's tokens."""
    device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": CODES_DEVICE_NAME, "confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def verify_code(*, user, code: str):
    """The device that accepts `code` (six digits from the app, or an unused backup code, then spent), or None.
    django-otp's throttling (a growing delay after failures) applies to each device."""
    code = code.strip().replace(" ", "").replace("-", "")
    if not code:
        return None
    if code.isdigit():
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        code = code.lower()
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    for device in devices:
        if (verified := verify_token(user, device.persistent_id, code)) is not None:
            return verified
    return None


@transaction.atomic
def reset_second_factor(*, user, by) -> None:
    """The IT administrator's reset: the login's app and backup codes are removed, every session of it loses
    its verification, and the next login enrols a new app. Written to the audit log and the security log."""
    from auditlog.models import LogEntry

    had_app = has_totp(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    LogEntry.objects.log_create(
        user, force_log=True, action=LogEntry.Action.UPDATE, actor=by,
        changes={"второй фактор": ["настроен" if had_app else "не настроен", "сброшен"]},
        additional_data={"second_factor_reset_by": by.get_username()},
    )
    log.warning("second factor reset", extra={"user": user.get_username(), "by": by.get_username()})


# --- Enrolment page helpers ------------------------------------------------------------------------------


def _issuer() -> str:
    from abonent.organisation.models import Organisation  # core stays below organisation: read lazily

    organisation = Organisation.current()
    return ((organisation.short_name if organisation else "") or "Абонент").replace(":", "")


def secret_of(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def otpauth_url(device: TOTPDevice, account: str) -> str:
    issuer = _issuer()
    query = urlencode({"secret": secret_of(device), "issuer": issuer, "algorithm": "SHA1", "digits": device.digits,
                       "period": device.step}, quote_via=quote)
    return f"otpauth://totp/{quote(issuer)}:{quote(account)}?{query}"


def qr_svg(url: str) -> str:
    """An inline SVG of the QR (no image request, nothing the CSP has to allow)."""
    return segno.make(url, error="m").svg_inline(scale=4, dark="#1f2933", title="QR-код для приложения")


# --- The gate ---------------------------------------------------------------------------------------------


# What a staff session may open between the password and the code.
_OPEN_BEFORE_CODE = ("login", "logout", "security:otp_verify", "security:otp_setup", "security:otp_backup_codes",
                     "security:reauth", "core:health")


# What a verified staff session whose password the IT administrator set may open before changing it (the
# backup codes page too: it shows the codes once, right after the first login's enrolment).
_OPEN_BEFORE_PASSWORD_CHANGE = ("login", "logout", "security:password_change", "security:otp_backup_codes",
                                "core:health")


def needs_password_change(request: HttpRequest) -> bool:
    """A staff login whose password was set by the IT administrator (users.User.must_change_password)."""
    return is_staff_login(request.user) and getattr(request.user, "must_change_password", False)


class StaffOTPMiddleware:
    """A staff session without a verified second factor reaches only the code step and the enrolment (and
    logout): everything else — the back office, the admin site, the audit log, the operations page — answers
    with a redirect there. Then, if the IT administrator set the password, only the password change opens
    until the person has chosen their own. Goes after django_otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None
        self._password_paths: frozenset[str] | None = None

    def open_paths(self) -> frozenset[str]:
        if self._open_paths is None:
            self._open_paths = frozenset(reverse(name) for name in _OPEN_BEFORE_CODE)
        return self._open_paths

    def password_paths(self) -> frozenset[str]:
        if self._password_paths is None:
            self._password_paths = frozenset(reverse(name) for name in _OPEN_BEFORE_PASSWORD_CHANGE)
        return self._password_paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if needs_second_factor(request):
            if request.path_info not in self.open_paths():
                return to_second_factor(request)
        elif needs_password_change(request) and request.path_info not in self.password_paths():
            return _redirect(request, reverse("security:password_change"))
        return self.get_response(request)


def staff_login_required(view):
    """For the code and enrolment pages: a logged-in staff login, verified or not."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_staff_login(request.user):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


# --- Demo data ---------------------------------------------------------------------------------------------

# One app key for every demo staff login, so one entry in a phone's authenticator app opens them all. Demo data
# is refused on production installs (settings.ALLOW_DEMO_DATA); this key is public by design.
DEMO_KEY = b"abonent-demo-totp-20".hex()
DEMO_DEVICE_NAME = "Демо-приложение"


def demo_code(user) -> str | None:
    """The current code of the demo app, on a demo installation only (ALLOW_DEMO_DATA): its key is printed by
    `make run` and written in the repository, so showing the code reveals nothing, and a person trying the demo
    in a browser needs no authenticator app."""
    if not settings.ALLOW_DEMO_DATA:
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=True, name=DEMO_DEVICE_NAME, key=DEMO_KEY).first()
    if device is None:
        return None
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():0{device.digits}d}"


def seed_demo_second_factor(users) -> str:
    """Gives the demo staff logins the demo app (idempotent); returns the secret to type into an app."""
    for user in users:
        TOTPDevice.objects.filter(user=user).exclude(name=DEMO_DEVICE_NAME).delete()
        TOTPDevice.objects.update_or_create(user=user, name=DEMO_DEVICE_NAME,
                                            defaults={"key": DEMO_KEY, "confirmed": True})
    return base64.b32encode(bytes.fromhex(DEMO_KEY)).decode().rstrip("=")


# --- The IT administrator's tile on the home page -------------------------------------------------------


def tiles(user) -> list:
    """For core.dashboard.register (from CoreConfig.ready): staff logins that have not set up their app yet."""
    from django.contrib.auth import get_user_model

    from abonent.core.dashboard import Tile
    from abonent.core.text import plural

    if not (is_staff_login(user) and user.has_perm("users.change_user")):
        return []
    without = (get_user_model().objects.filter(kind="staff", is_active=True)
               .exclude(pk__in=TOTPDevice.objects.filter(confirmed=True).values("user_id")).count())
    if not without:
        return []
    title = plural(without, "сотрудник без второго фактора", "сотрудника без второго фактора",
                   "сотрудников без второго фактора")
    return [Tile(title=title, count=without, url=reverse("security:staff"), tone="warn")]

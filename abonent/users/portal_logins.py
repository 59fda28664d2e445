"""Portal logins (kind «customer»): sign-up with the consent to personal-data processing, e-mail
confirmation, a change of e-mail, and the optional second factor (TOTP with one-time backup codes).

The login name of a portal login is its e-mail in lower case. A new login is inactive until the person
opens the link sent to the address and enters the password chosen at sign-up: so nobody can register
someone else's address and have its owner activate a login whose password the registrant knows
(account pre-hijacking). Mail is composed and sent by the portal; these functions only change rows."""

import datetime
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from abonent.core import otp
from abonent.core.otp import BACKUP_CODE_COUNT  # noqa: F401 - the portal's name for it
from abonent.core.validators import normalize_phone
from abonent.users.models import PersonalDataConsent, User

# The wording the person agrees to at sign-up; a new wording gets a new version, and each consent row keeps
# the text exactly as it was shown ({operator} is the supplier's full name, filled in by the portal).
CONSENT_VERSION = "2026-11"
CONSENT_TEXT = (
    "Я даю согласие {operator} на обработку моих персональных данных, указанных при регистрации в личном "
    "кабинете (фамилия, имя, отчество, номер телефона, адрес электронной почты), а также данных о моих "
    "действиях в личном кабинете — сбор, запись, систематизацию, накопление, хранение, уточнение, "
    "использование, блокирование, удаление и уничтожение, с использованием средств автоматизации и без них, — "
    "в целях предоставления доступа к личному кабинету, идентификации меня как представителя клиента, "
    "направления уведомлений и ответов на обращения, в соответствии с Федеральным законом от 27.07.2006 "
    "№ 152-ФЗ «О персональных данных». Согласие действует до удаления учётной записи личного кабинета и может "
    "быть отозвано письменным заявлением; после отзыва данные уничтожаются в течение 30 дней, кроме тех, "
    "срок хранения которых установлен законом."
)
EMAIL_CHANGE_MAX_AGE = 24 * 3600
_EMAIL_CHANGE_SALT = "abonent.users.email_change"


class LoginError(Exception):
    """A refusal shown to the person as is (Russian)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalise_email(email: str) -> str:
    return email.strip().lower()


class _ConfirmationTokens(PasswordResetTokenGenerator):
    """Django's password-reset tokens (HMAC of the login's state, with a timestamp), salted for e-mail
    confirmation. A token dies when the login is confirmed or its password changes (a new sign-up with the
    same address), and after PASSWORD_RESET_TIMEOUT."""

    key_salt = "abonent.users.portal_logins.confirmation"

    def _make_hash_value(self, user, timestamp) -> str:
        return f"{user.pk}{user.password}{user.email}{user.email_confirmed_at}{user.is_active}{timestamp}"


confirmation_tokens = _ConfirmationTokens()


@dataclass(frozen=True)
class SignUp:
    email: str
    last_name: str
    first_name: str
    middle_name: str
    phone: str
    password: str


@dataclass(frozen=True)
class Registration:
    """The result of a sign-up. `user` is None when the address already belongs to a confirmed login (or to
    staff): the page says the same in both cases, and the address's owner gets a warning letter instead."""

    user: User | None
    email: str


@transaction.atomic
def register_customer_login(*, data: SignUp, consent_text: str, ip_address: str | None, user_agent: str,
                            now: datetime.datetime | None = None) -> Registration:
    """A new portal login, inactive until its e-mail is confirmed, with the consent given (152-ФЗ, ст. 9).
    Signing up again with an unconfirmed address replaces the earlier, unconfirmed details (the earlier
    confirmation link stops working). A confirmed or staff address is not touched."""
    now = now or timezone.now()
    email = normalise_email(data.email)
    existing = User.objects.select_for_update().filter(username__iexact=email).first()
    if existing is not None and (existing.kind != User.Kind.CUSTOMER or existing.email_confirmed_at is not None):
        return Registration(user=None, email=email)
    user = existing or User(username=email, kind=User.Kind.CUSTOMER)
    user.email = email
    user.last_name, user.first_name, user.middle_name = data.last_name, data.first_name, data.middle_name
    user.phone = normalize_phone(data.phone)
    user.is_active = False
    validate_password(data.password, user)
    user.set_password(data.password)
    user.save()
    PersonalDataConsent.objects.create(
        user=user, purpose=PersonalDataConsent.Purpose.PORTAL, version=CONSENT_VERSION, text=consent_text,
        given_at=now, ip_address=ip_address, user_agent=user_agent[:500],
    )
    return Registration(user=user, email=email)


def unconfirmed_login(email: str) -> User | None:
    return User.objects.filter(
        username__iexact=normalise_email(email), kind=User.Kind.CUSTOMER, email_confirmed_at__isnull=True
    ).first()


@transaction.atomic
def confirm_email(*, user: User, token: str, password: str) -> User:
    """Activates a login from the link in the letter; the person proves they are the one who signed up by
    entering the password chosen then."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.email_confirmed_at is not None:
        raise LoginError("Адрес электронной почты уже подтверждён. Войдите в личный кабинет.")
    if not confirmation_tokens.check_token(user, token):
        raise LoginError("Ссылка устарела или уже использована. Зарегистрируйтесь ещё раз, чтобы получить "
                         "новое письмо.")
    if not user.check_password(password):
        raise LoginError("Пароль не совпадает с заданным при регистрации.")
    user.is_active = True
    user.email_confirmed_at = timezone.now()
    user.save(update_fields=["is_active", "email_confirmed_at"])
    return user


# --- Changing the e-mail (the login name): confirmed from the new address ---

def email_change_token(*, user: User, new_email: str) -> str:
    """A signed token for the link sent to the new address. Refused if the address is taken."""
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise LoginError("Это ваш текущий адрес.")
    if User.objects.filter(username__iexact=new_email).exclude(pk=user.pk).exists():
        raise LoginError("Этот адрес уже используется другой учётной записью.")
    return signing.dumps({"u": user.pk, "old": user.email, "new": new_email}, salt=_EMAIL_CHANGE_SALT)


@transaction.atomic
def confirm_email_change(*, token: str) -> tuple[User, str]:
    """Applies a change of e-mail from the link; returns the login and its former address."""
    try:
        data = signing.loads(token, salt=_EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
    except signing.BadSignature:
        raise LoginError("Ссылка устарела или повреждена. Запросите смену адреса ещё раз.") from None
    user = User.objects.select_for_update().filter(pk=data["u"], kind=User.Kind.CUSTOMER, is_active=True).first()
    if user is None or user.email != data["old"]:
        raise LoginError("Ссылка уже использована или адрес с тех пор изменён.")
    if User.objects.filter(username__iexact=data["new"]).exclude(pk=user.pk).exists():
        raise LoginError("Этот адрес уже используется другой учётной записью.")
    user.email = user.username = data["new"]
    user.email_confirmed_at = timezone.now()
    user.save(update_fields=["email", "username", "email_confirmed_at"])
    return user, data["old"]


@transaction.atomic
def update_name(*, user: User, last_name: str, first_name: str, middle_name: str) -> User:
    user.last_name, user.first_name, user.middle_name = last_name, first_name, middle_name
    user.save(update_fields=["last_name", "first_name", "middle_name"])
    return user


@transaction.atomic
def change_phone(*, user: User, phone: str) -> User:
    """The login's contact phone. The view asks for the password first (like e-mail and password changes);
    the change is in the audit log with the User model's other changes."""
    user.phone = normalize_phone(phone)
    user.save(update_fields=["phone"])
    return user


# --- The second factor: one TOTP app and one set of backup codes per login ---

def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


# The same devices and rules as the staff's second factor (abonent.core.otp), under the portal's names.
has_two_factor = otp.has_totp
pending_totp_device = otp.pending_device
new_backup_codes = otp.new_backup_codes
backup_codes_left = otp.backup_codes_left


def confirm_totp(*, user: User, code: str) -> list[str]:
    """Switches the second factor on when the code from the app is right; returns the new backup codes,
    which are shown once and kept only as the tokens django-otp checks."""
    try:
        return otp.confirm_device(user=user, code=code)[1]
    except otp.SecondFactorError as error:
        raise LoginError(error.message) from None


@transaction.atomic
def disable_two_factor(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


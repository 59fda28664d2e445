"""The customer's contacts for notices and its choice of channels (standard 3.5.4), changed from the portal.

A new e-mail or phone is used only once confirmed: a six-digit code goes to the new address (a letter through
the e-mail outbox) or the new phone (an auto-informing call reading it out) and is typed back within a day,
at most five tries. Until then the previous confirmed contact, or the customer card's, stays in use. Only the
code's SHA-256 is kept."""

import datetime
import hashlib
import hmac
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from abonent.core.validators import format_phone, validate_phone
from abonent.customers.models import Customer
from abonent.notifications.models import (
    AUTO_CHANNELS,
    NotificationContact,
    NotificationPreference,
    NotificationType,
)

C = NotificationContact
CODE_TTL = datetime.timedelta(hours=24)
MAX_ATTEMPTS = 5


class ContactError(Exception):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalise(kind: str, value: str) -> str:
    value = value.strip()
    if kind == C.Kind.EMAIL:
        try:
            validate_email(value)
        except ValidationError:
            raise ContactError("Укажите адрес электронной почты в виде name@example.ru.", field="value") from None
        return value.lower()
    try:
        validate_phone(value)
    except ValidationError as error:
        raise ContactError(error.messages[0], field="value") from None
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) == 11 and digits[0] in "78":
        digits = "7" + digits[1:]
    elif len(digits) == 10:
        digits = "7" + digits
    return "+" + digits


@transaction.atomic
def request_change(*, customer: Customer, kind: str, value: str, requested_by) -> tuple[NotificationContact, str]:
    """Records a new contact awaiting confirmation and sends the code to it. Returns the contact and the code
    (for tests; the views never show it). Asking again for the same value sends a new code."""
    if kind not in C.Kind.values:
        raise ContactError("Неизвестный вид контакта.", field="kind")
    value = _normalise(kind, value)
    current = C.objects.filter(customer=customer, kind=kind, status=C.Status.CONFIRMED).first()
    if current is not None and current.value == value:
        raise ContactError("Этот контакт уже подтверждён и используется для уведомлений.", field="value")
    C.objects.filter(customer=customer, kind=kind, status=C.Status.PENDING).update(
        status=C.Status.REPLACED, updated_at=timezone.now())
    code = f"{secrets.randbelow(1_000_000):06d}"
    contact = C.objects.create(customer=customer, kind=kind, value=value, code_hash=_hash(code),
                               code_expires_at=timezone.now() + CODE_TTL, requested_by=requested_by)
    _send_code(contact, code)
    return contact, code


def _send_code(contact: NotificationContact, code: str) -> None:
    if contact.kind == C.Kind.EMAIL:
        from abonent.channels.email.outbox import enqueue_email

        enqueue_email(to=[contact.value], subject="Код подтверждения адреса для уведомлений",
                      body=(f"Здравствуйте!\n\nЭтот адрес указан для уведомлений клиента {contact.customer} "
                            f"в личном кабинете.\nКод подтверждения: {code}\nКод действует 24 часа.\n\n"
                            "Если Вы не указывали этот адрес, просто не отвечайте на письмо."))
    else:
        from abonent.channels.phone.outbound import enqueue_outbound_call
        from abonent.channels.phone.services import PhoneError

        spoken = " ".join(code)
        try:
            enqueue_outbound_call(contact.value, f"Код подтверждения телефона для уведомлений: {spoken}. "
                                                 f"Повторяю: {spoken}.", f"notification-contact:{contact.pk}")
        except PhoneError as error:
            raise ContactError(error.message, field="value") from None


def confirm(*, contact: NotificationContact, code: str) -> NotificationContact:
    """Checks the code; the confirmed contact replaces the previous one of its kind. A wrong code is
    counted (committed before the refusal, so guessing is limited to MAX_ATTEMPTS)."""
    with transaction.atomic():
        contact = C.objects.select_for_update().get(pk=contact.pk)
        if contact.status != C.Status.PENDING:
            raise ContactError("Этот контакт не ждёт подтверждения.")
        if contact.code_expires_at < timezone.now():
            raise ContactError("Срок действия кода истёк. Укажите контакт ещё раз, чтобы получить новый код.",
                               field="code")
        if contact.attempts >= MAX_ATTEMPTS:
            raise ContactError("Слишком много неверных попыток. Укажите контакт ещё раз, чтобы получить новый "
                               "код.", field="code")
        if hmac.compare_digest(contact.code_hash, _hash(code.strip())):
            now = timezone.now()
            C.objects.filter(customer=contact.customer_id, kind=contact.kind, status=C.Status.CONFIRMED).update(
                status=C.Status.REPLACED, updated_at=now)
            contact.status, contact.confirmed_at = C.Status.CONFIRMED, now
            contact.save(update_fields=["status", "confirmed_at", "updated_at"])
            return contact
        C.objects.filter(pk=contact.pk).update(attempts=contact.attempts + 1)
    left = MAX_ATTEMPTS - contact.attempts - 1
    raise ContactError(f"Неверный код. Осталось попыток: {left}.", field="code")


def contact_display(contact: NotificationContact) -> str:
    return format_phone(contact.value) if contact.kind == C.Kind.PHONE else contact.value


@transaction.atomic
def set_preferences(*, customer: Customer, choices: dict[tuple[int, str], bool], changed_by) -> int:
    """Stores the customer's yes/no per (type id, channel) for the optional types; mandatory types and
    channels this app does not send through are ignored. Returns how many choices changed."""
    optional = set(NotificationType.objects.filter(is_active=True, is_mandatory=False).values_list("pk", flat=True))
    current = {(p.type_id, p.channel): p for p in NotificationPreference.objects.filter(customer=customer)}
    changed = 0
    for (type_id, channel), enabled in choices.items():
        if type_id not in optional or channel not in AUTO_CHANNELS:
            continue
        row = current.get((type_id, channel))
        if row is None:
            NotificationPreference.objects.create(customer=customer, type_id=type_id, channel=channel,
                                                  is_enabled=enabled, changed_by=changed_by)
            changed += 1
        elif row.is_enabled != enabled:
            row.is_enabled, row.changed_by = enabled, changed_by
            row.save(update_fields=["is_enabled", "changed_by", "updated_at"])
            changed += 1
    return changed

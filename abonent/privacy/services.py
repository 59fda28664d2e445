"""Changes of the privacy app's own rows: retention periods (the IT administrator) and legal holds (the heads).
Both are audited through django-auditlog (registered in apps.py)."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from abonent.privacy.models import LegalHold, RetentionPolicy


class PrivacyError(Exception):
    """A refusal shown to the user as is (Russian)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@transaction.atomic
def update_policy(*, policy: RetentionPolicy, months: int, is_active: bool, basis: str, by) -> RetentionPolicy:
    """Sets a kind's period. The period is whole months, from 1 to 100 years."""
    if not 1 <= months <= 1200:
        raise PrivacyError("Срок хранения — от 1 до 1200 месяцев.", field="months")
    policy = RetentionPolicy.objects.select_for_update().get(pk=policy.pk)
    policy.months, policy.is_active, policy.basis, policy.updated_by = months, is_active, basis.strip(), by
    policy.save()
    return policy


@dataclass(frozen=True)
class HoldTarget:
    instance: models.Model
    description: str


def target(kind: str, value: str) -> HoldTarget:
    """The record a hold is placed on, named as staff know it: an appeal by its number, a customer by INN
    (or INN/KPP), a call by the PBX's call id, a received letter by its number in the mail journal, a portal
    login by its login."""
    from abonent.appeals.models import Appeal
    from abonent.channels.email.models import InboundEmail
    from abonent.channels.phone.models import Call
    from abonent.customers.models import Customer
    from abonent.users.models import User

    value = value.strip().lstrip("№").strip()
    if not value:
        raise PrivacyError("Укажите, на что устанавливается запрет.", field="value")
    if kind == "appeal":
        found = Appeal.objects.filter(number=value).first()
        if found is None:
            raise PrivacyError(f"Обращение № {value} не найдено.", field="value")
        return HoldTarget(found, f"обращение № {found.number}")
    if kind == "customer":
        inn, _, kpp = value.partition("/")
        customers = Customer.objects.with_inn(inn.strip(), kpp.strip() if kpp else None)
        if not customers:
            raise PrivacyError(f"Клиент с ИНН {value} не найден.", field="value")
        if len(customers) > 1:
            raise PrivacyError("С этим ИНН несколько клиентов: укажите ИНН/КПП.", field="value")
        return HoldTarget(customers[0], f"клиент {customers[0]} (ИНН {customers[0].inn})")
    if kind == "call":
        call = Call.objects.filter(call_id=value).first()
        if call is None:
            raise PrivacyError(f"Звонок {value} не найден.", field="value")
        return HoldTarget(call, f"звонок {call.call_id}")
    if kind == "mail":
        mail = InboundEmail.objects.defer("raw").filter(pk=int(value) if value.isdigit() else 0).first()
        if mail is None:
            raise PrivacyError(f"Письмо № {value} не найдено в журнале почты.", field="value")
        return HoldTarget(mail, f"письмо № {mail.pk} ({mail.subject or 'без темы'})")
    if kind == "login":
        user = User.objects.filter(username__iexact=value).first()
        if user is None:
            raise PrivacyError(f"Учётная запись «{value}» не найдена.", field="value")
        return HoldTarget(user, f"учётная запись {user.username}")
    raise PrivacyError("Неизвестный вид объекта.", field="kind")


TARGET_KINDS = [("appeal", "обращение (номер)"), ("customer", "клиент (ИНН или ИНН/КПП)"),
                ("call", "звонок (идентификатор АТС)"), ("mail", "входящее письмо (номер в журнале)"),
                ("login", "учётная запись (логин)")]


def place_hold(*, hold_target: HoldTarget, reason: str, by) -> LegalHold:
    """Bans the destruction of the record and what hangs from it. One active hold per record."""
    reason = reason.strip()
    if len(reason) < 5:
        raise PrivacyError("Укажите основание запрета (спор, запрос суда или контролирующего органа).",
                           field="reason")
    instance = hold_target.instance
    content_type = ContentType.objects.get_for_model(instance)
    try:
        with transaction.atomic():
            return LegalHold.objects.create(content_type=content_type, object_id=instance.pk, reason=reason,
                                            object_repr=hold_target.description[:300], placed_by=by)
    except IntegrityError:
        raise PrivacyError(f"На {hold_target.description} запрет уже установлен.", field="value") from None


@transaction.atomic
def release_hold(*, hold: LegalHold, reason: str, by) -> LegalHold:
    reason = reason.strip()
    if not reason:
        raise PrivacyError("Укажите основание снятия запрета.", field="reason")
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if not hold.is_active:
        raise PrivacyError("Запрет уже снят.")
    hold.released_at, hold.released_by, hold.release_reason = timezone.now(), by, reason
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    return hold

"""Online payment rules.

- `start_payment`: one payment per idempotency key (the portal's form carries one). The row is committed before
  the provider is called and the provider gets the same key as `Idempotence-Key`, so a double click, a retry
  after a timeout or a repeated form never creates a second payment at the provider.
- `apply_provider_state`: the only way a payment changes status. It takes the payment as the provider API
  returned it (never a webhook body), moves the status forward (succeeded and canceled are final), and on
  `succeeded` records the money in billing as `Payment(source=online, external_id="online-<provider id>")`,
  exactly once.
- `refresh_payment` / `poll_unfinished`: read the payment back from the provider; the periodic poller
  recovers payments whose notification was lost. A provider error leaves the payment as it was, to be asked
  again on the next round."""

import datetime
import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from abonent.billing.models import Payment
from abonent.billing.payments import provider
from abonent.billing.payments.models import OnlinePayment, payment_uuid
from abonent.core.text import money, storable_json
from abonent.customers.models import BillingAccount

log = logging.getLogger(__name__)
Status = OnlinePayment.Status

# The poller leaves a fresh payment to its webhook for a few minutes, then asks the provider every minute
# during the first hour and every quarter of an hour after that; a payment the provider never created (it
# did not answer) is given up after a day, when an idempotency key expires at YooKassa.
POLL_AFTER = datetime.timedelta(minutes=3)
POLL_EVERY = datetime.timedelta(minutes=1)
POLL_SLOWLY_AFTER = datetime.timedelta(hours=1)
POLL_SLOWLY_EVERY = datetime.timedelta(minutes=15)
GIVE_UP_UNCREATED_AFTER = datetime.timedelta(hours=24)
POLL_BATCH = 100
# The objects inside a provider's payment; a string or a list in their place is an answer of an unknown format.
NESTED = ("amount", "confirmation", "cancellation_details", "metadata")


class PaymentError(Exception):
    """A refusal shown to the customer, in Russian."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PaymentUnavailable(PaymentError):
    """The provider did not answer or failed: nothing is lost, the same form may be sent again."""


def validate_amount(amount: Decimal) -> None:
    if amount <= 0:
        raise PaymentError("Сумма оплаты должна быть больше нуля.")
    if amount != amount.quantize(Decimal("0.01")):
        raise PaymentError("Сумма оплаты — в рублях и копейках, не больше двух знаков после запятой.")
    if amount > OnlinePayment.MAX_AMOUNT:
        raise PaymentError(f"Онлайн можно оплатить не больше {money(OnlinePayment.MAX_AMOUNT)} за один раз. "
                           "Большую сумму оплатите платёжным поручением по реквизитам из счёта.")


def description_for(account: BillingAccount) -> str:
    return f"Оплата электроэнергии, л/с {account.number}, дог. № {account.contract.number}"[:128]


def start_payment(*, account: BillingAccount, amount: Decimal, user, idempotency_key: str,
                  return_url: str) -> OnlinePayment:
    """Starts (or, for a key already used, continues) an online payment and returns it with the provider's
    confirmation URL to send the customer to. Refuses a bad amount and a key used for another payment;
    raises PaymentUnavailable when the provider fails (the payment stays pending without a provider id)."""
    validate_amount(amount)
    if not idempotency_key or len(idempotency_key) > 64:
        raise PaymentError("Форма оплаты устарела. Откройте страницу оплаты заново.")
    payment = _payment_for_key(account=account, amount=amount, user=user, key=idempotency_key,
                               return_url=return_url)
    if payment.provider_id or payment.is_final:
        return payment
    try:
        answer = provider.create_payment(
            amount=payment.amount, description=payment.description, return_url=payment.return_url,
            idempotency_key=payment.idempotency_key,
            metadata={"payment_id": str(payment.uuid), "account": account.number},
        )
    except provider.ProviderError as error:
        log.warning("online payment %s not created: %s", payment.uuid, error.message)
        OnlinePayment.objects.filter(pk=payment.pk).update(last_error=error.message[:500], updated_at=timezone.now())
        if error.transient:
            raise PaymentUnavailable("Платёжный сервис сейчас не отвечает. Попробуйте ещё раз через несколько "
                                     "минут: повторная отправка этой формы не создаст второй платёж.") from error
        raise PaymentError("Платёжный сервис отказал в приёме платежа. Попробуйте позже или оплатите "
                           "по реквизитам из счёта.") from error
    return _record_created(payment.pk, answer)


def _payment_for_key(*, account, amount, user, key, return_url) -> OnlinePayment:
    values = {"account": account, "amount": amount, "started_by": user, "return_url": return_url,
              "description": description_for(account), "uuid": payment_uuid(key)}
    try:
        with transaction.atomic():
            payment, created = OnlinePayment.objects.get_or_create(idempotency_key=key, defaults=values)
    except IntegrityError:  # the same key sent twice at the same moment: the other request created it
        payment, created = OnlinePayment.objects.get(idempotency_key=key), False
    if not created and (payment.account_id != account.pk or payment.started_by_id != user.pk
                        or payment.amount != amount):
        raise PaymentError("Эта форма оплаты уже отправлена с другими данными. Откройте страницу оплаты заново.")
    return payment


def _nested(state: dict, name: str) -> dict:
    """A nested object of the provider's payment; {} for anything else (a provider bug, a proxy's page as JSON)."""
    value = state.get(name)
    return value if isinstance(value, dict) else {}


def _unknown_format(state: dict, *, only: tuple[str, ...] = NESTED) -> str:
    """last_error for an answer whose nested objects (of `only`) are something else; "" for a well-formed one."""
    odd = [name for name in only if state.get(name) is not None and not isinstance(state[name], dict)]
    return f"неизвестный формат ответа платёжного сервиса: {', '.join(odd)} — не объект" if odd else ""


def _confirmation_url(state: dict) -> str:
    return str(_nested(state, "confirmation").get("confirmation_url") or "")[:500]


def _captured_at(state: dict, now: datetime.datetime) -> datetime.datetime:
    """When the provider took the money (ISO 8601 in UTC); an impossible or unreadable date is taken as now, so the
    money is still recorded."""
    try:
        moment = parse_datetime(str(state.get("captured_at") or ""))
        if moment is None:
            return now
        moment = moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.UTC)
        timezone.localtime(moment)  # a moment at the calendar's edge has no local date
    except (ValueError, OverflowError):
        return now
    return moment


def _record_created(payment_pk: int, answer: dict) -> OnlinePayment:
    now = timezone.now()
    answer = storable_json(answer)
    with transaction.atomic():
        payment = OnlinePayment.objects.select_for_update().get(pk=payment_pk)
        provider_id = str(answer["id"])
        if payment.provider_id and payment.provider_id != provider_id:
            log.error("online payment %s: provider id %s, now %s", payment.uuid, payment.provider_id, provider_id)
            raise PaymentError("Платёжный сервис вернул другой платёж. Обратитесь в службу поддержки.")
        payment.provider_id = provider_id
        payment.confirmation_url = _confirmation_url(answer)
        payment.last_error = ""
        payment.remember("create", answer, now)
        _apply(payment, answer, now)
        payment.save()
    return payment


def apply_provider_state(provider_payment: dict, *, source: str = "fetch") -> OnlinePayment | None:
    """Brings our payment to the provider's state. `provider_payment` must come from the provider's API
    (GET /payments/{id}), never from a notification body. Returns None for a payment that is not ours. An answer
    of an unknown format is kept and named in last_error; what can be read of it still applies."""
    provider_payment = storable_json(provider_payment)  # kept as it came, less what the database cannot store
    provider_id = str(provider_payment.get("id") or "")
    now = timezone.now()
    with transaction.atomic():
        payment = OnlinePayment.objects.select_for_update().filter(provider_id=provider_id).first()
        if payment is None:
            payment = _created_but_unanswered(provider_payment)
            if payment is None:
                log.warning("provider payment %s is not one of ours", provider_id)
                return None
            payment.provider_id = provider_id
            payment.confirmation_url = _confirmation_url(provider_payment)
        payment.remember(source, provider_payment, now)
        payment.checked_at = now
        _apply(payment, provider_payment, now)
        payment.save()
    return payment


def _created_but_unanswered(provider_payment: dict) -> OnlinePayment | None:
    """A payment the provider created while its answer to us was lost: found by the id we gave in metadata."""
    try:
        reference = uuid.UUID(str(_nested(provider_payment, "metadata").get("payment_id")))
    except ValueError:
        return None
    return OnlinePayment.objects.select_for_update().filter(uuid=reference, provider_id__isnull=True).first()


def _apply(payment: OnlinePayment, state: dict, now: datetime.datetime) -> None:
    """The status transition; the caller saves. Final states never change; money is checked before it counts."""
    status = state.get("status")
    if status not in Status.values:
        payment.last_error = f"неизвестный статус платежа: {status}"[:500]
        return
    if payment.is_final or status == payment.status:
        return
    amount = _nested(state, "amount")
    if amount.get("value") != f"{payment.amount:.2f}" or amount.get("currency") != OnlinePayment.CURRENCY:
        log.error("online payment %s: provider amount %s differs from ours %s", payment.uuid, state.get("amount"),
                  payment.amount)
        payment.last_error = (_unknown_format(state, only=("amount",))
                              or f"сумма у платёжного сервиса {amount} не совпадает с суммой платежа")[:500]
        return
    if status == Status.SUCCEEDED:
        payment.paid_at = _captured_at(state, now)
        payment.payment = _record_money(payment, payment.paid_at)
    elif status == Status.CANCELED:
        payment.cancellation_reason = str(_nested(state, "cancellation_details").get("reason") or "")[:64]
    payment.status = status
    payment.last_error = _unknown_format(state)[:500]


def _record_money(payment: OnlinePayment, paid_at: datetime.datetime) -> Payment:
    """The billing payment of a confirmed online payment; the same one if it is already there (a repeated
    notification, or the billing export brought it first under the same id)."""
    recorded, _ = Payment.objects.get_or_create(
        external_id=f"online-{payment.provider_id}",
        defaults={"account": payment.account, "paid_on": timezone.localdate(paid_at), "amount": payment.amount,
                  "source": Payment.Source.ONLINE, "document_number": payment.provider_id,
                  "purpose": payment.description},
    )
    return recorded


def refresh_payment(payment: OnlinePayment) -> OnlinePayment:
    """Asks the provider for the payment's state and applies it. Raises ProviderError; records it first."""
    if not payment.provider_id or payment.is_final:
        return payment
    try:
        state = provider.get_payment(payment.provider_id)
    except provider.ProviderError as error:
        OnlinePayment.objects.filter(pk=payment.pk).update(checked_at=timezone.now(), last_error=error.message[:500])
        raise
    return apply_provider_state(state, source="poll") or payment


@dataclass
class PollResult:
    checked: int = 0
    changed: int = 0
    failed: int = 0
    given_up: int = 0


def poll_unfinished(now: datetime.datetime | None = None) -> PollResult:
    """One round of the poller: unfinished payments older than a few minutes are read back from the provider."""
    now = now or timezone.now()
    result = PollResult()
    due = (OnlinePayment.objects.unfinished().filter(provider_id__isnull=False, created_at__lt=now - POLL_AFTER)
           .filter(Q(checked_at__isnull=True)
                   | Q(checked_at__lt=now - POLL_EVERY, created_at__gt=now - POLL_SLOWLY_AFTER)
                   | Q(checked_at__lt=now - POLL_SLOWLY_EVERY))
           .order_by("checked_at", "created_at")[:POLL_BATCH])
    for payment in due:
        before = payment.status
        try:
            after = refresh_payment(payment)
        except provider.ProviderError as error:
            log.warning("online payment %s not checked: %s", payment.uuid, error.message)
            result.failed += 1
            continue
        result.checked += 1
        result.changed += after.status != before
    uncreated = OnlinePayment.objects.unfinished().filter(provider_id__isnull=True,
                                                          created_at__lt=now - GIVE_UP_UNCREATED_AFTER)
    result.given_up = uncreated.update(status=Status.CANCELED, cancellation_reason="not_created", updated_at=now)
    return result

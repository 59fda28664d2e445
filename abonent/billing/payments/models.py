"""Online payments: a customer pays from the portal through the payment provider (a YooKassa-style redirect and
webhook flow, see docs/payments.md). The portal never invents money: the payment becomes a billing
`Payment` only when the provider confirms it (status `succeeded`), and then exactly once."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from abonent.billing.models import Payment
from abonent.core.models import TimeStampedModel
from abonent.customers.models import BillingAccount

# uuid5 namespace of online payments: the public id follows from the form's idempotency key, so the return
# address given to the provider is known before the row exists and the same key always means the same payment.
PAYMENT_NAMESPACE = uuid.UUID("6b0f7c52-3d8e-4c1a-9a51-0e7c2f1d9b34")
MAX_RESPONSES_KEPT = 20


def payment_uuid(idempotency_key: str) -> uuid.UUID:
    return uuid.uuid5(PAYMENT_NAMESPACE, idempotency_key)


class OnlinePaymentQuerySet(models.QuerySet):
    def unfinished(self) -> "OnlinePaymentQuerySet":
        return self.filter(status__in=OnlinePayment.UNFINISHED)


class OnlinePayment(TimeStampedModel):
    """One attempt to pay a billing account online. Its status mirrors the provider's payment; the provider's
    answers are kept as they came (the last few), for disputes with the provider and with the customer."""

    class Status(models.TextChoices):
        PENDING = "pending", "ожидает оплаты"
        WAITING_FOR_CAPTURE = "waiting_for_capture", "ожидает подтверждения"
        SUCCEEDED = "succeeded", "оплачено"
        CANCELED = "canceled", "отменён"

    UNFINISHED = (Status.PENDING, Status.WAITING_FOR_CAPTURE)
    FINAL = (Status.SUCCEEDED, Status.CANCELED)
    CURRENCY = "RUB"
    # One online payment at most: larger sums go by a payment order against the invoice (bank limits on cards).
    MAX_AMOUNT = Decimal("1000000.00")

    uuid = models.UUIDField("идентификатор", unique=True, editable=False)
    account = models.ForeignKey(BillingAccount, verbose_name="лицевой счёт", on_delete=models.PROTECT,
                                related_name="online_payments")
    amount = models.DecimalField("сумма, ₽", max_digits=14, decimal_places=2)
    description = models.CharField("описание для платёжного сервиса", max_length=128)
    status = models.CharField("состояние", max_length=24, choices=Status.choices, default=Status.PENDING)
    idempotency_key = models.CharField("ключ идемпотентности", max_length=64, unique=True)
    provider_id = models.CharField("код платежа у платёжного сервиса", max_length=56, unique=True, null=True,
                                   blank=True)
    confirmation_url = models.URLField("адрес страницы оплаты", max_length=500, blank=True)
    return_url = models.URLField("адрес возврата в личный кабинет", max_length=500)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="начал оплату", on_delete=models.PROTECT,
                                   related_name="+")
    paid_at = models.DateTimeField("оплачено", null=True, blank=True)
    cancellation_reason = models.CharField("причина отмены", max_length=64, blank=True)
    payment = models.OneToOneField(Payment, verbose_name="платёж в расчётах", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="online_payment")
    checked_at = models.DateTimeField("последний запрос состояния", null=True, blank=True)
    last_error = models.CharField("последняя ошибка платёжного сервиса", max_length=500, blank=True)
    provider_responses = models.JSONField("ответы платёжного сервиса", default=list, blank=True)

    objects = OnlinePaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "онлайн-платёж"
        verbose_name_plural = "онлайн-платежи"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="online_payment_status_created"),
            models.Index(fields=["account", "-created_at"], name="online_payment_account"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="online_payment_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=["pending", "waiting_for_capture", "succeeded", "canceled"]),
                                   name="online_payment_status_valid"),
            # Money is recorded when, and only when, the provider confirmed the payment.
            models.CheckConstraint(
                condition=Q(status="succeeded", payment__isnull=False, paid_at__isnull=False)
                | (~Q(status="succeeded") & Q(payment__isnull=True)),
                name="online_payment_recorded_iff_succeeded",
            ),
            models.CheckConstraint(condition=~Q(status="succeeded") | Q(provider_id__isnull=False),
                                   name="online_payment_succeeded_has_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.account}, {self.amount} ₽ ({self.get_status_display()})"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def is_succeeded(self) -> bool:
        return self.status == self.Status.SUCCEEDED

    def remember(self, source: str, body: dict, at) -> None:
        """Keeps a provider's answer as it came (the newest MAX_RESPONSES_KEPT)."""
        self.provider_responses = [*self.provider_responses, {"source": source, "at": at.isoformat(), "body": body}][
            -MAX_RESPONSES_KEPT:]

"""Billing data as the billing system exports it. The portal never invents money: every balance, charge,
document and payment here came from an import batch (or, for payments, from a confirmed online payment),
and a row keeps the batch that brought it."""


from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from abonent.core.models import TimeStampedModel
from abonent.customers.models import BillingAccount

IMPORT_KIND_LABELS = {
    "balances": "сальдо", "charges": "начисления", "documents": "финансовые документы", "payments": "платежи",
    "meters": "приборы учёта", "readings": "показания",
}


class ImportBatch(TimeStampedModel):
    """One file from the billing system. The file's SHA-256 is unique, so the same file twice is one batch;
    a batch is applied whole or not at all."""

    class Status(models.TextChoices):
        APPLIED = "applied", "загружен"
        REJECTED = "rejected", "отклонён"

    file_name = models.CharField("файл", max_length=255)
    sha256 = models.CharField("SHA-256 файла", max_length=64, unique=True)
    format = models.CharField("формат", max_length=8)  # csv / json
    format_version = models.CharField("версия формата", max_length=16)
    kind = models.CharField("содержимое", max_length=32)  # balances, charges, documents, payments, meters, readings
    status = models.CharField("результат", max_length=16, choices=Status.choices)
    rows_total = models.PositiveIntegerField("строк", default=0)
    rows_created = models.PositiveIntegerField("добавлено", default=0)
    rows_updated = models.PositiveIntegerField("изменено", default=0)
    rows_unchanged = models.PositiveIntegerField("без изменений", default=0)
    errors = models.JSONField("ошибки", default=list, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="загрузил", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "загрузка из биллинга"
        verbose_name_plural = "загрузки из биллинга"
        ordering = ["-created_at"]
        permissions = [("import_billing_data", "Может загружать данные из биллинга")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def kind_label(self) -> str:
        return IMPORT_KIND_LABELS.get(self.kind, self.kind or "—")


class Balance(models.Model):
    """The account's balance on a date as the billing system computed it. Positive `amount` is the
    customer's debt, negative an advance."""

    account = models.ForeignKey(BillingAccount, on_delete=models.CASCADE, related_name="balances")
    as_of = models.DateField("на дату")
    amount = models.DecimalField("сальдо (долг +, аванс −), ₽", max_digits=14, decimal_places=2)
    overdue = models.DecimalField("в том числе просрочено, ₽", max_digits=14, decimal_places=2, default=Decimal(0))
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        verbose_name = "сальдо"
        verbose_name_plural = "сальдо"
        ordering = ["account", "-as_of"]
        constraints = [models.UniqueConstraint(fields=["account", "as_of"], name="balance_one_per_day")]

    def __str__(self) -> str:
        return f"{self.account} на {self.as_of:%d.%m.%Y}: {self.amount}"

    @property
    def is_debt(self) -> bool:
        return self.amount > 0

    @property
    def advance(self) -> Decimal:
        """The customer's prepayment (a negative balance) as a positive sum; zero when there is none."""
        return -self.amount if self.amount < 0 else Decimal(0)


class Charge(models.Model):
    """A monthly charge (начисление) for the supplied electricity and other services."""

    account = models.ForeignKey(BillingAccount, on_delete=models.CASCADE, related_name="charges")
    external_id = models.CharField("код в биллинге", max_length=64, unique=True)
    period = models.DateField("расчётный период (первое число месяца)")
    service = models.CharField("услуга", max_length=200, default="Электрическая энергия")
    volume_kwh = models.DecimalField("объём, кВт·ч", max_digits=14, decimal_places=3, null=True, blank=True)
    amount = models.DecimalField("сумма с НДС, ₽", max_digits=14, decimal_places=2)
    vat = models.DecimalField("в т. ч. НДС, ₽", max_digits=14, decimal_places=2, default=Decimal(0))
    planned_amount = models.DecimalField(
        "стоимость объёма, подлежащего оплате, ₽", max_digits=14, decimal_places=2, null=True, blank=True,
        help_text="База авансовых платежей месяца (30 % и 40 %): договорный объём или факт прошлого месяца.",
    )
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        verbose_name = "начисление"
        verbose_name_plural = "начисления"
        ordering = ["account", "-period"]
        indexes = [models.Index(fields=["account", "period"])]

    def __str__(self) -> str:
        return f"{self.account}, {self.period:%m.%Y}: {self.amount}"


class FinancialDocument(models.Model):
    """An invoice, act or tax invoice. Either the billing system's PDF is stored, or the data to render it."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "счёт на оплату"
        ACT = "act", "акт приёма-передачи"
        TAX_INVOICE = "tax_invoice", "счёт-фактура"

    account = models.ForeignKey(BillingAccount, on_delete=models.CASCADE, related_name="documents")
    external_id = models.CharField("код в биллинге", max_length=64, unique=True)
    kind = models.CharField("вид", max_length=16, choices=Kind.choices)
    number = models.CharField("номер", max_length=64)
    issued_on = models.DateField("дата")
    period = models.DateField("расчётный период (первое число месяца)")
    amount = models.DecimalField("сумма с НДС, ₽", max_digits=14, decimal_places=2)
    vat = models.DecimalField("в т. ч. НДС, ₽", max_digits=14, decimal_places=2, default=Decimal(0))
    due_on = models.DateField("оплатить до", null=True, blank=True)
    lines = models.JSONField("строки документа", default=list, blank=True)
    pdf = models.FileField("PDF из биллинга", upload_to="billing/documents/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField("SHA-256 PDF", max_length=64, blank=True, editable=False)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        verbose_name = "финансовый документ"
        verbose_name_plural = "финансовые документы"
        ordering = ["account", "-issued_on", "-pk"]
        indexes = [models.Index(fields=["account", "-issued_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} № {self.number} от {self.issued_on:%d.%m.%Y}"


class Payment(models.Model):
    """A payment received, from the billing system's export or from a confirmed online payment."""

    class Source(models.TextChoices):
        BANK = "bank", "платёжное поручение"
        ONLINE = "online", "оплата в личном кабинете"
        OTHER = "other", "прочее"

    account = models.ForeignKey(BillingAccount, on_delete=models.CASCADE, related_name="payments")
    external_id = models.CharField("код платежа", max_length=64, unique=True)
    paid_on = models.DateField("дата оплаты")
    amount = models.DecimalField("сумма, ₽", max_digits=14, decimal_places=2)
    source = models.CharField("источник", max_length=16, choices=Source.choices, default=Source.BANK)
    document_number = models.CharField("номер платёжного документа", max_length=64, blank=True)
    purpose = models.CharField("назначение платежа", max_length=255, blank=True)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        verbose_name = "платёж"
        verbose_name_plural = "платежи"
        ordering = ["account", "-paid_on", "-pk"]
        indexes = [models.Index(fields=["account", "-paid_on"])]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.account}, {self.paid_on:%d.%m.%Y}: {self.amount}"


class ReadingGroup(models.Model):
    """A group of meters with one submission window (policy is data): e.g. meters in apartment buildings
    23rd–26th, other meters of legal entities on the 1st–2nd of the next month."""

    name = models.CharField("группа", max_length=200, unique=True)
    first_day = models.PositiveSmallIntegerField("приём показаний с (число месяца)")
    last_day = models.PositiveSmallIntegerField("по (число месяца)")
    for_previous_month = models.BooleanField(
        "показания за прошлый месяц", default=False,
        help_text="Окно в начале месяца принимает показания на конец предыдущего месяца.",
    )
    is_default = models.BooleanField("группа по умолчанию", default=False)

    class Meta:
        verbose_name = "группа приёма показаний"
        verbose_name_plural = "группы приёма показаний"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__gte=1, first_day__lte=31, last_day__gte=1, last_day__lte=31)
                & Q(last_day__gte=models.F("first_day")),
                name="reading_window_days_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_day}–{self.last_day})"


class Meter(models.Model):
    """A metering device (прибор учёта) on a billing account."""

    account = models.ForeignKey(BillingAccount, on_delete=models.CASCADE, related_name="meters")
    external_id = models.CharField("код в биллинге", max_length=64, unique=True)
    serial_number = models.CharField("заводской номер", max_length=64)
    model_name = models.CharField("тип", max_length=200, blank=True)
    zone = models.CharField("тарифная зона", max_length=32, default="сутки")
    digits = models.PositiveSmallIntegerField("разрядность (знаков до запятой)", default=6)
    ratio = models.DecimalField("коэффициент трансформации", max_digits=10, decimal_places=2, default=Decimal(1))
    location = models.CharField("место установки", max_length=200, blank=True)
    reading_group = models.ForeignKey(
        ReadingGroup, verbose_name="группа приёма показаний", on_delete=models.PROTECT, null=True, blank=True,
        related_name="meters",
    )
    is_active = models.BooleanField("в работе", default=True)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        verbose_name = "прибор учёта"
        verbose_name_plural = "приборы учёта"
        ordering = ["account", "serial_number", "zone"]

    def __str__(self) -> str:
        return f"№ {self.serial_number} ({self.zone})"

    @property
    def capacity(self) -> Decimal:
        """The value after which the register rolls over to zero."""
        return Decimal(10) ** self.digits


class MeterReading(models.Model):
    """A reading: imported from billing, sent through the portal, or taken by staff."""

    class Source(models.TextChoices):
        BILLING = "billing", "из биллинга"
        PORTAL = "portal", "личный кабинет"
        STAFF = "staff", "сотрудник"

    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="readings")
    period = models.DateField("расчётный период (первое число месяца)")
    taken_on = models.DateField("дата снятия")
    value = models.DecimalField("показание", max_digits=16, decimal_places=3)
    consumption = models.DecimalField("расход, кВт·ч", max_digits=16, decimal_places=3, null=True, blank=True)
    source = models.CharField("источник", max_length=16, choices=Source.choices)
    external_id = models.CharField("код в биллинге", max_length=64, unique=True, null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("передано", default=timezone.now)
    rolled_over = models.BooleanField("переход через ноль", default=False)
    jump_confirmed = models.BooleanField("необычный расход подтверждён", default=False)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        verbose_name = "показание"
        verbose_name_plural = "показания"
        ordering = ["meter", "-period", "-taken_on", "-pk"]
        indexes = [models.Index(fields=["meter", "-period"])]
        constraints = [
            # A repeated portal or staff submission for a month replaces the earlier one (billing.readings).
            models.UniqueConstraint(
                fields=["meter", "period"], condition=~Q(source="billing"), name="reading_one_submission_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meter}, {self.period:%m.%Y}: {self.value}"

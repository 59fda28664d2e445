"""Notices the company sends on its own initiative (standard 3.5): their types and templates (policy, rows
editable by the heads), the customer's preferences and confirmed contacts (3.5.4), the daily rules and one-off
campaigns that produce them, and the notices themselves: one row per recipient per channel, which is the
proof of notice staff can show a customer."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from abonent.core.models import TimeStampedModel
from abonent.customers.models import Customer


class Channel(models.TextChoices):
    """The auto-informing channels of standard 3.5.4 plus the portal; values are those of
    organisation.Channel, so a notice's channel and an appeal's reply channel compare equal. Post and
    in-person appear only on appeal notices, which the appeals module sends and this journal records."""

    EMAIL = "email", "электронная почта"
    EDO = "edo", "ЭДО"
    PHONE = "phone", "автоинформирование по телефону"
    PORTAL = "portal", "личный кабинет"
    POST = "post", "почта"
    IN_PERSON = "in_person", "очный приём"


# The channels this app sends through itself, in the order they are offered to customers.
AUTO_CHANNELS = (Channel.EMAIL, Channel.EDO, Channel.PHONE, Channel.PORTAL)


class NotificationType(TimeStampedModel):
    """A kind of notice (standard 3.5.6.1): debt, an approaching payment date, a change of the rules,
    documents ready, the appeal events. Mandatory types go by every channel available for the customer
    and ignore opt-outs; the others go by the channels the customer chose (or the defaults)."""

    class Source(models.TextChoices):
        BILLING = "billing", "данные биллинга (ежедневные правила)"
        CAMPAIGN = "campaign", "рассылка"
        APPEAL = "appeal", "события обращений"

    code = models.SlugField("код", max_length=40, unique=True)
    name = models.CharField("название", max_length=200)
    description = models.TextField("описание", blank=True)
    source = models.CharField("источник", max_length=16, choices=Source.choices)
    is_mandatory = models.BooleanField(
        "обязательное", default=False,
        help_text="Направляется всеми доступными каналами, отказ клиента не учитывается "
                  "(например, уведомление о задолженности перед ограничением).")
    default_channels = models.JSONField(
        "каналы по умолчанию", default=list, blank=True,
        help_text="Каналы, которыми уведомление идёт, пока клиент не выбрал свои.")
    is_active = models.BooleanField("действует", default=True)
    order = models.PositiveSmallIntegerField("порядок", default=0)

    class Meta:
        verbose_name = "тип уведомления"
        verbose_name_plural = "типы уведомлений"
        ordering = ["order", "name"]
        permissions = [
            ("manage_notifications", "Может настраивать типы, шаблоны и правила уведомлений"),
            ("approve_campaign", "Может утверждать рассылки уведомлений"),
            ("view_notifications", "Может просматривать журнал уведомлений"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def default_channels_text(self) -> str:
        """«электронная почта, личный кабинет»."""
        return ", ".join(Channel(c).label for c in self.default_channels if c in Channel.values)


class NotificationTemplate(TimeStampedModel):
    """The text of a type for one channel, in Django template syntax over the variables the sender passes
    (customer, account, amounts, dates); rendered in a sandbox that sees nothing else."""

    type = models.ForeignKey(NotificationType, verbose_name="тип", on_delete=models.CASCADE,
                             related_name="templates")
    channel = models.CharField("канал", max_length=16, choices=Channel.choices)
    subject = models.CharField("тема", max_length=300, blank=True,
                               help_text="Для e-mail, ЭДО и личного кабинета.")
    body = models.TextField("текст")

    class Meta:
        verbose_name = "шаблон уведомления"
        verbose_name_plural = "шаблоны уведомлений"
        ordering = ["type", "channel"]
        constraints = [models.UniqueConstraint(fields=["type", "channel"],
                                               name="notification_template_one_per_channel")]

    def __str__(self) -> str:
        return f"{self.type}: {self.get_channel_display()}"

    def clean(self) -> None:
        from abonent.notifications.rendering import check_template

        check_template(subject=self.subject, body=self.body)


class ChannelSetting(models.Model):
    """Throttling and switching per channel (policy is data): at most `rate_per_minute` notices are handed
    to the channel per minute, so a mass mailing does not flood the SMTP relay, the EDO operator or the PBX."""

    channel = models.CharField("канал", max_length=16, choices=Channel.choices, unique=True)
    rate_per_minute = models.PositiveIntegerField("не более уведомлений в минуту", default=600)
    is_enabled = models.BooleanField("канал включён", default=True)

    class Meta:
        verbose_name = "настройка канала уведомлений"
        verbose_name_plural = "настройки каналов уведомлений"
        ordering = ["channel"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.rate_per_minute}/мин"


class NotificationRule(TimeStampedModel):
    """A daily rule: e.g. «3 рабочих дня до каждого срока оплаты клиентам с неоплаченной частью» or «о
    задолженности по последнему сальдо из биллинга». Run once a day; running it again sends nothing new."""

    class Trigger(models.TextChoices):
        DUE_DATE = "due_date", "приближение срока оплаты"
        DEBT = "debt", "задолженность по сальдо"
        DOCUMENTS = "documents", "новые документы и счета"

    name = models.CharField("название", max_length=200)
    type = models.ForeignKey(NotificationType, verbose_name="тип уведомления", on_delete=models.PROTECT,
                             related_name="rules")
    trigger = models.CharField("условие", max_length=16, choices=Trigger.choices)
    days_before = models.PositiveSmallIntegerField(
        "за сколько дней до срока", default=3, help_text="Для правил о сроках оплаты.")
    working_days = models.BooleanField("дни рабочие", default=True)
    min_amount = models.DecimalField("порог суммы, ₽", max_digits=14, decimal_places=2, default=0,
                                     help_text="Уведомлять, если сумма больше порога.")
    repeat_days = models.PositiveSmallIntegerField(
        "повторять не чаще, дней", default=7,
        help_text="Для задолженности: через сколько дней повторить уведомление по тому же долгу.")
    customer_kinds = models.JSONField("виды клиентов", default=list, blank=True,
                                      help_text="Пусто — все виды.")
    is_active = models.BooleanField("действует", default=True)
    last_run_on = models.DateField("последний запуск", null=True, blank=True, editable=False)
    last_run_count = models.PositiveIntegerField("уведомлений при последнем запуске", default=0, editable=False)

    class Meta:
        verbose_name = "правило уведомлений"
        verbose_name_plural = "правила уведомлений"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Campaign(TimeStampedModel):
    """A one-off mass informing (e.g. a change of the rules of service) to a segment of customers. Prepared
    by staff, counted in a dry run, approved by a head, then fanned out on the task queue."""

    class Status(models.TextChoices):
        DRAFT = "draft", "черновик"
        APPROVED = "approved", "утверждена"
        SENDING = "sending", "рассылается"
        DONE = "done", "разослана"
        CANCELLED = "cancelled", "отменена"

    title = models.CharField("название", max_length=200)
    type = models.ForeignKey(NotificationType, verbose_name="тип уведомления", on_delete=models.PROTECT,
                             related_name="campaigns")
    subject = models.CharField("тема", max_length=300)
    text = models.TextField("текст сообщения", help_text="Подставляется в шаблон типа как {{ text }}.")
    customer_kinds = models.JSONField("виды клиентов", default=list, blank=True, help_text="Пусто — все.")
    price_categories = models.JSONField("ценовые категории", default=list, blank=True, help_text="Пусто — все.")
    debtors_only = models.BooleanField("только должникам", default=False)
    min_debt = models.DecimalField("долг больше, ₽", max_digits=14, decimal_places=2, default=0)
    status = models.CharField("состояние", max_length=16, choices=Status.choices, default=Status.DRAFT)
    dry_run_customers = models.PositiveIntegerField("клиентов (пробный подсчёт)", null=True, blank=True)
    dry_run_notices = models.PositiveIntegerField("уведомлений (пробный подсчёт)", null=True, blank=True)
    dry_run_at = models.DateTimeField("пробный подсчёт выполнен", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="подготовил", on_delete=models.PROTECT,
                                   related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="утвердил", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField("утверждена", null=True, blank=True)
    started_at = models.DateTimeField("рассылка начата", null=True, blank=True)
    finished_at = models.DateTimeField("рассылка завершена", null=True, blank=True)
    created_count = models.PositiveIntegerField("создано уведомлений", default=0)
    batches_total = models.PositiveIntegerField("пакетов", default=0, editable=False)
    batches_done = models.PositiveIntegerField("пакетов обработано", default=0, editable=False)
    batch_bounds = models.JSONField("границы пакетов", default=list, editable=False,
                                    help_text="Первый и последний клиент каждого пакета, как сегмент был разбит.")
    done_batches = models.JSONField("обработанные пакеты", default=list, editable=False,
                                    help_text="Первые клиенты обработанных пакетов.")

    class Meta:
        verbose_name = "рассылка"
        verbose_name_plural = "рассылки"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def segment_text(self) -> str:
        """«ТСЖ / ЖСК, управляющая компания; ценовые категории: третья; только должники с долгом больше 500,00 ₽»."""
        from abonent.core.text import money
        from abonent.customers.models import Contract

        kinds = [Customer.Kind(k).label for k in self.customer_kinds if k in Customer.Kind.values]
        categories = [Contract.PriceCategory(int(c)).label for c in self.price_categories
                      if int(c) in Contract.PriceCategory.values]
        parts = [", ".join(kinds) or "все виды клиентов",
                 f"ценовые категории: {', '.join(categories)}" if categories else "все ценовые категории"]
        if self.debtors_only:
            parts.append(f"только должники с долгом больше {money(self.min_debt)}")
        return "; ".join(parts)


class NotificationPreference(TimeStampedModel):
    """The customer's choice for one type and channel (standard 3.5.4); a missing row means the type's
    default. Mandatory types ignore a «no»."""

    customer = models.ForeignKey(Customer, verbose_name="клиент", on_delete=models.CASCADE,
                                 related_name="notification_preferences")
    type = models.ForeignKey(NotificationType, verbose_name="тип", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField("канал", max_length=16, choices=Channel.choices)
    is_enabled = models.BooleanField("получать", default=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="изменил", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "настройка уведомлений клиента"
        verbose_name_plural = "настройки уведомлений клиентов"
        ordering = ["customer", "type", "channel"]
        constraints = [models.UniqueConstraint(fields=["customer", "type", "channel"],
                                               name="notification_preference_unique")]

    def __str__(self) -> str:
        return f"{self.customer}: {self.type} / {self.get_channel_display()} — {'да' if self.is_enabled else 'нет'}"


class NotificationContact(TimeStampedModel):
    """An address or phone the customer gave for notices. Used only once confirmed: a code is sent to the
    new address (or phone, by an auto-informing call) and typed back; the previous confirmed contact of the
    same kind stays in use until then."""

    class Kind(models.TextChoices):
        EMAIL = "email", "e-mail"
        PHONE = "phone", "телефон"

    class Status(models.TextChoices):
        PENDING = "pending", "ждёт подтверждения"
        CONFIRMED = "confirmed", "подтверждён"
        REPLACED = "replaced", "заменён"

    customer = models.ForeignKey(Customer, verbose_name="клиент", on_delete=models.CASCADE,
                                 related_name="notification_contacts")
    kind = models.CharField("вид", max_length=8, choices=Kind.choices)
    value = models.CharField("адрес или телефон", max_length=254)
    status = models.CharField("состояние", max_length=16, choices=Status.choices, default=Status.PENDING)
    code_hash = models.CharField("SHA-256 кода", max_length=64, editable=False)
    code_expires_at = models.DateTimeField("код действует до")
    attempts = models.PositiveSmallIntegerField("попыток ввода кода", default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="указал", on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField("подтверждён", null=True, blank=True)

    class Meta:
        verbose_name = "контакт для уведомлений"
        verbose_name_plural = "контакты для уведомлений"
        ordering = ["customer", "kind", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind"], condition=Q(status="confirmed"),
                                    name="notification_contact_one_confirmed"),
        ]

    def __str__(self) -> str:
        return f"{self.customer}: {self.value} ({self.get_status_display()})"


class NotificationQuerySet(models.QuerySet):
    def for_customer(self, customer) -> "NotificationQuerySet":
        return self.filter(customer=customer)

    def due(self, now=None) -> "NotificationQuerySet":
        return self.filter(status=Notification.Status.QUEUED, next_attempt_at__lte=now or timezone.now())


class Notification(models.Model):
    """One notice to one recipient by one channel: what was sent (rendered subject and text), where, when,
    and what the channel reported (sent, delivered, read, failed). The proof of notice; never deleted.
    `dedupe_key` names the occasion (type, customer, account, date, channel), so the same occasion twice
    is one row and a rerun sends nothing new."""

    class Status(models.TextChoices):
        QUEUED = "queued", "в очереди"
        SENDING = "sending", "отправляется"
        SENT = "sent", "отправлено"
        DELIVERED = "delivered", "доставлено"
        READ = "read", "прочитано"
        FAILED = "failed", "не доставлено"

    SENT_STATUSES = (Status.SENT, Status.DELIVERED, Status.READ)

    type = models.ForeignKey(NotificationType, verbose_name="тип", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("код типа", max_length=40, db_index=True)
    channel = models.CharField("канал", max_length=16, choices=Channel.choices)
    customer = models.ForeignKey(Customer, verbose_name="клиент", on_delete=models.PROTECT,
                                 related_name="notifications")
    account = models.ForeignKey("customers.BillingAccount", verbose_name="лицевой счёт", on_delete=models.PROTECT,
                                null=True, blank=True, related_name="notifications")
    appeal = models.ForeignKey("appeals.Appeal", verbose_name="обращение", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    campaign = models.ForeignKey(Campaign, verbose_name="рассылка", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="notifications")
    rule = models.ForeignKey(NotificationRule, verbose_name="правило", on_delete=models.PROTECT, null=True,
                             blank=True, related_name="notifications")
    recipient = models.CharField("получатель", max_length=254,
                                 help_text="Адрес e-mail, телефон, ИНН/КПП и ящик ЭДО или «личный кабинет».")
    subject = models.CharField("тема", max_length=300, blank=True)
    body = models.TextField("текст")
    is_mandatory = models.BooleanField("обязательное", default=False)
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField("попыток", default=0)
    next_attempt_at = models.DateTimeField("следующая попытка", default=timezone.now)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField("взято в отправку", null=True, blank=True, editable=False)
    provider_id = models.CharField("идентификатор в канале", max_length=300, blank=True, db_index=True)
    error = models.TextField("ошибка", blank=True)
    dedupe_key = models.CharField("ключ повтора", max_length=200, unique=True)
    created_at = models.DateTimeField("создано", default=timezone.now, db_index=True)
    sent_at = models.DateTimeField("отправлено", null=True, blank=True)
    delivered_at = models.DateTimeField("доставлено", null=True, blank=True)
    read_at = models.DateTimeField("прочитано", null=True, blank=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "уведомления"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["customer", "-created_at"], name="notification_customer"),
            models.Index(fields=["channel", "sent_at"], name="notification_channel_sent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sending", "sent", "delivered", "read", "failed"]),
                name="notification_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.type}: {self.recipient} ({self.get_status_display()})"

    @property
    def is_sent(self) -> bool:
        return self.status in self.SENT_STATUSES

    @property
    def recipient_display(self) -> str:
        """The recipient as a person reads it: a phone as «8 (3852) 50-63-11»."""
        from abonent.core.validators import format_phone

        return format_phone(self.recipient) if self.channel == Channel.PHONE else self.recipient


class SyncState(models.Model):
    """How far a sweep has read another app's table (the appeal events mirrored as notices)."""

    name = models.CharField("процесс", max_length=64, primary_key=True)
    position = models.BigIntegerField("позиция", default=0)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "позиция синхронизации"
        verbose_name_plural = "позиции синхронизации"

    def __str__(self) -> str:
        return f"{self.name}: {self.position}"

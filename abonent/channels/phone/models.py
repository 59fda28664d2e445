"""The call centre's records: the PBX's raw events, the call log built from them, caller identification,
call-back tasks and the queue of outbound auto-informing calls."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from abonent.core.models import HashedToken
from abonent.core.validators import format_phone


class PbxToken(HashedToken):
    """The secret a PBX puts in the webhook URL (/callcentre/pbx/<token>/). Only its SHA-256 is kept, as with
    the REST API's tokens: the token itself is shown once, when it is issued."""

    name = models.CharField("назначение", max_length=200, help_text="Например: «АТС FreePBX, основная».")

    class Meta(HashedToken.Meta):
        verbose_name = "токен АТС"
        verbose_name_plural = "токены АТС"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class BlockedNumber(models.Model):
    """A number whose calls the PBX is told to reject (the answer to newCall is «reject»): for repeated
    abuse of the line (standard 2.2.2.8), decided by the head of the group."""

    number = models.CharField("номер", max_length=32, unique=True,
                              help_text="Как присылает АТС; российские номера приводятся к виду +7XXXXXXXXXX.")
    reason = models.CharField("причина", max_length=300)
    is_active = models.BooleanField("действует", default=True)
    created_at = models.DateTimeField("внесён", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "заблокированный номер"
        verbose_name_plural = "заблокированные номера"
        ordering = ["number"]

    def __str__(self) -> str:
        return format_phone(self.number)


class PhoneExtension(models.Model):
    """The PBX extension (внутренний номер) of a call-centre operator: how a PBX event names its user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="сотрудник", on_delete=models.CASCADE,
                                related_name="phone_extension")
    extension = models.CharField("внутренний номер", max_length=32, unique=True)

    class Meta:
        verbose_name = "внутренний номер оператора"
        verbose_name_plural = "внутренние номера операторов"
        ordering = ["extension"]

    def __str__(self) -> str:
        return f"{self.extension} — {self.user}"


class PbxEvent(models.Model):
    """One event exactly as the PBX sent it, stored before it is applied: the history of the call and the
    means to replay it. The same event sent twice has the same key and is stored once."""

    call_id = models.CharField("идентификатор звонка в АТС", max_length=100, db_index=True)
    event = models.CharField("событие", max_length=20)
    dedup_key = models.CharField("ключ повтора", max_length=64,
                                 help_text="Порядковый номер события от АТС или SHA-256 содержимого.")
    payload = models.JSONField("содержимое", default=dict)
    event_time = models.DateTimeField("время события")
    received_at = models.DateTimeField("получено", default=timezone.now)

    class Meta:
        verbose_name = "событие АТС"
        verbose_name_plural = "события АТС"
        ordering = ["event_time", "pk"]
        constraints = [models.UniqueConstraint(fields=["call_id", "event", "dedup_key"], name="pbx_event_once")]

    def __str__(self) -> str:
        return f"{self.call_id}: {self.event}"


class Direction(models.TextChoices):
    INBOUND = "in", "входящий"
    OUTBOUND = "out", "исходящий"


class CallQuerySet(models.QuerySet):
    def inbound(self) -> "CallQuerySet":
        return self.filter(direction=Direction.INBOUND)

    def in_progress(self) -> "CallQuerySet":
        return self.filter(ended_at__isnull=True)


class Call(models.Model):
    """One telephone call through the PBX, with its phases: waiting in the queue, ringing at an operator,
    the talk. Built from the PBX's events, whatever their order; the outcome is derived from the phases
    (see services.derive_outcome)."""

    class Outcome(models.TextChoices):
        IN_PROGRESS = "", "идёт"
        ANSWERED = "answered", "принят"
        MISSED = "missed", "пропущен"
        ABANDONED = "abandoned", "сброшен в очереди"
        TRANSFERRED = "transferred", "переведён"
        ABUSE = "ended_by_operator_for_abuse", "прерван оператором (брань, оскорбления, угрозы)"
        REJECTED = "rejected", "отклонён (номер заблокирован)"
        OUTSIDE_HOURS = "outside_hours", "в нерабочее время"

    call_id = models.CharField("идентификатор звонка в АТС", max_length=100, unique=True)
    direction = models.CharField("направление", max_length=3, choices=Direction.choices, default=Direction.INBOUND)
    from_number = models.CharField("с номера", max_length=32, blank=True)
    to_number = models.CharField("на номер", max_length=32, blank=True)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="оператор", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="calls")
    operator_extension = models.CharField("внутренний номер", max_length=32, blank=True)
    customer = models.ForeignKey("customers.Customer", verbose_name="клиент", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="calls")
    started_at = models.DateTimeField("начало", null=True, blank=True)
    queued_at = models.DateTimeField("поставлен в очередь", null=True, blank=True)
    ringing_at = models.DateTimeField("вызов оператора", null=True, blank=True)
    answered_at = models.DateTimeField("ответ", null=True, blank=True)
    ended_at = models.DateTimeField("окончание", null=True, blank=True)
    hangup_cause = models.CharField("причина завершения", max_length=32, blank=True)
    transferred_to = models.CharField("переведён на", max_length=200, blank=True)
    is_rejected = models.BooleanField("отклонён", default=False)
    is_outside_hours = models.BooleanField("в нерабочее время", default=False)
    ended_for_abuse = models.BooleanField("прерван оператором за брань", default=False)
    abuse_note = models.CharField("что сказал клиент", max_length=500, blank=True)
    outcome = models.CharField("итог", max_length=32, choices=Outcome.choices, blank=True, default="")
    wait_seconds = models.PositiveIntegerField("ожидание, с", null=True, blank=True)
    talk_seconds = models.PositiveIntegerField("разговор, с", null=True, blank=True)
    ivr_digits = models.CharField("введено в IVR", max_length=50, blank=True)
    recording_ref = models.CharField("запись разговора", max_length=500, blank=True,
                                     help_text="Ссылка или идентификатор записи в АТС.")
    recording_warning_given = models.BooleanField("клиент предупреждён о записи", default=False)
    appeal = models.ForeignKey("appeals.Appeal", verbose_name="обращение", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = "звонок"
        verbose_name_plural = "звонки"
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["started_at"]), models.Index(fields=["operator", "started_at"])]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.customer_number_display} ({self.call_id})"

    @property
    def customer_number(self) -> str:
        """The customer's side of the call: the caller of an inbound call, the callee of an outbound one."""
        return self.from_number if self.direction == Direction.INBOUND else self.to_number

    @property
    def customer_number_display(self) -> str:
        return format_phone(self.customer_number)

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def is_live(self) -> bool:
        return self.ended_at is None

    @property
    def phase(self) -> str:
        if self.ended_at is not None:
            return "завершён"
        if self.answered_at is not None:
            return "разговор"
        if self.ringing_at is not None:
            return "вызов"
        if self.queued_at is not None:
            return "в очереди"
        return "поступил"


class CallIdentification(models.Model):
    """The operator's record that a caller named themselves and a billing account or contract number of the
    customer, or showed a valid power of attorney (standard 2.2.2.7) — or refused to; only after a success
    does the screen show the customer's settlements."""

    class Method(models.TextChoices):
        ACCOUNT_NUMBER = "account_number", "номер лицевого счёта"
        CONTRACT_NUMBER = "contract_number", "номер договора"
        POWER_OF_ATTORNEY = "power_of_attorney", "доверенность"
        REFUSED = "refused", "отказался назваться"

    call = models.ForeignKey(Call, verbose_name="звонок", on_delete=models.CASCADE, related_name="identifications")
    customer = models.ForeignKey("customers.Customer", verbose_name="клиент", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    method = models.CharField("способ", max_length=32, choices=Method.choices)
    caller_name = models.CharField("как представился", max_length=200, blank=True)
    number_given = models.CharField("названный номер", max_length=50, blank=True)
    representative = models.ForeignKey("customers.Representative", verbose_name="представитель", null=True,
                                       blank=True, on_delete=models.PROTECT, related_name="+")
    identified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="оператор", on_delete=models.PROTECT,
                                      related_name="+")
    created_at = models.DateTimeField("когда", default=timezone.now)

    class Meta:
        verbose_name = "идентификация звонящего"
        verbose_name_plural = "идентификации звонящих"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.call.call_id}: {self.get_method_display()}"

    @property
    def is_successful(self) -> bool:
        return self.method != self.Method.REFUSED


class CallBack(models.Model):
    """A task to call a customer back after a missed or abandoned call, due at the line's next working
    moment. A call that turns out to have been answered (a late event) cancels its untouched task."""

    class Status(models.TextChoices):
        OPEN = "open", "ожидает"
        DONE = "done", "выполнен"
        CANCELLED = "cancelled", "не нужен"

    call = models.OneToOneField(Call, verbose_name="звонок", on_delete=models.CASCADE, related_name="callback")
    number = models.CharField("номер", max_length=32)
    customer = models.ForeignKey("customers.Customer", verbose_name="клиент", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    due_at = models.DateTimeField("перезвонить до")
    status = models.CharField("состояние", max_length=16, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="оператор", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    result = models.CharField("результат", max_length=500, blank=True)
    done_at = models.DateTimeField("выполнен", null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="кем выполнен", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("создан", default=timezone.now)

    class Meta:
        verbose_name = "обратный звонок"
        verbose_name_plural = "обратные звонки"
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return f"Перезвонить {format_phone(self.number)}"

    @property
    def number_display(self) -> str:
        return format_phone(self.number)


class OutboundCall(models.Model):
    """An auto-informing call the PBX makes: it fetches queued rows, plays the text or the audio template and
    reports the result; busy and no answer are retried with a growing pause until max_attempts."""

    class Status(models.TextChoices):
        QUEUED = "queued", "в очереди"
        IN_PROGRESS = "in_progress", "набирается"
        ANSWERED = "answered", "отвечен"
        BUSY = "busy", "занято"
        NO_ANSWER = "no_answer", "нет ответа"
        FAILED = "failed", "ошибка"

    FINAL = (Status.ANSWERED, Status.BUSY, Status.NO_ANSWER, Status.FAILED)

    number = models.CharField("номер", max_length=32)
    message_text = models.TextField("текст сообщения", blank=True)
    audio_template = models.CharField("звуковой шаблон", max_length=200, blank=True)
    source = models.CharField("источник", max_length=200, blank=True, help_text="Например: notification:15.")
    status = models.CharField("состояние", max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField("попыток", default=0)
    max_attempts = models.PositiveSmallIntegerField("попыток не более", default=3)
    next_attempt_at = models.DateTimeField("следующая попытка", default=timezone.now)
    claimed_at = models.DateTimeField("взят АТС", null=True, blank=True)
    result = models.CharField("результат", max_length=500, blank=True)
    created_at = models.DateTimeField("создан", default=timezone.now)
    finished_at = models.DateTimeField("завершён", null=True, blank=True)

    class Meta:
        verbose_name = "исходящий автозвонок"
        verbose_name_plural = "исходящие автозвонки"
        ordering = ["next_attempt_at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{format_phone(self.number)}: {self.get_status_display()}"

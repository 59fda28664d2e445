"""The EDO channel's own tables (standard 2.2.7): how to reach each of our boxes at an operator and how its
polls went, every incoming document taken from a box (once), and the durable outbox of replies and notices."""

import uuid

from django.db import models
from django.utils import timezone

from abonent.core.models import TimeStampedModel


class Operator(models.TextChoices):
    DIADOC = "diadoc", "Диадок (Контур)"
    SBIS = "sbis", "СБИС (Тензор)"


class EdoBox(TimeStampedModel):
    """Our box at an operator. Credentials are write-only in the admin."""

    operator = models.CharField("оператор", max_length=16, choices=Operator.choices)
    title = models.CharField("название", max_length=200)
    box_id = models.CharField(
        "идентификатор ящика", max_length=200,
        help_text="Диадок: BoxId (GUID). СБИС: ИНН/КПП нашей организации, например 2221000002/222101001.")
    base_url = models.URLField("адрес API", help_text="Диадок: https://diadoc-api.kontur.ru, "
                                                      "СБИС: https://online.sbis.ru")
    login = models.CharField("логин", max_length=200)
    password = models.CharField("пароль", max_length=500, blank=True)
    api_client_id = models.CharField("ключ разработчика (Диадок)", max_length=200, blank=True)
    polling_enabled = models.BooleanField("опрашивать", default=True)
    poll_interval_minutes = models.PositiveSmallIntegerField("интервал опроса, мин", default=5)
    cursor = models.CharField("позиция в ленте", max_length=500, blank=True)
    last_poll_at = models.DateTimeField("последний опрос", null=True, blank=True)
    last_error = models.TextField("последняя ошибка", blank=True)
    registered_count = models.PositiveIntegerField("зарегистрировано обращений", default=0)
    locked_until = models.DateTimeField("опрос занят до", null=True, blank=True, editable=False)
    lock_token = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "ящик ЭДО"
        verbose_name_plural = "ящики ЭДО"
        ordering = ["operator", "title"]
        constraints = [models.UniqueConstraint(fields=["operator", "box_id"], name="edo_box_unique_operator_box")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_operator_display()})"

    def is_due(self, now=None) -> bool:
        now = now or timezone.now()
        return self.last_poll_at is None or (now - self.last_poll_at).total_seconds() >= (
            self.poll_interval_minutes * 60 - 30)


class EdoIncoming(models.Model):
    """One incoming document, written in the same transaction as its appeal (so at most once per box)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "зарегистрировано обращение"
        DUPLICATE = "duplicate", "повтор уже зарегистрированного"

    box = models.ForeignKey(EdoBox, verbose_name="ящик", on_delete=models.PROTECT, related_name="incoming")
    document_id = models.CharField("идентификатор документа у оператора", max_length=200)
    sender_inn = models.CharField("ИНН отправителя", max_length=12, blank=True)
    sender_kpp = models.CharField("КПП отправителя", max_length=9, blank=True)
    sender_name = models.CharField("отправитель", max_length=500, blank=True)
    sender_box = models.CharField("ящик отправителя", max_length=200, blank=True)
    title = models.CharField("название", max_length=500, blank=True)
    raw = models.JSONField("метаданные оператора", default=dict)
    appeal = models.ForeignKey("appeals.Appeal", verbose_name="обращение", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    status = models.CharField("результат", max_length=16, choices=Status.choices, default=Status.REGISTERED)
    received_at = models.DateTimeField("получено", default=timezone.now)

    class Meta:
        verbose_name = "входящий документ ЭДО"
        verbose_name_plural = "входящие документы ЭДО"
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["box", "document_id"], name="edo_incoming_unique_document")]

    def __str__(self) -> str:
        return f"{self.box}: {self.document_id}"


class EdoOutgoing(TimeStampedModel):
    """A reply or notice to send through a box: written in the caller's transaction, sent by a task,
    retried with backoff, and followed up to the recipient's receipt."""

    class Status(models.TextChoices):
        QUEUED = "queued", "в очереди"
        SENDING = "sending", "отправляется"
        SENT = "sent", "отправлено"
        DELIVERED = "delivered", "доставлено"
        READ = "read", "получено адресатом"
        FAILED = "failed", "не доставлено"

    operation_id = models.UUIDField("идентификатор операции", default=uuid.uuid4, unique=True, editable=False)
    box = models.ForeignKey(EdoBox, verbose_name="ящик", on_delete=models.PROTECT, related_name="outgoing")
    appeal = models.ForeignKey("appeals.Appeal", verbose_name="обращение", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    reply = models.ForeignKey("appeals.Reply", verbose_name="ответ", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    counterparty_inn = models.CharField("ИНН получателя", max_length=12)
    counterparty_kpp = models.CharField("КПП получателя", max_length=9, blank=True)
    counterparty_box = models.CharField("ящик получателя", max_length=200, blank=True)
    title = models.CharField("название документа", max_length=500)
    provider_message_id = models.CharField("идентификатор у оператора", max_length=200, blank=True)
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField("попыток", default=0)
    next_attempt_at = models.DateTimeField("следующая попытка", default=timezone.now)
    last_error = models.TextField("последняя ошибка", blank=True)
    sent_at = models.DateTimeField("отправлено", null=True, blank=True)
    delivered_at = models.DateTimeField("доставлено", null=True, blank=True)
    read_at = models.DateTimeField("получено адресатом", null=True, blank=True)
    status_checked_at = models.DateTimeField("статус проверен", null=True, blank=True)

    class Meta:
        verbose_name = "исходящий документ ЭДО"
        verbose_name_plural = "исходящие документы ЭДО"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="edo_outgoing_due")]

    def __str__(self) -> str:
        return self.title


class EdoOutgoingFile(models.Model):
    outgoing = models.ForeignKey(EdoOutgoing, on_delete=models.CASCADE, related_name="files")
    name = models.CharField("имя файла", max_length=300)
    content = models.BinaryField("содержимое")

    class Meta:
        verbose_name = "файл исходящего документа ЭДО"
        verbose_name_plural = "файлы исходящих документов ЭДО"

    def __str__(self) -> str:
        return self.name

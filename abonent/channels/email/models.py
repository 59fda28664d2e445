"""The e-mail channel's own tables (standard 2.2.6): how to reach each company mailbox, every message
read from it (raw bytes kept before parsing; the quarantine is the unreadable ones), and the durable
outbox of replies and notices."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from abonent.core.models import TimeStampedModel


class MailboxConnection(TimeStampedModel):
    """How the poller reaches a company mailbox over IMAP, and how the last polls went."""

    class Security(models.TextChoices):
        SSL = "ssl", "SSL/TLS (IMAPS)"
        STARTTLS = "starttls", "STARTTLS"
        PLAIN = "plain", "без шифрования (только 127.0.0.1)"

    mailbox = models.OneToOneField("organisation.Mailbox", verbose_name="почтовый ящик", on_delete=models.CASCADE,
                                   related_name="connection")
    host = models.CharField("IMAP-сервер", max_length=200)
    port = models.PositiveIntegerField("порт", default=993)
    security = models.CharField("защита соединения", max_length=16, choices=Security.choices,
                                default=Security.SSL)
    username = models.CharField("логин", max_length=200)
    password = models.CharField("пароль", max_length=500, blank=True)
    folder = models.CharField("папка входящих", max_length=200, default="INBOX")
    processed_folder = models.CharField(
        "папка обработанных", max_length=200, blank=True,
        help_text="Куда перемещать письма, принятые в систему (сохранённые для регистрации). Пусто — письмо "
                  "остаётся в папке с пометкой.")
    poll_enabled = models.BooleanField("опрашивать", default=True)
    last_poll_at = models.DateTimeField("последний опрос", null=True, blank=True)
    last_error = models.TextField("последняя ошибка", blank=True)
    registered_count = models.PositiveIntegerField("зарегистрировано обращений", default=0)
    locked_until = models.DateTimeField("опрос занят до", null=True, blank=True, editable=False)
    lock_token = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "подключение к почтовому ящику"
        verbose_name_plural = "подключения к почтовым ящикам"
        ordering = ["mailbox__address"]

    def __str__(self) -> str:
        return f"{self.mailbox} ({self.host}:{self.port})"


class InboundEmail(models.Model):
    """One message read from a mailbox, recorded before it is parsed: its place on the server
    (folder, UIDVALIDITY, UID), its raw bytes and what became of it. A message that cannot be parsed
    at all stays here, quarantined, for staff to register by hand."""

    class Status(models.TextChoices):
        RECEIVED = "received", "получено, не обработано"
        REGISTERED = "registered", "зарегистрировано обращение"
        THREADED = "threaded", "добавлено к обращению"
        DUPLICATE = "duplicate", "повтор уже зарегистрированного"
        IGNORED = "ignored", "автоответ или уведомление о доставке"
        QUARANTINED = "quarantined", "карантин: не удалось разобрать"
        RESOLVED = "resolved", "карантин: зарегистрировано вручную"

    DONE = (Status.REGISTERED, Status.THREADED, Status.DUPLICATE, Status.IGNORED, Status.QUARANTINED,
            Status.RESOLVED)

    connection = models.ForeignKey(MailboxConnection, verbose_name="почтовый ящик", on_delete=models.PROTECT,
                                   related_name="inbound")
    folder = models.CharField("папка", max_length=200)
    uidvalidity = models.BigIntegerField("UIDVALIDITY")
    uid = models.BigIntegerField("UID")
    message_id = models.CharField("Message-ID", max_length=998, blank=True)
    source_key = models.CharField("ключ источника", max_length=300, blank=True)
    raw = models.BinaryField("исходное письмо")
    size = models.PositiveIntegerField("размер, байт", default=0)
    sender = models.CharField("отправитель", max_length=300, blank=True)
    subject = models.CharField("тема", max_length=300, blank=True)
    status = models.CharField("результат", max_length=16, choices=Status.choices, default=Status.RECEIVED)
    detail = models.TextField("подробности", blank=True)
    appeal = models.ForeignKey("appeals.Appeal", verbose_name="обращение", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    fetched_at = models.DateTimeField("получено", default=timezone.now)
    processed_at = models.DateTimeField("обработано", null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="разобрал", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "входящее письмо"
        verbose_name_plural = "входящие письма"
        ordering = ["-fetched_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["connection", "folder", "uidvalidity", "uid"],
                                               name="inbound_email_imap_position")]
        indexes = [models.Index(fields=["status", "-fetched_at"], name="inbound_email_status")]

    def __str__(self) -> str:
        return f"{self.connection.mailbox} UID {self.uid}: {self.subject or self.message_id}"


class OutgoingEmail(TimeStampedModel):
    """A message to a customer in the durable outbox: written in the same transaction as the reply or
    notice it carries, sent by a task, retried on transient SMTP errors, never sent twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", "в очереди"
        SENDING = "sending", "отправляется"
        SENT = "sent", "отправлено"
        FAILED = "failed", "не доставлено"

    message_id = models.CharField("Message-ID", max_length=300, unique=True)
    appeal = models.ForeignKey("appeals.Appeal", verbose_name="обращение", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    reply = models.ForeignKey("appeals.Reply", verbose_name="ответ", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    from_email = models.CharField("от кого", max_length=300)
    recipients = models.JSONField("кому", default=list)
    subject = models.CharField("тема", max_length=500)
    body = models.TextField("текст")
    in_reply_to = models.CharField("In-Reply-To", max_length=998, blank=True)
    references = models.TextField("References", blank=True)
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField("попыток", default=0)
    next_attempt_at = models.DateTimeField("следующая попытка", default=timezone.now)
    last_error = models.TextField("последняя ошибка", blank=True)
    sent_at = models.DateTimeField("отправлено", null=True, blank=True)

    class Meta:
        verbose_name = "исходящее письмо"
        verbose_name_plural = "исходящие письма"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outgoing_email_due")]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.recipients)}"


def outgoing_attachment_path(instance: "OutgoingAttachment", filename: str) -> str:
    return f"email/outbox/{instance.email.created_at:%Y/%m}/{instance.email_id}-{instance.sha256[:16]}"


class OutgoingAttachment(models.Model):
    """A file sent with an outgoing message (the signed reply PDF), kept until it is sent and after."""

    email = models.ForeignKey(OutgoingEmail, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField("имя файла", max_length=255)
    content_type = models.CharField("тип", max_length=100)
    sha256 = models.CharField(max_length=64)
    file = models.FileField("файл", upload_to=outgoing_attachment_path)

    class Meta:
        verbose_name = "вложение исходящего письма"
        verbose_name_plural = "вложения исходящих писем"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

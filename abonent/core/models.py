from auditlog.models import LogEntry
from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    """Base for rows that record when they were created and last changed."""

    created_at = models.DateTimeField("создано", auto_now_add=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(LogEntry):
    """The audit log as the back office reads it: django-auditlog's entries, never editable."""

    class Meta:
        proxy = True
        verbose_name = "запись журнала аудита"
        verbose_name_plural = "журнал аудита"
        permissions = [("view_audit_log", "Может читать журнал аудита")]


class HashedToken(models.Model):
    """A secret an external system presents (an API token, a PBX webhook token). Only its SHA-256 is kept:
    the token itself is shown once, when it is issued; a revoked one stays as the record."""

    key_hash = models.CharField("SHA-256 токена", max_length=64, unique=True, editable=False)
    prefix = models.CharField("начало токена", max_length=8, editable=False)
    created_at = models.DateTimeField("выдан", default=timezone.now, editable=False)
    last_used_at = models.DateTimeField("последнее использование", null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField("отозван", null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Heartbeat(models.Model):
    """The last time a periodic process showed it was alive (the scheduler writes one every minute), so
    the health endpoint can tell a stopped scheduler from a quiet one."""

    name = models.CharField("процесс", max_length=64, primary_key=True)
    beat_at = models.DateTimeField("последний сигнал")

    class Meta:
        verbose_name = "сигнал процесса"
        verbose_name_plural = "сигналы процессов"
        permissions = [("view_operations", "Может видеть состояние системы и сбои фоновых задач")]

    def __str__(self) -> str:
        return f"{self.name}: {self.beat_at:%d.%m.%Y %H:%M}"


class RateCounter(models.Model):
    """A rate limit's request counter for one client and one fixed window (abonent.core.ratelimit), kept here
    when the shared cache is the database: counted up in one statement, gone after its window."""

    key = models.CharField("ключ", max_length=150, primary_key=True)
    count = models.PositiveIntegerField("запросов")
    expires_at = models.DateTimeField("действует до", db_index=True)

    class Meta:
        verbose_name = "счётчик запросов"
        verbose_name_plural = "счётчики запросов"

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"

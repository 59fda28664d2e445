from auditlog.models import LogEntry
from django.db import models


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

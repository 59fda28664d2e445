"""The audit log: django-auditlog's LogEntry records changes of registered models (who, when, what,
from which address, set by AuditlogMiddleware); this module adds the record of *views* of confidential
data, which the law and the standard (2.2.2.7) care about as much as changes."""

from auditlog.models import LogEntry
from django.db import models


def record_access(instance: models.Model, what: str) -> LogEntry:
    """Record that the current user (from the request context) viewed confidential data of `instance`."""
    return LogEntry.objects.log_create(
        instance, force_log=True, action=LogEntry.Action.ACCESS, additional_data={"viewed": what}
    )


def entries_for(instance: models.Model):
    """The audit trail of one object, newest first."""
    return LogEntry.objects.get_for_object(instance).select_related("actor").order_by("-timestamp")

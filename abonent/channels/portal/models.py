"""What the portal channel keeps: the notices about an appeal shown to the customer in the portal."""

import hashlib

from django.db import models
from django.utils import timezone


def notice_digest(subject: str, body: str) -> str:
    return hashlib.sha256(f"{subject}\n\n{body}".encode()).hexdigest()


class PortalNotice(models.Model):
    """A notice about an appeal (the acknowledgement with the number and term, an extension of the term)
    delivered by showing it on the appeal's page in the portal. The same notice twice is one row."""

    appeal = models.ForeignKey("appeals.Appeal", verbose_name="обращение", on_delete=models.CASCADE,
                               related_name="portal_notices")
    subject = models.CharField("тема", max_length=300)
    body = models.TextField("текст")
    digest = models.CharField("отпечаток текста", max_length=64, editable=False)
    created_at = models.DateTimeField("показано с", default=timezone.now)

    class Meta:
        verbose_name = "уведомление в личном кабинете"
        verbose_name_plural = "уведомления в личном кабинете"
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["appeal", "digest"], name="portal_notice_once")]

    def __str__(self) -> str:
        return f"{self.appeal}: {self.subject}"

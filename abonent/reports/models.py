"""What the reports keep of their own: the management report of a month with the head's improvement
proposals (standard 1.3), and the record of every dispatch of it by e-mail, so that the scheduled run
on the 1st sends a month's report once however often it is started."""

from django.conf import settings
from django.db import models

from abonent.core.models import TimeStampedModel


class MonthlyReport(TimeStampedModel):
    """The monthly management report: its figures are computed from the registers whenever it is shown or
    sent; what is kept is what people add to it: the improvement proposals written by a head."""

    month = models.DateField("месяц", unique=True, help_text="Первое число месяца.")
    proposals = models.TextField("предложения по улучшению обслуживания", blank=True)
    proposals_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="предложения внёс",
                                     on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    proposals_at = models.DateTimeField("предложения изменены", null=True, blank=True)

    class Meta:
        verbose_name = "ежемесячный отчёт"
        verbose_name_plural = "ежемесячные отчёты"
        ordering = ["-month"]
        permissions = [
            ("view_reports", "Может смотреть отчёты и выгружать их"),
            ("write_proposals", "Может вносить предложения и рассылать ежемесячный отчёт"),
        ]

    def __str__(self) -> str:
        from abonent.reports.periods import month_title

        return f"Отчёт за {month_title(self.month)}"


class ReportDispatch(models.Model):
    """One sending of a monthly report to the head roles. The key makes a repeated request a no-op: the
    scheduled run of a month has the key «scheduled:YYYY-MM», a request from the page its form's token."""

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", "по расписанию"
        MANUAL = "manual", "по запросу"

    class Status(models.TextChoices):
        PENDING = "pending", "ожидает отправки"
        SENDING = "sending", "отправляется"
        SENT = "sent", "отправлен"
        FAILED = "failed", "ошибка отправки"

    report = models.ForeignKey(MonthlyReport, verbose_name="отчёт", on_delete=models.CASCADE,
                               related_name="dispatches")
    key = models.CharField("ключ запуска", max_length=100, unique=True)
    trigger = models.CharField("основание", max_length=16, choices=Trigger.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="запросил", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    status = models.CharField("состояние", max_length=16, choices=Status.choices, default=Status.PENDING)
    recipients = models.TextField("получатели", blank=True)
    attempts = models.PositiveSmallIntegerField("попыток отправки", default=0)
    created_at = models.DateTimeField("создан", auto_now_add=True)
    started_at = models.DateTimeField("начата отправка", null=True, blank=True)
    sent_at = models.DateTimeField("отправлен", null=True, blank=True)
    error = models.TextField("ошибка", blank=True)

    class Meta:
        verbose_name = "рассылка отчёта"
        verbose_name_plural = "рассылки отчётов"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.report}: {self.get_trigger_display()}, {self.get_status_display()}"

"""The reception desk (очный приём, standard 2.1): the visit log and the register of documents received
and issued at the reception centre."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from abonent.core.models import TimeStampedModel


class VisitQuerySet(models.QuerySet):
    def on_day(self, day: datetime.date) -> "VisitQuerySet":
        """Visits started on a local (Asia/Barnaul) calendar day."""
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        return self.filter(started_at__gte=start, started_at__lt=start + datetime.timedelta(days=1))

    def open(self) -> "VisitQuerySet":
        return self.filter(ended_at__isnull=True)


class Visit(TimeStampedModel):
    """A visit to the reception centre (standard 2.1.1): who came, how they were identified, what they came
    for, which documents changed hands, the appeal registered on the spot and how the visit ended."""

    class Identification(models.TextChoices):
        CONTRACT_NUMBER = "contract_number", "назван номер договора"
        IDENTITY_DOCUMENT = "identity_document", "документ, удостоверяющий личность"
        POWER_OF_ATTORNEY = "power_of_attorney", "доверенность"
        NONE = "none", "не идентифицирован"

    class EndReason(models.TextChoices):
        # Standard 2.1.4.9: the only grounds on which the specialist may stop serving a visitor.
        OFFENSIVE_LANGUAGE = "offensive_language", "нецензурные или оскорбительные выражения"
        INTOXICATION = "intoxication", "состояние алкогольного и/или наркотического опьянения"

    visitor_name = models.CharField("посетитель (ФИО)", max_length=300)
    customer = models.ForeignKey("customers.Customer", verbose_name="клиент", on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="visits",
                                 help_text="Пусто: будущий клиент, пришедший заключить договор, или не установлен.")
    representative = models.ForeignKey("customers.Representative", verbose_name="представитель",
                                       on_delete=models.PROTECT, null=True, blank=True, related_name="visits")
    identification = models.CharField("способ идентификации", max_length=32, choices=Identification.choices,
                                      default=Identification.NONE)
    contract_number = models.CharField("названный номер договора", max_length=50, blank=True)
    identity_document = models.CharField("предъявленный документ", max_length=300, blank=True)
    poa_valid = models.BooleanField("доверенность действительна на дату приёма", default=False)
    topic = models.ForeignKey("organisation.Topic", verbose_name="тема", on_delete=models.PROTECT,
                              null=True, blank=True, related_name="+")
    outcome = models.TextField("содержание консультации / итог приёма", blank=True)
    started_at = models.DateTimeField("начало приёма", default=timezone.now)
    ended_at = models.DateTimeField("окончание приёма", null=True, blank=True)
    specialist = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="специалист", on_delete=models.PROTECT,
                                   related_name="visits")
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="завершил", on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    ended_by_specialist = models.BooleanField("обслуживание прекращено специалистом", default=False)
    end_reason = models.CharField("основание прекращения", max_length=32, choices=EndReason.choices, blank=True)
    end_note = models.TextField("обстоятельства прекращения", blank=True)
    appeal = models.ForeignKey("appeals.Appeal", verbose_name="обращение", on_delete=models.PROTECT,
                               null=True, blank=True, related_name="visits")
    apology_given = models.TextField("принесены извинения (за что)", blank=True)
    is_conflict = models.BooleanField("конфликтная ситуация", default=False)
    conflict_note = models.TextField("описание конфликтной ситуации", blank=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = "посещение"
        verbose_name_plural = "журнал посещений"
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["-started_at"], name="visit_started_desc")]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                                   name="visit_ends_after_start"),
            models.CheckConstraint(condition=Q(ended_by_specialist=False) | ~Q(end_reason=""),
                                   name="visit_stop_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Приём {timezone.localtime(self.started_at):%d.%m.%Y %H:%M}: {self.visitor_name}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def is_identified(self) -> bool:
        """The visitor is known to act for a customer: only then may confidential documents be issued."""
        return self.identification != self.Identification.NONE and self.customer_id is not None

    @property
    def purpose_codes(self) -> list[str]:
        return [p.purpose for p in self.purposes.all()]


class VisitPurpose(models.Model):
    """What the visitor came for (the tasks of the reception desk, standard 2.1.1); a visit has several.
    One row per purpose, so reports count visits by purpose with a plain GROUP BY on both databases."""

    class Purpose(models.TextChoices):
        CONSULTATION = "consultation", "консультация по вопросам энергоснабжения"
        DOCUMENTS_RECEIVED = "documents_received", "приём документов"
        DOCUMENTS_ISSUED = "documents_issued", "выдача документов"
        APPEAL = "appeal", "обращение, претензия (жалоба)"
        CONTRACT_SERVICE = "contract_service", "услуги в рамках сопровождения договора"

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="purposes")
    purpose = models.CharField("цель посещения", max_length=32, choices=Purpose.choices)

    class Meta:
        verbose_name = "цель посещения"
        verbose_name_plural = "цели посещения"
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["visit", "purpose"], name="visit_purpose_once")]
        indexes = [models.Index(fields=["purpose"], name="visit_purpose")]

    def __str__(self) -> str:
        return self.get_purpose_display()


class VisitDocument(models.Model):
    """A line of the register of documents received from and issued to visitors (standard 2.1.1). An issued
    document is signed for by the person who receives it; their name is kept here."""

    class Direction(models.TextChoices):
        RECEIVED = "received", "принят"
        ISSUED = "issued", "выдан"

    class Type(models.TextChoices):
        SUPPLY_CONTRACT = "supply_contract", "договор энергоснабжения"
        ADDITIONAL_AGREEMENT = "additional_agreement", "дополнительное соглашение"
        CERTIFICATE = "certificate", "справка"
        STATEMENT = "statement", "выписка"
        PAYMENT_DOCUMENT = "payment_document", "платёжный документ (счёт, счёт-фактура, акт)"
        APPLICATION = "application", "заявление"
        POWER_OF_ATTORNEY_COPY = "power_of_attorney_copy", "копия доверенности"
        OTHER = "other", "прочее"

    # The customer's own contract terms, settlements and balances: given only to an identified visitor.
    CONFIDENTIAL_TYPES = frozenset({Type.SUPPLY_CONTRACT, Type.ADDITIONAL_AGREEMENT, Type.CERTIFICATE,
                                    Type.STATEMENT, Type.PAYMENT_DOCUMENT})

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="documents")
    direction = models.CharField("движение", max_length=16, choices=Direction.choices)
    doc_type = models.CharField("вид документа", max_length=32, choices=Type.choices)
    title = models.CharField("наименование", max_length=300)
    number = models.CharField("номер", max_length=100, blank=True)
    date = models.DateField("дата документа", null=True, blank=True)
    copies = models.PositiveSmallIntegerField("количество экземпляров", default=1)
    is_original = models.BooleanField("оригинал", default=True, help_text="Снято — копия.")
    receiver_name = models.CharField("получатель (ФИО, расписался)", max_length=300, blank=True)
    recorded_at = models.DateTimeField("внесено в реестр", default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="специалист", on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = "документ очного приёма"
        verbose_name_plural = "реестр принятых и выданных документов"
        ordering = ["recorded_at", "pk"]
        indexes = [models.Index(fields=["direction", "-recorded_at"], name="visit_doc_register")]
        constraints = [
            models.CheckConstraint(condition=Q(copies__gte=1), name="visit_doc_copies_positive"),
            models.CheckConstraint(condition=~Q(direction="issued") | ~Q(receiver_name=""),
                                   name="visit_doc_issued_has_receiver"),
        ]

    def __str__(self) -> str:
        number = f" № {self.number}" if self.number else ""
        return f"{self.get_direction_display()}: {self.title}{number}"

    @property
    def is_confidential(self) -> bool:
        return self.doc_type in self.CONFIDENTIAL_TYPES

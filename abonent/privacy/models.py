"""What the system keeps about its own handling of personal data (152-ФЗ): how long each kind of stored data
lives (policy rows, edited by the IT administrator), which records must not be destroyed (legal holds), what
the daily job destroyed (the act of destruction, Приказ Роскомнадзора № 179), and every export of a person's
data (ст. 14, 20)."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone


class RetentionPolicy(models.Model):
    """How many months one kind of stored data is kept before the daily job destroys it. Appeals themselves
    are kept forever (standard) and have no row here; a legal hold stops destruction whatever the period."""

    class Kind(models.TextChoices):
        CALL_RECORDINGS = "call_recordings", "записи телефонных разговоров"
        APPEAL_ATTACHMENTS = "appeal_attachments", "файлы клиентов в обращениях"
        RECEPTION_SCANS = "reception_scans", "сканы документов, принятых на очном приёме"
        MAIL_RAW = "mail_raw", "исходные письма из карантина почты, автоответы и повторы"
        TASK_RESULTS = "task_results", "результаты фоновых задач"
        ACCESS_LOGS = "access_logs", "журналы попыток входа (django-axes)"

    kind = models.CharField("вид данных", max_length=32, choices=Kind.choices, unique=True)
    months = models.PositiveSmallIntegerField("срок хранения, месяцев")
    is_active = models.BooleanField("уничтожать по истечении срока", default=True,
                                    help_text="Снято — ничего этого вида не уничтожается, пока флажок не вернут.")
    basis = models.CharField("основание срока", max_length=500, blank=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="изменил", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "срок хранения"
        verbose_name_plural = "сроки хранения"
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(condition=Q(months__gte=1) & Q(months__lte=1200), name="retention_months_range"),
        ]
        permissions = [("manage_retention", "Может настраивать сроки хранения и видеть акты уничтожения")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.months} мес."


class LegalHoldQuerySet(models.QuerySet):
    def active(self) -> "LegalHoldQuerySet":
        return self.filter(released_at__isnull=True)

    def ids_of(self, model: type[models.Model]) -> set[int]:
        """Primary keys of the objects of `model` under an active hold."""
        content_type = ContentType.objects.get_for_model(model)
        return set(self.active().filter(content_type=content_type).values_list("object_id", flat=True))


class LegalHold(models.Model):
    """A ban on destroying a record and everything hanging from it (a dispute, a court case, a regulator's
    request): on an appeal it keeps the appeal's files and the calls and letters tied to it; on a customer, all
    of the customer's; on a portal login, its login history. Released by a person, with a reason; never deleted."""

    HOLDABLE = ("appeals.appeal", "customers.customer", "phone.call", "email_channel.inboundemail", "users.user")

    content_type = models.ForeignKey(ContentType, verbose_name="вид объекта", on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField("идентификатор объекта")
    object_repr = models.CharField("объект", max_length=300)
    reason = models.TextField("основание запрета")
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="установил", on_delete=models.PROTECT,
                                  related_name="+")
    placed_at = models.DateTimeField("установлен", default=timezone.now)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="снял", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    released_at = models.DateTimeField("снят", null=True, blank=True)
    release_reason = models.TextField("основание снятия", blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = "запрет на уничтожение"
        verbose_name_plural = "запреты на уничтожение"
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], condition=Q(released_at__isnull=True),
                                    name="legal_hold_one_active"),
            models.CheckConstraint(condition=Q(released_at__isnull=True) | ~Q(release_reason=""),
                                   name="legal_hold_release_has_reason"),
        ]
        permissions = [("manage_legal_hold", "Может устанавливать и снимать запреты на уничтожение")]

    def __str__(self) -> str:
        return f"Запрет на уничтожение: {self.object_repr}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class RetentionRun(models.Model):
    """One run of the destruction job: the act of destruction (Приказ Роскомнадзора от 28.10.2022 № 179) with
    its items, kept 3 years like the act itself."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "ежедневное задание"
        COMMAND = "command", "команда manage.py retention"

    started_at = models.DateTimeField("начало", default=timezone.now)
    finished_at = models.DateTimeField("окончание", null=True, blank=True)
    trigger = models.CharField("запуск", max_length=16, choices=Trigger.choices)
    counts = models.JSONField("уничтожено по видам", default=dict, blank=True)
    errors = models.TextField("ошибки", blank=True)

    class Meta:
        verbose_name = "акт уничтожения"
        verbose_name_plural = "акты уничтожения"
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Акт уничтожения № {self.pk} от {timezone.localtime(self.started_at):%d.%m.%Y}"

    @property
    def total(self) -> int:
        return sum(int(v) for v in self.counts.values())


class DestroyedItem(models.Model):
    """One destroyed file or record, as the act lists it: what it was (never its content), where it was
    kept, its size and fingerprint."""

    run = models.ForeignKey(RetentionRun, verbose_name="акт", on_delete=models.PROTECT, related_name="items")
    kind = models.CharField("вид данных", max_length=32, choices=RetentionPolicy.Kind.choices)
    object_type = models.CharField("таблица", max_length=100)
    object_id = models.CharField("идентификатор", max_length=100)
    description = models.CharField("что уничтожено", max_length=500)
    detail = models.JSONField("подробности", default=dict, blank=True)
    destroyed_at = models.DateTimeField("уничтожено", default=timezone.now)

    class Meta:
        verbose_name = "уничтоженный объект"
        verbose_name_plural = "уничтоженные объекты"
        ordering = ["run", "kind", "pk"]

    def __str__(self) -> str:
        return self.description


class SubjectExport(models.Model):
    """One export of everything held on a person (a data-subject access request, 152-ФЗ ст. 14, 20): who
    asked, why, what was found and a fingerprint of the archive given out. The archive itself is not kept."""

    class Via(models.TextChoices):
        STAFF = "staff", "сотрудник по запросу субъекта"
        PORTAL = "portal", "сам субъект в личном кабинете"

    uuid = models.UUIDField("номер выгрузки", default=uuid.uuid4, unique=True, editable=False)
    via = models.CharField("как запрошена", max_length=8, choices=Via.choices)
    subject_kind = models.CharField("вид субъекта", max_length=32)
    subject_ref = models.CharField("ссылка на субъекта", max_length=300)
    subject_label = models.CharField("субъект", max_length=300)
    identifiers = models.JSONField("по каким данным искали", default=dict)
    reason = models.TextField("основание выгрузки")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="выгрузил", on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField("выгружено", default=timezone.now)
    counts = models.JSONField("найдено по разделам", default=dict)
    files_count = models.PositiveIntegerField("файлов в архиве", default=0)
    size = models.PositiveBigIntegerField("размер архива, байт", default=0)
    sha256 = models.CharField("SHA-256 архива", max_length=64, blank=True)

    class Meta:
        verbose_name = "выгрузка персональных данных"
        verbose_name_plural = "выгрузки персональных данных"
        ordering = ["-created_at", "-pk"]
        permissions = [("export_personal_data", "Может выгружать все персональные данные субъекта")]

    def __str__(self) -> str:
        return f"Выгрузка {self.subject_label} от {timezone.localtime(self.created_at):%d.%m.%Y %H:%M}"

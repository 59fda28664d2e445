from django.core.exceptions import ValidationError
from django.db import models

from abonent.core.models import TimeStampedModel
from abonent.core.validators import (
    format_phone,
    is_valid_bank_account,
    validate_bic,
    validate_inn,
    validate_kpp,
    validate_ogrn,
    validate_phone,
)


class Channel(models.TextChoices):
    """Channels of communication with customers (standard 2.2.1), one vocabulary for the whole system."""

    IN_PERSON = "in_person", "очный приём"
    PHONE = "phone", "телефон"
    POST = "post", "почта"
    WEB = "web", "интернет-приёмная"
    EMAIL = "email", "электронная почта"
    EDO = "edo", "ЭДО"
    PORTAL = "portal", "личный кабинет"


class Organisation(TimeStampedModel):
    """The supplier itself: one row, edited by the IT administrator; every page, letter and stamp reads it."""

    full_name = models.CharField("полное наименование", max_length=300)
    short_name = models.CharField("краткое наименование", max_length=150)
    inn = models.CharField("ИНН", max_length=10, validators=[validate_inn])
    kpp = models.CharField("КПП", max_length=9, validators=[validate_kpp])
    ogrn = models.CharField("ОГРН", max_length=13, validators=[validate_ogrn])
    bank_name = models.CharField("банк", max_length=200, blank=True)
    bic = models.CharField("БИК", max_length=9, blank=True, validators=[validate_bic])
    bank_account = models.CharField("расчётный счёт", max_length=20, blank=True)
    correspondent_account = models.CharField("корреспондентский счёт", max_length=20, blank=True)
    legal_address = models.CharField("юридический адрес", max_length=300, blank=True)
    reception_address = models.CharField("адрес центра по приёму потребителей", max_length=300)
    reception_room = models.CharField("кабинет приёма", max_length=50, blank=True)
    postal_address = models.CharField("почтовый адрес", max_length=300)
    phone = models.CharField("единый телефон", max_length=32, validators=[validate_phone])
    site = models.URLField("официальный сайт", blank=True)

    class Meta:
        verbose_name = "организация"
        verbose_name_plural = "организация"

    def __str__(self) -> str:
        return self.short_name

    def clean(self) -> None:
        errors = {}
        if self.bank_account and not is_valid_bank_account(self.bank_account, self.bic):
            errors["bank_account"] = "Расчётный счёт не сходится с БИК по контрольному ключу (20 цифр)."
        if self.correspondent_account and not is_valid_bank_account(self.correspondent_account, self.bic):
            errors["correspondent_account"] = "Корреспондентский счёт не сходится с БИК по контрольному ключу."
        if errors:
            raise ValidationError(errors)

    @classmethod
    def current(cls) -> "Organisation | None":
        return cls.objects.order_by("pk").first()

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    @property
    def reception_place(self) -> str:
        room = f", каб. {self.reception_room}" if self.reception_room else ""
        return f"{self.reception_address}{room}"


class Mailbox(TimeStampedModel):
    """A company mailbox that receives appeals (standard 2.2.6)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="mailboxes")
    address = models.EmailField("адрес", unique=True)
    title = models.CharField("назначение", max_length=200, blank=True)
    is_active = models.BooleanField("используется", default=True)

    class Meta:
        verbose_name = "почтовый ящик"
        verbose_name_plural = "почтовые ящики"
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address


class WorkingHours(models.Model):
    """When a channel serves customers on a weekday (standard 2.2.2.3). No row for a weekday: closed.
    Holidays and shortened pre-holiday days come from the production calendar."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "понедельник"
        TUESDAY = 1, "вторник"
        WEDNESDAY = 2, "среда"
        THURSDAY = 3, "четверг"
        FRIDAY = 4, "пятница"
        SATURDAY = 5, "суббота"
        SUNDAY = 6, "воскресенье"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="working_hours")
    channel = models.CharField("канал", max_length=16, choices=Channel.choices)
    weekday = models.PositiveSmallIntegerField("день недели", choices=Weekday.choices)
    opens_at = models.TimeField("начало")
    closes_at = models.TimeField("окончание")
    break_starts_at = models.TimeField("начало перерыва", null=True, blank=True)
    break_ends_at = models.TimeField("окончание перерыва", null=True, blank=True)

    class Meta:
        verbose_name = "режим работы"
        verbose_name_plural = "режим работы"
        ordering = ["channel", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "channel", "weekday"], name="one_hours_row_per_day"),
            models.CheckConstraint(condition=models.Q(opens_at__lt=models.F("closes_at")), name="opens_before_closes"),
        ]

    def __str__(self) -> str:
        day = f"{self.get_channel_display()}, {self.get_weekday_display()}"
        return f"{day}: {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class Topic(TimeStampedModel):
    """A subject of appeals (тематика), used for routing to the competent department and for reports."""

    name = models.CharField("тема", max_length=200, unique=True)
    code = models.SlugField("код", max_length=50, unique=True)
    is_active = models.BooleanField("используется", default=True)

    class Meta:
        verbose_name = "тема обращений"
        verbose_name_plural = "темы обращений"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Department(TimeStampedModel):
    """A structural department (структурное подразделение) and the topics it is competent for."""

    name = models.CharField("наименование", max_length=200, unique=True)
    short_name = models.CharField("краткое наименование", max_length=50, blank=True)
    code = models.SlugField("код", max_length=50, unique=True)
    is_reception_group = models.BooleanField(
        "группа по приёму потребителей", default=False,
        help_text="Сюда попадают обращения, для которых не нашлось компетентного подразделения.",
    )
    head = models.ForeignKey(
        "users.User", verbose_name="руководитель", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="headed_departments",
    )
    phone = models.CharField("телефон", max_length=32, blank=True, validators=[validate_phone])
    topics = models.ManyToManyField(Topic, verbose_name="компетенция (темы)", blank=True, related_name="departments")

    class Meta:
        verbose_name = "подразделение"
        verbose_name_plural = "подразделения"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_reception_group"], condition=models.Q(is_reception_group=True),
                name="one_reception_group",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def reception_group(cls) -> "Department | None":
        return cls.objects.filter(is_reception_group=True).first()

"""The Russian production calendar (производственный календарь) as an editable table.

Only exceptions are stored: an ordinary Monday–Friday is a working day and an ordinary Saturday or
Sunday is a day off without any row. The table is seeded from the `holidays` package (see seed.py)
and corrected by the heads in the admin when a government decree on day transfers appears.
"""

from django.db import models

from abonent.core.models import TimeStampedModel


class CalendarYear(models.Model):
    """A year whose calendar has been filled in, and where its data came from. The system check warns
    when the next year has no row after 1 October (the decree usually appears in the autumn)."""

    year = models.PositiveSmallIntegerField("год", unique=True)
    source = models.CharField("источник", max_length=500)
    seeded_at = models.DateTimeField("заполнен", null=True, blank=True)
    note = models.TextField("примечание", blank=True)

    class Meta:
        verbose_name = "производственный календарь: год"
        verbose_name_plural = "производственный календарь: годы"
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(TimeStampedModel):
    """A date that differs from the ordinary five-day week.

    * holiday — a non-working public holiday (Labour Code art. 112 part 1), even on a weekend;
    * transferred_day_off — a day off moved here by a government decree (art. 112 part 5) or a holiday
      that fell on a weekend (art. 112 part 2);
    * working_weekend — a Saturday or Sunday made a working day by a decree (рабочая суббота);
    * shortened — a working day one hour shorter because it precedes a holiday (art. 95). A shortened
      row on a Saturday or Sunday is a working weekend day that is also shortened.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "нерабочий праздничный день"
        TRANSFERRED_DAY_OFF = "transferred_day_off", "перенесённый выходной день"
        WORKING_WEEKEND = "working_weekend", "рабочий выходной день"
        SHORTENED = "shortened", "предпраздничный (сокращённый на 1 час) день"

    NON_WORKING_KINDS = frozenset({Kind.HOLIDAY, Kind.TRANSFERRED_DAY_OFF})
    WORKING_KINDS = frozenset({Kind.WORKING_WEEKEND, Kind.SHORTENED})

    date = models.DateField("дата", unique=True)
    kind = models.CharField("вид дня", max_length=24, choices=Kind.choices)
    name = models.CharField("название", max_length=200, blank=True)
    replaces = models.DateField(
        "отрабатывается за день", null=True, blank=True,
        help_text="Для рабочей субботы: будний день, на который перенесён выходной. "
                  "Часы работы берутся по этому дню недели.",
    )
    source = models.CharField("основание", max_length=300, blank=True)
    is_manual = models.BooleanField(
        "изменён вручную", default=False,
        help_text="Повторное заполнение календаря из пакета holidays не меняет и не удаляет такой день.",
    )

    class Meta:
        verbose_name = "производственный календарь: день"
        verbose_name_plural = "производственный календарь: дни"
        ordering = ["date"]

    def __str__(self) -> str:
        label = self.name or self.get_kind_display()
        return f"{self.date:%d.%m.%Y}: {label}"

    @property
    def is_working(self) -> bool:
        return self.kind in self.WORKING_KINDS

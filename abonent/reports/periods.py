"""Report periods: local dates of the organisation's time zone turned into the moments that bound the
queries, months and their Russian names."""

import datetime as dt
from dataclasses import dataclass

from abonent.calendar.services import local_zone

MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
          "ноябрь", "декабрь"]
MONTHS_PREPOSITIONAL = ["январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе", "сентябре",
                        "октябре", "ноябре", "декабре"]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    """The last day of the month of `month`."""
    return add_months(month_start(month), 1) - dt.timedelta(days=1)


def month_title(month: dt.date) -> str:
    """"октябрь 2026"."""
    return f"{MONTHS[month.month - 1]} {month.year}"


def month_key(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def parse_month(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Period:
    """Local dates from `first` to `last`, both included."""

    first: dt.date
    last: dt.date

    @classmethod
    def month(cls, month: dt.date) -> "Period":
        return cls(month_start(month), month_end(month))

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time.min, tzinfo=local_zone())

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period (the bound is exclusive)."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time.min, tzinfo=local_zone())

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def is_month(self) -> bool:
        return self.first.day == 1 and self.last == month_end(self.first)

    @property
    def by_day(self) -> bool:
        """Day rows for a period of up to two months, month rows for a longer one."""
        return self.days <= 62

    def previous(self) -> "Period":
        """The month before for a month; otherwise the same number of days just before."""
        if self.is_month:
            return Period.month(add_months(self.first, -1))
        return Period(self.first - dt.timedelta(days=self.days), self.first - dt.timedelta(days=1))

    @property
    def title(self) -> str:
        if self.is_month:
            return month_title(self.first)
        return f"{self.first:%d.%m.%Y} — {self.last:%d.%m.%Y}"

    @property
    def slug(self) -> str:
        return month_key(self.first) if self.is_month else f"{self.first:%Y-%m-%d}_{self.last:%Y-%m-%d}"

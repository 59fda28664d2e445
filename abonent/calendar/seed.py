"""Filling the production calendar from the `holidays` package, and the check that next year is there.

`holidays` carries Russia's public holidays (Labour Code art. 112) and the government decrees on day
transfers, but not the shortened pre-holiday days (art. 95); those are derived here. The logic lives in
one place, `sync_calendar`, which takes the model classes so the data migration can pass its
historical models and the management command the real ones.
"""

import datetime as dt
import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import holidays
from django.core import checks
from django.db import DatabaseError, transaction
from django.utils import timezone

HOLIDAY = "holiday"
TRANSFERRED_DAY_OFF = "transferred_day_off"
WORKING_WEEKEND = "working_weekend"
SHORTENED = "shortened"

ART_112 = "ТК РФ ст. 112"
ART_112_PART_2 = "ТК РФ ст. 112 ч. 2 (праздник совпал с выходным)"
ART_95 = "ТК РФ ст. 95 (выведено при заполнении календаря)"

# Decree numbers checked against the government's announcements; other years cite the consultant.ru
# document that the holidays package names in russia.py.
KNOWN_DECREES = {
    2024: "Постановление Правительства РФ от 10.08.2023 № 1314 «О переносе выходных дней в 2024 году»",
    2025: "Постановление Правительства РФ от 04.10.2024 № 1335 «О переносе выходных дней в 2025 году»",
}

_TRANSFER = re.compile(r"перенесено с (\d{2})\.(\d{2})\.(\d{4})")
_OBSERVED_SUFFIX = " (выходной)"


@dataclass(frozen=True)
class SeedDay:
    date: dt.date
    kind: str
    name: str
    source: str
    replaces: dt.date | None = None


def package_decree_urls() -> dict[int, str]:
    """The consultant.ru link that russia.py cites above each year's transfers (web archive prefix cut)."""
    try:
        text = inspect.getsource(holidays.countries.russia)
    except (OSError, TypeError):
        return {}
    urls = {}
    for year, url in re.findall(r"# Substituted Holidays (\d{4})\s*\n\s*# src: (\S+)", text):
        urls[int(year)] = re.sub(r"^https?://web\.archive\.org/web/\d+/", "", url)
    return urls


def has_package_transfers(year: int) -> bool:
    """Whether the installed `holidays` knows the decree on day transfers for the year."""
    from holidays.countries.russia import RussiaStaticHolidays

    return year in RussiaStaticHolidays.special_public_holidays


def decree_reference(*, year: int) -> str:
    """The decree on day transfers for the year as far as it is known, or "" when the package lacks it."""
    url = package_decree_urls().get(year)
    decree = KNOWN_DECREES.get(year) or (
        f"постановление Правительства РФ о переносе выходных дней в {year} году" if url else ""
    )
    return decree + (f" ({url})" if decree and url else "")


def year_source(*, year: int) -> str:
    version = f"holidays {holidays.__version__}"
    decree = decree_reference(year=year)
    if not decree:
        return f"пакет {version}: постановления о переносе выходных дней на {year} год в пакете нет"
    return f"{version}: {decree}"


def package_days(*, years: Iterable[int]) -> list[SeedDay]:
    """The rows the calendar should hold for the years, computed from `holidays` (language "ru").

    Shortened days (art. 95 shortens the working day "immediately preceding a non-working holiday"):
    * a working day whose next day is a holiday of art. 112 part 1 — not a transferred day off, so
      30.12.2025 before the transferred 31.12.2025 is a full day, as the State Duma explained;
    * a working weekend day whose day off was moved to a day right before a holiday: it is worked in
      place of that day, so 01.11.2025 (for 03.11) and 02.11.2024 (for 30.04) are shortened, while
      28.12.2024 (for 30.12, before a transferred day) is not.
    """
    wanted = sorted(set(years))
    if not wanted:
        return []
    # The next year is loaded too: 31 December is shortened when 1 January is a holiday.
    ru = holidays.country_holidays("RU", years=range(wanted[0], wanted[-1] + 2), language="ru")
    fallback = f"пакет holidays {holidays.__version__}"
    decree = {year: decree_reference(year=year) or fallback for year in wanted}

    days: dict[dt.date, SeedDay] = {}
    holiday_dates: set[dt.date] = set()
    replaced_by: dict[dt.date, dt.date] = {}  # working weekend day -> the weekday it is worked for
    for day, names in sorted(ru.items()):
        parts = names.split("; ")
        transfers = [m for m in map(_TRANSFER.search, parts) if m]
        if transfers:
            moved_from = dt.date(int(transfers[0][3]), int(transfers[0][2]), int(transfers[0][1]))
            replaced_by[moved_from] = day
            kind, name = TRANSFERRED_DAY_OFF, f"Выходной день, перенесённый с {moved_from:%d.%m.%Y}"
            source = decree.get(day.year, "")
        elif all(part.endswith(_OBSERVED_SUFFIX) for part in parts):
            holiday = parts[0].removesuffix(_OBSERVED_SUFFIX)
            kind, name = TRANSFERRED_DAY_OFF, f"Выходной день вместо праздника «{holiday}»"
            source = ART_112_PART_2
        else:
            holiday_dates.add(day)
            kind, name, source = HOLIDAY, names, ART_112
        if day.year in decree:
            days[day] = SeedDay(day, kind, name, source)

    non_working = set(ru)
    working_weekends = {day for day in ru.weekend_workdays if day.year in decree}

    def is_working(day: dt.date) -> bool:
        return day in working_weekends or (day.weekday() < 5 and day not in non_working)

    for day in sorted(working_weekends):
        replaces = replaced_by.get(day)
        name = f"Рабочий день (выходной перенесён на {replaces:%d.%m.%Y})" if replaces else "Рабочий день"
        shortened = day + dt.timedelta(days=1) in holiday_dates or (
            replaces is not None and replaces + dt.timedelta(days=1) in holiday_dates
        )
        kind = SHORTENED if shortened else WORKING_WEEKEND
        days[day] = SeedDay(day, kind, name + (", сокращённый на 1 час" if shortened else ""),
                            decree[day.year], replaces)
    for holiday_date in sorted(holiday_dates):
        eve = holiday_date - dt.timedelta(days=1)
        if eve.year in decree and eve not in days and is_working(eve):
            days[eve] = SeedDay(eve, SHORTENED, f"Предпраздничный день ({ru.get(holiday_date)})", ART_95)
    return sorted(days.values(), key=lambda seed_day: seed_day.date)


def sync_calendar(*, years: Iterable[int], day_model, year_model) -> dict[str, Any]:
    """Bring the table in line with the package for the years; idempotent.

    Rows marked is_manual are neither changed nor deleted. Other rows of these years that the package
    no longer yields (a newer `holidays` corrected a transfer) are deleted. A CalendarYear row is made
    only for years whose transfer decree the package knows, so the system check keeps warning about a
    year that has only the fixed holidays.
    """
    wanted = sorted(set(years))
    stats: dict[str, Any] = {
        "years": wanted, "created": 0, "updated": 0, "deleted": 0, "manual_kept": 0, "unconfirmed": [],
    }
    if not wanted:
        return stats
    computed = {seed_day.date: seed_day for seed_day in package_days(years=wanted)}
    fields = ("kind", "name", "source", "replaces")
    now = timezone.now()
    with transaction.atomic():
        existing = {
            row.date: row
            for row in day_model.objects.filter(date__year__gte=wanted[0], date__year__lte=wanted[-1])
            if row.date.year in wanted
        }
        changed_years: set[int] = set()
        for day, seed_day in computed.items():
            row = existing.get(day)
            if row is None:
                day_model.objects.create(date=day, **{f: getattr(seed_day, f) for f in fields})
                stats["created"] += 1
            elif row.is_manual:
                stats["manual_kept"] += 1
                continue
            elif any(getattr(row, f) != getattr(seed_day, f) for f in fields):
                for f in fields:
                    setattr(row, f, getattr(seed_day, f))
                row.save()
                stats["updated"] += 1
            else:
                continue
            changed_years.add(day.year)
        for day, row in existing.items():
            if day not in computed and not row.is_manual:
                row.delete()
                stats["deleted"] += 1
                changed_years.add(day.year)
        for year in wanted:
            if not has_package_transfers(year):
                stats["unconfirmed"].append(year)
                continue
            source = year_source(year=year)
            calendar_year, created = year_model.objects.get_or_create(
                year=year, defaults={"source": source, "seeded_at": now}
            )
            if not created and (calendar_year.source != source or year in changed_years):
                calendar_year.source, calendar_year.seeded_at = source, now
                calendar_year.save()
    return stats


def seed_years(years: Iterable[int]) -> dict[str, Any]:
    """Seed the years into the real tables (the management command and the admin use this)."""
    from abonent.calendar.models import CalendarDay, CalendarYear

    return sync_calendar(years=years, day_model=CalendarDay, year_model=CalendarYear)


def missing_next_year(*, today: dt.date, year_model) -> int | None:
    """The next year when it is after 1 October and that year has no CalendarYear row, else None."""
    if today < dt.date(today.year, 10, 1):
        return None
    next_year = today.year + 1
    return None if year_model.objects.filter(year=next_year).exists() else next_year


def check_next_year_seeded(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """System check: deadlines after 1 January would be counted without next year's holidays."""
    from abonent.calendar.models import CalendarYear

    try:
        year = missing_next_year(today=timezone.localdate(), year_model=CalendarYear)
    except DatabaseError:  # no tables yet (before migrate)
        return []
    if year is None:
        return []
    return [checks.Warning(
        f"В производственном календаре нет {year} года: сроки после 1 января будут считаться без праздников "
        f"и переносов {year} года.",
        hint=f"Обновите пакет holidays и выполните «manage.py seed_calendar --years {year}» "
             "или внесите дни по постановлению Правительства РФ вручную.",
        id="calendar.W001",
    )]

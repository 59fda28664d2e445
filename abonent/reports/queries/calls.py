"""The call centre's service levels (standard 2.2.1.2, 2.2.3): answered within 12 s, waits over 2 minutes,
talk time against the 4–5 minute norm, abandoned calls — in total, by day, by hour and by operator. The
figures are the call centre's own (`channels.phone.selectors.service_levels`), laid out as report tables."""

import datetime as dt

from django.core.cache import cache
from django.utils import timezone

from abonent.channels.phone.selectors import service_levels
from abonent.organisation.models import Channel
from abonent.reports.filters import ReportFilter
from abonent.reports.tables import Chart, Column, Kind, Section, Table

SETTLED_AFTER = dt.timedelta(days=1)
CACHE_SECONDS = 3600
FIGURES = [
    Column("offered", "Поступило"), Column("answered", "Принято"),
    Column("answered_within_12s", "Ответ за 12 с"), Column("answered_within_12s_share", "Доля за 12 с", Kind.SHARE),
    Column("waits_over_2min", "Ожидание > 2 мин"), Column("abandoned", "Сброшено в очереди"),
    Column("missed", "Пропущено"), Column("talk_average_seconds", "Средний разговор", Kind.SECONDS),
    Column("talks_over_5min", "Разговоров > 5 мин"),
    Column("talks_over_5min_share", "Доля разговоров > 5 мин", Kind.SHARE),
]
SUMMARY = [
    ("offered", "Поступило звонков (в часы работы линии)", Kind.INT),
    ("answered", "Принято", Kind.INT),
    ("answered_within_12s", "Отвечено за 12 с (не позже 4-го сигнала)", Kind.INT),
    ("answered_within_12s_share", "Доля ответов за 12 с", Kind.SHARE),
    ("waits_over_2min", "Ожидание дольше 2 мин", Kind.INT),
    ("abandoned", "Сброшено в очереди", Kind.INT),
    ("missed", "Пропущено", Kind.INT),
    ("transferred", "Переведено на специалистов", Kind.INT),
    ("talk_average_seconds", "Средняя продолжительность разговора (норма — не более 4–5 мин)", Kind.SECONDS),
    ("talk_p90_seconds", "90 % разговоров не дольше", Kind.SECONDS),
    ("talks_over_5min", "Разговоров дольше 5 мин", Kind.INT),
    ("talks_over_5min_share", "Доля разговоров дольше 5 мин", Kind.SHARE),
    ("outside_hours", "Звонков в нерабочее время", Kind.INT),
    ("rejected", "Отклонено (номер заблокирован)", Kind.INT),
]


def applies(f: ReportFilter) -> bool:
    return f.channel in ("", Channel.PHONE)


def levels(f: ReportFilter) -> dict | None:
    """The call centre's figures of the period. Those of a period over for a day (late PBX events are in by
    then) are kept in the cache for an hour: every monthly report and the sales head's tile compare with
    the month before, and service_levels scans every call of the period four times (once per grouping)."""
    if not applies(f):
        return None
    if f.period.end + SETTLED_AFTER > timezone.now():
        return service_levels(f.period.first, f.period.last)
    key = f"reports:calls:{f.period.first.isoformat()}:{f.period.last.isoformat()}"
    data = cache.get(key)
    if data is None:
        data = service_levels(f.period.first, f.period.last)
        cache.set(key, data, CACHE_SECONDS)
    return data


def _picked(row: dict) -> dict:
    return {c.key: row[c.key] for c in FIGURES}


def section(f: ReportFilter, data: dict | None = None) -> Section | None:
    data = data or levels(f)
    if data is None:
        return None
    summary = Table("calls_summary", "Уровень обслуживания call-центра",
                    [Column("figure", "Показатель", Kind.TEXT), Column("value", "Значение", Kind.TEXT)],
                    [{"figure": title, "value": data["total"][key], "_kinds": {"value": kind}}
                     for key, title, kind in SUMMARY])
    by_day = Table("calls_by_day", "По дням", [Column("day", "День", Kind.DATE), *FIGURES],
                   [{"day": row["day"], **_picked(row)} for row in data["by_day"]], total={"day": "Итого",
                   **_picked(data["total"])},
                   chart=Chart("line", "day", ["answered_within_12s_share"], title="Доля ответов за 12 с по дням"))
    by_hour = Table("calls_by_hour", "По часам", [Column("hour", "Час", Kind.TEXT), *FIGURES],
                    [{"hour": f"{row['hour']:02d}:00", **_picked(row)} for row in data["by_hour"]],
                    chart=Chart("bar", "hour", ["offered", "answered_within_12s", "abandoned"],
                                title="Звонки по часам"))
    by_operator = Table("calls_by_operator", "По операторам", [Column("operator", "Оператор", Kind.TEXT), *FIGURES],
                        [{"operator": row["operator"].short_name, **_picked(row)} for row in data["by_operator"]],
                        chart=Chart("hbar", "operator", ["answered_within_12s_share"],
                                    title="Доля ответов за 12 с по операторам"))
    notes = ["Входящие звонки по времени поступления; доля ответов за 12 с — от поступивших в часы работы линии."]
    if f.department is not None:
        notes.append("Звонки принимает группа по приёму потребителей: фильтр по подразделению к ним не применяется.")
    return Section("calls", "Call-центр", [summary, by_day, by_hour, by_operator], notes=notes)

"""Working-time arithmetic over the production calendar: working days, deadlines, opening hours.

The calendar's rows (only the exceptions to the five-day week: a few dozen a year) are kept as one copy per
process and loaded again after a change (abonent.core.process_cache): every registration computes a deadline,
and the calendar changes once a year. Dates are local dates of the organisation's time zone,
settings.TIME_ZONE (Asia/Barnaul, UTC+7 without daylight saving).
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from abonent.calendar.models import CalendarDay
from abonent.core.process_cache import ProcessCache
from abonent.organisation.models import Organisation, WorkingHours

ONE_DAY = dt.timedelta(days=1)
SHORTENED_BY = dt.timedelta(hours=1)  # Labour Code art. 95
_SEARCH_LIMIT_DAYS = 400  # how far next_open_moment looks before giving up


def _load_days() -> dict[dt.date, CalendarDay]:
    return {row.date: row for row in CalendarDay.objects.all()}


calendar_days: ProcessCache[dict[dt.date, CalendarDay]] = ProcessCache("calendar-days", _load_days)


def watch() -> None:
    """Connected once, from the app's ready()."""
    calendar_days.watch(CalendarDay)


class _Calendar:
    """The calendar's exception rows, as this process keeps them."""

    def __init__(self) -> None:
        self._rows = calendar_days.get()

    def row(self, day: dt.date) -> CalendarDay | None:
        return self._rows.get(day)

    def is_working(self, day: dt.date) -> bool:
        return _is_working(day, self.row(day))


def _is_working(day: dt.date, row: CalendarDay | None) -> bool:
    """An exception row decides; otherwise Monday to Friday work (five-day week, Labour Code art. 111)."""
    if row is not None:
        return row.kind in CalendarDay.WORKING_KINDS
    return day.weekday() < 5


def _non_negative(days: int) -> None:
    if days < 0:
        raise ValueError("Число дней не может быть отрицательным.")


def is_working_day(day: dt.date) -> bool:
    """Whether the day is a working day of the five-day week under the production calendar."""
    return _Calendar().is_working(day)


def working_days_in(first: dt.date, last: dt.date) -> dict[dt.date, bool]:
    """Whether each day from `first` to `last` (inclusive) is a working day."""
    calendar = _Calendar()
    return {first + dt.timedelta(days=n): calendar.is_working(first + dt.timedelta(days=n))
            for n in range((last - first).days + 1)}


def next_working_day(day: dt.date) -> dt.date:
    """The first working day strictly after `day`."""
    return add_working_days(day, 1)


def _first_working_on_or_after(calendar: _Calendar, day: dt.date) -> dt.date:
    while not calendar.is_working(day):
        day += ONE_DAY
    return day


def add_calendar_days(start: dt.date, days: int) -> dt.date:
    """start + days calendar days; if that day is non-working, the next working day.

    Civil Code art. 193: when the last day of a term falls on a non-working day, the term ends on the
    nearest following working day. 59-ФЗ art. 12 terms (30 days) are counted this way.
    """
    _non_negative(days)
    end = start + dt.timedelta(days=days)
    return _first_working_on_or_after(_Calendar(), end)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day counted from the day after `start` (0 returns `start` itself)."""
    _non_negative(days)
    calendar = _Calendar()
    day, left = start, days
    while left:
        day += ONE_DAY
        if calendar.is_working(day):
            left -= 1
    return day


def local_zone() -> dt.tzinfo:
    """The organisation's time zone: settings.TIME_ZONE, whatever time zone a request activated."""
    return timezone.get_default_timezone()


def _local(moment: dt.datetime) -> dt.datetime:
    if timezone.is_naive(moment):
        raise ValueError("Нужен момент времени с часовым поясом (aware datetime).")
    return moment.astimezone(local_zone())


def deadline_from(registered_at: dt.datetime, days: int, *, working_days: bool = False) -> dt.datetime:
    """The end (23:59:59.999999 local time, returned aware) of the last day of a term.

    The term runs from the day after registration (Civil Code art. 191) in local dates: calendar days
    with the art. 193 shift off a non-working last day, or working days when `working_days` is set.
    """
    start = _local(registered_at).date()
    last_day = add_working_days(start, days) if working_days else add_calendar_days(start, days)
    return dt.datetime.combine(last_day, dt.time.max, tzinfo=local_zone())


# --- Opening hours of the customer-service channels ---------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """One day's hours of a channel; the break (if any) is closed time inside them."""

    opens: dt.time
    closes: dt.time
    break_starts: dt.time | None = None
    break_ends: dt.time | None = None

    def is_open_at(self, moment: dt.time) -> bool:
        if not self.opens <= moment < self.closes:
            return False
        return not (self.break_starts and self.break_ends and self.break_starts <= moment < self.break_ends)


class _Hours:
    """The weekly WorkingHours of a channel (one query) combined with the calendar rows."""

    def __init__(self, *, channel: str) -> None:
        organisation = Organisation.current()
        rows = WorkingHours.objects.filter(organisation=organisation, channel=channel) if organisation else []
        self.weekly = {row.weekday: row for row in rows}
        self.calendar = _Calendar()

    def schedule(self, day: dt.date) -> Schedule | None:
        """The hours on the day, or None when the channel does not serve customers that day.

        A working Saturday or Sunday works the hours of the weekday whose day off was moved (the
        `replaces` date the decree names, e.g. 01.11.2025 for Monday 03.11.2025); when that is unknown
        (a row entered by hand without it) Monday's hours are used. On a shortened day (art. 95) the
        channel closes one hour earlier.
        """
        row = self.calendar.row(day)
        if not _is_working(day, row):
            return None
        weekday = day.weekday()
        if weekday >= 5:
            replaced = row.replaces if row is not None else None
            weekday = replaced.weekday() if replaced and replaced.weekday() < 5 else 0
        hours = self.weekly.get(weekday)
        if hours is None:
            return None
        closes = hours.closes_at
        if row is not None and row.kind == CalendarDay.Kind.SHORTENED:
            closes = (dt.datetime.combine(day, closes) - SHORTENED_BY).time()
            if closes <= hours.opens_at:
                return None
        break_starts, break_ends = hours.break_starts_at, hours.break_ends_at
        if break_starts and break_ends and break_starts >= closes:
            break_starts = break_ends = None
        return Schedule(hours.opens_at, closes, break_starts, break_ends)

    def next_opening(self, local: dt.datetime) -> dt.datetime | None:
        """The first local moment >= `local` at which the channel is open."""
        today = self.schedule(local.date())
        if today is not None:
            now = local.time()
            if today.is_open_at(now):
                return local
            for boundary in (today.opens, today.break_ends):
                if boundary is not None and now < boundary and today.is_open_at(boundary):
                    return local.replace(hour=boundary.hour, minute=boundary.minute, second=0, microsecond=0)
        day = local.date()
        for _ in range(_SEARCH_LIMIT_DAYS):
            day += ONE_DAY
            schedule = self.schedule(day)
            if schedule is not None:
                return dt.datetime.combine(day, schedule.opens, tzinfo=local.tzinfo)
        return None


def working_hours_on(channel: str, day: dt.date) -> tuple[dt.time, dt.time] | None:
    """(opens, closes) of the channel on the day, or None on a non-working day or without hours.

    See `_Hours.schedule` for working weekends and shortened days; a lunch break is not reported here.
    """
    schedule = _Hours(channel=channel).schedule(day)
    return (schedule.opens, schedule.closes) if schedule else None


def is_open(channel: str, moment: dt.datetime) -> bool:
    """Whether the channel serves customers at the (aware) moment, in the organisation's local time."""
    local = _local(moment)
    schedule = _Hours(channel=channel).schedule(local.date())
    return schedule is not None and schedule.is_open_at(local.time())


def next_open_moment(channel: str, moment: dt.datetime) -> dt.datetime | None:
    """The moment itself if the channel is open, else the next opening (aware, local time zone).

    None when the channel has no opening hours within about a year (no WorkingHours rows).
    """
    local = _local(moment)
    return _Hours(channel=channel).next_opening(local)


def _closed_reason(*, row: CalendarDay | None) -> str:
    if row is not None and row.kind == CalendarDay.Kind.HOLIDAY:
        return f"закрыто: праздничный день ({row.name})" if row.name else "закрыто: праздничный день"
    if row is not None and row.kind == CalendarDay.Kind.TRANSFERRED_DAY_OFF and row.name:
        return f"закрыто: {row.name[0].lower()}{row.name[1:]}"
    return "закрыто: выходной день"


def _when(*, opening: dt.datetime, today: dt.date) -> str:
    if opening.date() == today:
        day = "сегодня"
    elif opening.date() == today + ONE_DAY:
        day = "завтра"
    else:
        day = f"{opening:%d.%m}"
    return f"откроется {day} в {opening:%H:%M}"


def channel_state(channel: str, moment: dt.datetime) -> str:
    """The channel's state for the site, in Russian, e.g. «открыто до 17:00»,
    «закрыто: праздничный день (Новогодние каникулы), откроется 12.01 в 08:00»."""
    local = _local(moment)
    today = local.date()
    hours = _Hours(channel=channel)
    schedule = hours.schedule(today)
    now = local.time()
    if schedule is not None and schedule.is_open_at(now):
        until = schedule.closes
        if schedule.break_starts and schedule.break_ends and now < schedule.break_starts:
            until = schedule.break_starts
        return f"открыто до {until:%H:%M}"
    if schedule is None:
        reason = _closed_reason(row=hours.calendar.row(today))
    elif schedule.break_starts and schedule.break_ends and schedule.break_starts <= now < schedule.break_ends:
        reason = "закрыто: перерыв"
    else:
        reason = "закрыто"
    opening = hours.next_opening(local)
    return f"{reason}, {_when(opening=opening, today=today)}" if opening else reason

"""Meter readings sent by customers (portal) or taken by staff (phone, reception): the submission window of
the meter's reading group, validation and the consumption they give. The only way to add such a reading.

Windows (ПП 442 пп. 157, 159, 161; policy is data in ReadingGroup): e.g. meters in apartment buildings
from the 23rd to the 26th of the billing month; other meters of legal entities on the 1st–2nd of the next
month, for the month just ended (`for_previous_month`). Days past the month's end clamp to its last day;
holidays do not move the window. «Today» is the organisation's local date (settings.TIME_ZONE).
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from auditlog.models import LogEntry
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from abonent.billing.models import Meter, MeterReading, ReadingGroup
from abonent.core.text import plural

# A reading is questioned when the month's consumption exceeds JUMP_FACTOR × the average monthly consumption
# of the last HISTORY_MONTHS billing months; below JUMP_FLOOR register units (× the ratio) it never is, so a
# new meter or a small consumer is not asked about every reading.
JUMP_FACTOR = Decimal(3)
HISTORY_MONTHS = 6
JUMP_FLOOR = Decimal(1000)
# A value below the previous one is a rollover only if the register passed zero after a small part of its
# scale; a larger «rollover» is almost always a digit lost in typing.
ROLLOVER_MAX_SHARE = Decimal("0.1")
MAX_DECIMALS = 3  # MeterReading.value keeps three decimal places
_MILLI = Decimal("0.001")

MONTHS_NOMINATIVE = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
                     "октябрь", "ноябрь", "декабрь"]


class ReadingError(Exception):
    """A refused reading; the message is Russian and is shown to the person who sent it."""


class ReadingNeedsConfirmation(ReadingError):
    """The reading looks like an unusual jump in consumption: it is accepted only when confirmed."""

    def __init__(self, message: str, *, consumption: Decimal, average: Decimal | None, months: int,
                 threshold: Decimal) -> None:
        super().__init__(message)
        self.consumption = consumption
        self.average = average
        self.months = months
        self.threshold = threshold

    @property
    def consumption_text(self) -> str:
        return number_text(self.consumption)

    @property
    def average_text(self) -> str:
        return "" if self.average is None else number_text(round(self.average))


# --- wording -------------------------------------------------------------------------------------------

def number_text(value: Decimal | int | None) -> str:
    """"12 345,6": thousands by non-breaking spaces, a decimal comma, no trailing zeros."""
    if value is None:
        return "—"
    value = Decimal(value)
    text = f"{abs(value):f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    sign = "-" if value < 0 else ""
    return sign + "\u00a0".join(groups or ["0"]) + (f",{frac}" if frac else "")


def period_text(period: dt.date) -> str:
    """"ноябрь 2026"."""
    return f"{MONTHS_NOMINATIVE[period.month - 1]} {period.year}"


def _months_text(n: int) -> str:
    return "последний месяц" if n == 1 else f"последние {n} {plural(n, 'месяц', 'месяца', 'месяцев')}"


# --- windows -------------------------------------------------------------------------------------------

def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class ReadingWindow:
    """The days on which a meter's readings are accepted and the billing month they are for."""

    group: ReadingGroup
    first: dt.date
    last: dt.date
    period: dt.date  # the billing month (its first day) the window accepts readings for
    is_open: bool  # whether «today» (as asked) falls inside

    @property
    def dates_text(self) -> str:
        if self.first == self.last:
            return f"{self.first:%d.%m.%Y}"
        return f"{self.first:%d.%m.%Y}–{self.last:%d.%m.%Y}"

    @property
    def rule_text(self) -> str:
        """"с 23 по 26 число" / "с 1 по 2 число следующего месяца за прошедший месяц"."""
        g = self.group
        days = f"{g.first_day} числа" if g.first_day == g.last_day else f"с {g.first_day} по {g.last_day} число"
        if g.for_previous_month:
            days += " следующего месяца за прошедший месяц"
        if g.last_day > 28:
            days += " (в коротких месяцах — по последний день месяца)"
        return days


def _window_in(group: ReadingGroup, month: dt.date) -> tuple[dt.date, dt.date, dt.date]:
    length = calendar.monthrange(month.year, month.month)[1]
    first = month.replace(day=min(group.first_day, length))
    last = month.replace(day=min(group.last_day, length))
    period = _add_months(month, -1) if group.for_previous_month else month
    return first, last, period


def default_group() -> ReadingGroup | None:
    return ReadingGroup.objects.filter(is_default=True).order_by("pk").first()


_UNSET = object()


def window_for(meter: Meter, today: dt.date | None = None, *, default=_UNSET) -> ReadingWindow | None:
    """The window open on `today` or, when none is, the next one. None when neither the meter nor the
    defaults name a reading group. `default` saves the query for the default group on list pages."""
    today = today or timezone.localdate()
    group = meter.reading_group
    if group is None:
        group = default_group() if default is _UNSET else default
    if group is None:
        return None
    month = _month_start(today)
    first, last, period = _window_in(group, month)
    if today > last:
        first, last, period = _window_in(group, _add_months(month, 1))
    return ReadingWindow(group=group, first=first, last=last, period=period, is_open=first <= today <= last)


def windows_for(meters: list[Meter], today: dt.date | None = None) -> dict[int, ReadingWindow | None]:
    """window_for of each meter with one query for the default group."""
    fallback = default_group() if any(m.reading_group_id is None for m in meters) else None
    return {m.pk: window_for(m, today, default=fallback) for m in meters}


# --- selectors for pages -------------------------------------------------------------------------------

def latest_readings(meters: QuerySet[Meter] | list[Meter]) -> dict[int, MeterReading]:
    """The newest reading of each meter, in one query."""
    ids = [m.pk for m in meters]
    newest = MeterReading.objects.filter(meter=OuterRef("pk")).order_by("-period", "-taken_on", "-pk")
    last_ids = Meter.objects.filter(pk__in=ids).annotate(last=Subquery(newest.values("pk")[:1])).values("last")
    return {r.meter_id: r for r in MeterReading.objects.filter(pk__in=last_ids)}


@dataclass(frozen=True)
class MeterState:
    """What a readings page shows of one meter."""

    meter: Meter
    last: MeterReading | None
    window: ReadingWindow | None

    @property
    def accepts(self) -> bool:
        return self.meter.is_active and self.window is not None and self.window.is_open

    @property
    def sent_in_window(self) -> MeterReading | None:
        """This window's reading already sent through the portal or staff (a new one would replace it)."""
        last, window = self.last, self.window
        if last and window and window.is_open and last.period == window.period and last.source != "billing":
            return last
        return None

    # Wording for the pages.
    @property
    def last_value_text(self) -> str:
        return number_text(self.last.value) if self.last else ""

    @property
    def last_period_text(self) -> str:
        return period_text(self.last.period) if self.last else ""

    @property
    def last_consumption_text(self) -> str:
        return number_text(self.last.consumption) if self.last and self.last.consumption is not None else ""

    @property
    def window_period_text(self) -> str:
        return period_text(self.window.period) if self.window else ""


def meter_states(meters: list[Meter], today: dt.date | None = None) -> list[MeterState]:
    """Each meter with its newest reading and its window: three queries whatever the number of meters."""
    last = latest_readings(meters)
    windows = windows_for(meters, today)
    return [MeterState(meter=m, last=last.get(m.pk), window=windows[m.pk]) for m in meters]


def history(meter: Meter) -> QuerySet[MeterReading]:
    return meter.readings.select_related("submitted_by").order_by("-period", "-taken_on", "-pk")


# --- validation ----------------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def parse_value(raw) -> Decimal:
    """A reading as typed: «12 345,6» or «12345.6». Refuses what is not a plain non-negative number."""
    if isinstance(raw, Decimal):
        text = format(raw, "f") if raw.is_finite() else str(raw)
    else:
        text = str(raw if raw is not None else "")
    text = re.sub(r"[\s\u00a0\u202f]", "", text)
    if not text:
        raise ReadingError("Укажите показание прибора.")
    if text.startswith("-") and _NUMBER.fullmatch(text[1:]):
        raise ReadingError("Показание не может быть отрицательным.")
    if not _NUMBER.fullmatch(text):
        raise ReadingError("Показание должно быть числом, например 12345 или 12345,6.")
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        raise ReadingError("Показание должно быть числом, например 12345 или 12345,6.") from None
    if -value.as_tuple().exponent > MAX_DECIMALS:
        raise ReadingError(f"Показание указывается не более чем с {MAX_DECIMALS} знаками после запятой.")
    return value


def _check_capacity(meter: Meter, value: Decimal) -> None:
    if value >= meter.capacity:
        top = number_text(meter.capacity - Decimal("0.001"))
        raise ReadingError(
            f"Показание {number_text(value)} не помещается на шкалу прибора: у него {meter.digits} "
            f"{plural(meter.digits, 'знак', 'знака', 'знаков')} до запятой, наибольшее показание {top}."
        )


def previous_reading(meter: Meter, period: dt.date) -> MeterReading | None:
    """The reading the new one for `period` is counted from: the newest of an earlier billing month."""
    return meter.readings.filter(period__lt=period).order_by("-period", "-taken_on", "-pk").first()


def average_consumption(meter: Meter, period: dt.date) -> tuple[Decimal | None, int]:
    """The average monthly consumption, kWh, over the HISTORY_MONTHS billing months before `period`, and
    how many months had a known consumption."""
    since = _add_months(period, -HISTORY_MONTHS)
    per_month: dict[dt.date, Decimal] = {}
    rows = meter.readings.filter(period__gte=since, period__lt=period, consumption__isnull=False).order_by(
        "-period", "-taken_on", "-pk").values_list("period", "consumption")
    for month, consumption in rows:
        per_month.setdefault(month, consumption)
    if not per_month:
        return None, 0
    return sum(per_month.values(), Decimal(0)) / len(per_month), len(per_month)


def _counted(meter: Meter, value: Decimal, previous: MeterReading) -> tuple[Decimal, bool]:
    """(register units consumed since `previous`, whether the register rolled over)."""
    if value >= previous.value:
        return value - previous.value, False
    rolled = value + meter.capacity - previous.value
    if rolled > meter.capacity * ROLLOVER_MAX_SHARE:
        raise ReadingError(
            f"Показание {number_text(value)} меньше предыдущего — {number_text(previous.value)} "
            f"за {period_text(previous.period)}. Проверьте, не пропущена ли цифра: если бы прибор перешёл через "
            f"ноль, расход составил бы {number_text(rolled * meter.ratio)} кВт·ч, а это неправдоподобно много."
        )
    return rolled, True


def _check_jump(meter: Meter, period: dt.date, consumption: Decimal) -> None:
    average, months = average_consumption(meter, period)
    floor = JUMP_FLOOR * meter.ratio
    threshold = max(JUMP_FACTOR * average, floor) if average is not None else floor
    if consumption <= threshold:
        return
    if average:
        message = (
            f"Расход за {period_text(period)} составит {number_text(consumption)} кВт·ч, что более чем в "
            f"{number_text(JUMP_FACTOR)} раза превышает средний расход за {_months_text(months)} "
            f"({number_text(average.quantize(Decimal(1)))} кВт·ч в месяц)."
        )
    else:
        message = (
            f"Расход за {period_text(period)} составит {number_text(consumption)} кВт·ч — больше "
            f"{number_text(floor)} кВт·ч, а истории расхода по прибору ещё нет."
        )
    raise ReadingNeedsConfirmation(
        message + " Проверьте показание; если оно верное, подтвердите его.",
        consumption=consumption, average=average, months=months, threshold=threshold,
    )


# --- the service ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Submission:
    reading: MeterReading
    created: bool  # False: an earlier submission for the same month was replaced (or repeated)
    replaced_value: Decimal | None  # the value it replaced, None when new or the same value again

    @property
    def message(self) -> str:
        r = self.reading
        text = f"Показание {number_text(r.value)} по прибору № {r.meter.serial_number} за {period_text(r.period)} "
        if self.created:
            text += "принято."
        elif self.replaced_value is not None:
            text += f"принято вместо переданного ранее {number_text(self.replaced_value)}."
        else:
            text += "уже было принято."
        if r.consumption is not None:
            text += f" Расход: {number_text(r.consumption)} кВт·ч"
            # A value lower than the last one was accepted: say why, or the customer thinks it was misread.
            text += " (прибор перешёл через ноль)." if r.rolled_over else "."
        return text


def _refuse_outside(window: ReadingWindow | None) -> None:
    if window is None:
        raise ReadingError("Для этого прибора не установлены сроки приёма показаний. Позвоните нам или "
                           "напишите обращение — показание примут сотрудники.")
    if not window.is_open:
        raise ReadingError(
            f"Показания по этому прибору принимаются {window.rule_text}; следующий приём: {window.dates_text}"
            + (f" (за {period_text(window.period)})" if window.group.for_previous_month else "") + "."
        )


@transaction.atomic
def submit_reading(*, meter: Meter, value, user, today: dt.date | None = None, confirm_jump: bool = False,
                   source: str = MeterReading.Source.PORTAL, note: str = "") -> Submission:
    """Accept a reading of `meter` for the billing month of the open window. Refuses (ReadingError) outside
    the window, on an inactive meter, a malformed value, a value past the register's capacity, or lower than
    the previous one unless the register plausibly rolled over; an unusual jump raises
    ReadingNeedsConfirmation unless `confirm_jump`. A repeated submission for the same month replaces the
    earlier portal or staff one in place. consumption = (value − previous [+ capacity]) × ratio.
    Writes an audit entry (the replaced value kept in it); `note` (e.g. who phoned it in) goes there too."""
    value = parse_value(value).quantize(_MILLI)
    today = today or timezone.localdate()
    meter = Meter.objects.select_for_update(of=("self",)).select_related("reading_group", "account").get(pk=meter.pk)
    if not meter.is_active or not meter.account.is_active:
        raise ReadingError(f"Прибор № {meter.serial_number} снят с учёта: показания по нему не принимаются.")
    window = window_for(meter, today)
    _refuse_outside(window)
    period = window.period
    _check_capacity(meter, value)

    existing = meter.readings.filter(period=period).order_by("-taken_on", "-pk")
    if billed := existing.filter(source=MeterReading.Source.BILLING).first():
        raise ReadingError(
            f"Показание за {period_text(period)} уже учтено расчётной системой ({number_text(billed.value)}); "
            f"чтобы его исправить, напишите обращение."
        )
    current = existing.exclude(source=MeterReading.Source.BILLING).first()
    if current is not None and current.value == value:
        return Submission(reading=current, created=False, replaced_value=None)

    consumption, rolled_over, jumped = None, False, False
    if (previous := previous_reading(meter, period)) is not None:
        units, rolled_over = _counted(meter, value, previous)
        consumption = (units * meter.ratio).quantize(_MILLI)
        try:
            _check_jump(meter, period, consumption)
        except ReadingNeedsConfirmation:
            if not confirm_jump:
                raise
            jumped = True

    fields = {
        "value": value, "consumption": consumption, "taken_on": today, "source": source,
        "submitted_by": user, "submitted_at": timezone.now(), "rolled_over": rolled_over,
        "jump_confirmed": jumped,
    }
    if current is None:
        reading = MeterReading.objects.create(meter=meter, period=period, **fields)
    else:
        old = {name: getattr(current, name) for name in ("value", "consumption", "source", "jump_confirmed")}
        for name, new in fields.items():
            setattr(current, name, new)
        current.save(update_fields=list(fields))
        reading = current
    _audit(reading, user=user, old=None if current is None else old, note=note)
    return Submission(reading=reading, created=current is None,
                      replaced_value=None if current is None else old["value"])


def _audit(reading: MeterReading, *, user, old: dict | None, note: str) -> None:
    def show(v) -> str:
        return "None" if v is None else str(v)

    tracked = ("value", "consumption", "source", "jump_confirmed")
    changes = {
        name: [show(None if old is None else old[name]), show(getattr(reading, name))]
        for name in tracked if old is None or old[name] != getattr(reading, name)
    }
    data = {"source": reading.source, "period": reading.period.isoformat(),
            "rolled_over": reading.rolled_over, "jump_confirmed": reading.jump_confirmed}
    if old is not None:
        data["replaced_value"] = show(old["value"])
    if note:
        data["note"] = note
    LogEntry.objects.log_create(
        reading, force_log=True, actor=user, changes=changes, additional_data=data,
        action=LogEntry.Action.CREATE if old is None else LogEntry.Action.UPDATE,
    )

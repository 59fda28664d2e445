"""The shape every report is built in: sections of tables whose columns say what kind of figure they hold.
The page, the PDF and the XLSX render the same tables, so the three always show the same figures."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    SHARE = "share"  # a fraction 0..1, shown as per cent
    DAYS = "days"  # a number of days with one decimal
    SECONDS = "seconds"  # a duration in whole seconds, shown as minutes and seconds
    DATE = "date"
    POINTS = "points"  # a change of a share, in percentage points (a fraction difference)
    NUMBER = "number"  # a decimal, like an average rating


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: Kind = Kind.INT
    signed: bool = False  # a change: "+5", "−0,6"


@dataclass
class Chart:
    """A chart of a table: the label column and the columns drawn as series."""

    kind: str  # "bar", "hbar", "line", "pie"
    label: str
    series: list[str]
    title: str = ""


@dataclass
class Table:
    slug: str
    title: str
    columns: list[Column]
    rows: list[dict]
    total: dict | None = None
    chart: Chart | None = None
    note: str = ""

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def value(self, label: str, key: str):
        """The figure of the row whose first column reads `label` (for tests and findings)."""
        first = self.columns[0].key
        for row in self.rows:
            if str(row[first]) == label:
                return row.get(key)
        raise KeyError(label)


@dataclass
class Section:
    slug: str
    title: str
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sheet: str = ""  # the XLSX sheet's name (at most 31 characters); the title when empty

    def table(self, slug: str) -> Table:
        return next(t for t in self.tables if t.slug == slug)


def kind_of(row: dict, column: Column) -> Kind:
    """A column's kind, unless the row says otherwise (a table of mixed figures, one per row)."""
    return row.get("_kinds", {}).get(column.key, column.kind)


def share(part: int | None, whole: int | None) -> float | None:
    """A fraction rounded to 4 places (0.6667), None when there is nothing to divide by."""
    if not whole or part is None:
        return None
    return round(part / whole, 4)


def days(duration: dt.timedelta | float | None) -> float | None:
    """An average duration in days, to 2 places."""
    if duration is None:
        return None
    seconds = duration.total_seconds() if isinstance(duration, dt.timedelta) else float(duration)
    return round(seconds / 86400, 2)


def with_shares(rows: list[dict], count_key: str, share_key: str = "share") -> int:
    """Adds every row's share of the total of `count_key`; returns the total."""
    total = sum(row[count_key] or 0 for row in rows)
    for row in rows:
        row[share_key] = share(row[count_key], total)
    return total


def sum_rows(rows: Iterable[dict], keys: Iterable[str]) -> dict:
    rows = list(rows)
    return {key: sum(row.get(key) or 0 for row in rows) for key in keys}


# --- Russian display --------------------------------------------------------------------------------------

NBSP = "\u00a0"


def _int(value: int) -> str:
    text = f"{abs(int(value)):,}".replace(",", NBSP)
    return f"−{text}" if value < 0 else text


def _decimal(value: float, places: int = 1) -> str:
    text = f"{abs(value):,.{places}f}".replace(",", NBSP).replace(".", ",")
    return f"−{text}" if round(value, places) < 0 else text


def display(value, kind: Kind, *, signed: bool = False) -> str:
    """A figure as the page and the PDF print it: "1 234", "66,7 %", "3,5", "4 мин 05 с", "−2,5 п.п."; a
    signed one (a change) with its sign: "+5", "−0,6", "±0"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):  # a label such as «Итого» in a column of figures or dates
        return value
    if signed and kind != Kind.POINTS:
        text = display(abs(value), kind)
        return f"+{text}" if value > 0 else f"−{text}" if value < 0 else f"±{text}"
    if kind == Kind.INT:
        return _int(value)
    if kind == Kind.SHARE:
        return f"{_decimal(value * 100)}{NBSP}%"
    if kind == Kind.POINTS:
        text = _decimal(value * 100)
        return f"{'+' if round(value * 100, 1) > 0 else ''}{text}{NBSP}п.п."
    if kind == Kind.DAYS:
        return _decimal(value)
    if kind == Kind.NUMBER:
        return _decimal(value, 2)
    if kind == Kind.SECONDS:
        minutes, seconds = divmod(int(value), 60)
        return f"{minutes}{NBSP}мин{NBSP}{seconds:02d}{NBSP}с" if minutes else f"{seconds}{NBSP}с"
    if kind == Kind.DATE:
        return f"{value:%d.%m.%Y}"
    return str(value)

"""Appeals received (by channel, kind, topic, department and day or month) and the replies sent in the
period: how many on time, and how long a reply took on average."""

import datetime as dt

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncDate, TruncMonth

from abonent.appeals.models import Kind as AppealKind
from abonent.calendar.services import local_zone
from abonent.organisation.models import Channel
from abonent.reports.filters import ReportFilter
from abonent.reports.periods import add_months, month_title
from abonent.reports.queries import REPLY_TIME, answered_in, registered_in
from abonent.reports.tables import Chart, Column, Kind, Section, Table, days, share, sum_rows, with_shares

ON_TIME = Q(answered_at__lte=F("due_at"))
NO_TOPIC = "тема не указана"

_RECEIVED = [Column("registered", "Поступило"), Column("share", "Доля", Kind.SHARE)]
_TIMELINESS = [
    Column("answered", "Ответов направлено"), Column("on_time", "В срок"), Column("late", "С нарушением срока"),
    Column("on_time_share", "Доля в срок", Kind.SHARE), Column("reply_days", "Среднее время ответа, дн.", Kind.DAYS),
]


def _received(f: ReportFilter, slug: str, title: str, label: str, group: list[str], name) -> Table:
    rows = [{"label": name(row), "registered": row["registered"]}
            for row in registered_in(f).values(*group).annotate(registered=Count("pk"))]
    rows.sort(key=lambda row: (-row["registered"], row["label"]))
    total = with_shares(rows, "registered")
    return Table(slug, title, [Column("label", label, Kind.TEXT), *_RECEIVED], rows,
                 total={"label": "Итого", "registered": total, "share": 1.0 if total else None},
                 chart=Chart("hbar" if len(rows) > 5 else "bar", "label", ["registered"]))


def by_channel(f: ReportFilter) -> Table:
    return _received(f, "by_channel", "Поступило по каналам", "Канал", ["channel"],
                     lambda row: Channel(row["channel"]).label)


def by_kind(f: ReportFilter) -> Table:
    return _received(f, "by_kind", "Поступило по видам обращений", "Вид обращения", ["kind"],
                     lambda row: AppealKind(row["kind"]).label)


def by_topic(f: ReportFilter) -> Table:
    return _received(f, "by_topic", "Поступило по темам", "Тема", ["topic__name"],
                     lambda row: row["topic__name"] or NO_TOPIC)


def by_department(f: ReportFilter) -> Table:
    return _received(f, "by_department", "Поступило по подразделениям", "Подразделение", ["department__name"],
                     lambda row: row["department__name"])


def _periods(f: ReportFilter) -> list[dt.date]:
    if f.period.by_day:
        return [f.period.first + dt.timedelta(days=n) for n in range(f.period.days)]
    months, month = [], f.period.first.replace(day=1)
    while month <= f.period.last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _bucket(f: ReportFilter, field: str):
    if f.period.by_day:
        return TruncDate(field, tzinfo=local_zone())
    return TruncMonth(field, tzinfo=local_zone())


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def by_period(f: ReportFilter) -> Table:
    """Received and answered per day (a period up to two months) or per month."""
    received = {_as_date(row["bucket"]): row["n"] for row in registered_in(f).annotate(
        bucket=_bucket(f, "registered_at")).values("bucket").annotate(n=Count("pk"))}
    answered = {_as_date(row["bucket"]): row for row in answered_in(f).annotate(
        bucket=_bucket(f, "answered_at")).values("bucket").annotate(
        n=Count("pk"), on_time=Count("pk", filter=ON_TIME))}
    rows = []
    for day in _periods(f):
        done = answered.get(day, {})
        rows.append({"period": day if f.period.by_day else month_title(day), "registered": received.get(day, 0),
                     "answered": done.get("n", 0), "on_time": done.get("on_time", 0)})
    label = Column("period", "День", Kind.DATE) if f.period.by_day else Column("period", "Месяц", Kind.TEXT)
    columns = [label, Column("registered", "Поступило"), Column("answered", "Ответов направлено"),
               Column("on_time", "Из них в срок")]
    total = {"period": "Итого", **sum_rows(rows, ("registered", "answered", "on_time"))}
    title = "По дням" if f.period.by_day else "По месяцам"
    return Table("by_period", title, columns, rows, total=total,
                 chart=Chart("line" if f.period.by_day else "bar", "period", ["registered", "answered"],
                             title="Поступило и отвечено " + ("по дням" if f.period.by_day else "по месяцам")))


def _seconds(duration: dt.timedelta | float | None) -> float | None:
    return duration.total_seconds() if isinstance(duration, dt.timedelta) else duration


def _timeliness_row(row: dict) -> dict:
    answered, on_time = row["answered"], row["on_time"]
    return {"answered": answered, "on_time": on_time, "late": answered - on_time,
            "on_time_share": share(on_time, answered), "reply_days": days(row["reply_time"])}


def _timeliness_total(groups: list[dict]) -> dict:
    """The totals of the groups of a query: the average reply time weighted by each group's replies."""
    answered = sum(g["answered"] for g in groups)
    weighted = sum(_seconds(g["reply_time"]) * g["answered"] for g in groups if g["reply_time"] is not None)
    return _timeliness_row({"answered": answered, "on_time": sum(g["on_time"] for g in groups),
                            "reply_time": weighted / answered if answered else None})


def timeliness_totals(f: ReportFilter) -> dict:
    """Replies sent in the period: answered, on_time, late, on_time_share, reply_days."""
    row = answered_in(f).aggregate(answered=Count("pk"), on_time=Count("pk", filter=ON_TIME),
                                   reply_time=Avg(REPLY_TIME))
    return _timeliness_row(row)


def _timeliness(f: ReportFilter, slug: str, title: str, label: str, group: str, name) -> Table:
    groups = list(answered_in(f).values(group).annotate(answered=Count("pk"), on_time=Count("pk", filter=ON_TIME),
                                                        reply_time=Avg(REPLY_TIME)))
    rows = sorted(({"label": name(row[group]), **_timeliness_row(row)} for row in groups),
                  key=lambda row: (-row["answered"], row["label"]))
    return Table(slug, title, [Column("label", label, Kind.TEXT), *_TIMELINESS], rows,
                 total={"label": "Итого", **_timeliness_total(groups)},
                 chart=Chart("hbar", "label", ["on_time_share"], title=f"{title}: доля ответов в срок"))


def timeliness_by_department(f: ReportFilter) -> Table:
    return _timeliness(f, "timeliness_by_department", "Сроки ответов по подразделениям", "Подразделение",
                       "department__name", str)


def timeliness_by_kind(f: ReportFilter) -> Table:
    return _timeliness(f, "timeliness_by_kind", "Сроки ответов по видам обращений", "Вид обращения", "kind",
                       lambda kind: AppealKind(kind).label)


def section(f: ReportFilter) -> Section:
    return Section("appeals", "Обращения", [
        by_channel(f), by_kind(f), by_topic(f), by_department(f), by_period(f),
        timeliness_by_department(f), timeliness_by_kind(f),
    ], notes=["Поступившие считаются по дате регистрации, ответы — по дате направления ответа по существу; "
              "ответ в срок — направленный не позже срока ответа (с учётом продления)."])

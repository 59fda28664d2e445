"""Notices sent on the company's initiative (standard 3.5) and how far they got: sent, delivered, read,
failed — by channel and by type, for the notices created in the period."""

from django.apps import apps
from django.db.models import Count, Q

from abonent.reports.filters import ReportFilter
from abonent.reports.tables import Chart, Column, Kind, Section, Table, share, sum_rows

FIGURES = ("created", "sent", "delivered", "read", "failed", "waiting")


def available() -> bool:
    try:
        apps.get_model("notifications", "Notification")
    except LookupError:
        return False
    return True


def _notices(f: ReportFilter):
    from abonent.notifications.models import Notification

    notices = Notification.objects.order_by().filter(created_at__gte=f.period.start, created_at__lt=f.period.end)
    if f.channel:
        notices = notices.filter(channel=f.channel)
    return notices


def _aggregates() -> dict:
    from abonent.notifications.models import Notification

    S = Notification.Status
    return {
        "created": Count("pk"),
        "sent": Count("pk", filter=Q(sent_at__isnull=False)),
        "delivered": Count("pk", filter=Q(status__in=(S.DELIVERED, S.READ))),
        "read": Count("pk", filter=Q(status=S.READ)),
        "failed": Count("pk", filter=Q(status=S.FAILED)),
        "waiting": Count("pk", filter=Q(status__in=(S.QUEUED, S.SENDING))),
    }


def _row(row: dict) -> dict:
    return {**{k: row[k] for k in FIGURES}, "delivered_share": share(row["delivered"], row["sent"])}


_COLUMNS = [Column("created", "Создано"), Column("sent", "Отправлено"), Column("delivered", "Доставлено"),
            Column("delivered_share", "Доля доставленных", Kind.SHARE), Column("read", "Прочитано"),
            Column("failed", "Не доставлено"), Column("waiting", "Ждут отправки")]


def _total(rows: list[dict], label_key: str) -> dict:
    total = sum_rows(rows, FIGURES)
    return {label_key: "Итого", **total, "delivered_share": share(total["delivered"], total["sent"])}


def totals(f: ReportFilter) -> dict:
    return _row(_notices(f).aggregate(**_aggregates()))


def by_channel(f: ReportFilter) -> Table:
    from abonent.notifications.models import Channel

    rows = [{"channel": Channel(row["channel"]).label, **_row(row)}
            for row in _notices(f).values("channel").annotate(**_aggregates())]
    rows.sort(key=lambda r: (-r["created"], r["channel"]))
    return Table("notices_by_channel", "Уведомления по каналам", [Column("channel", "Канал", Kind.TEXT), *_COLUMNS],
                 rows, total=_total(rows, "channel"), chart=Chart("bar", "channel", ["sent", "delivered", "failed"]))


def by_type(f: ReportFilter) -> Table:
    rows = [{"type": row["type__name"], **_row(row)}
            for row in _notices(f).values("type__name").annotate(**_aggregates())]
    rows.sort(key=lambda r: (-r["created"], r["type"]))
    return Table("notices_by_type", "Уведомления по видам", [Column("type", "Вид уведомления", Kind.TEXT), *_COLUMNS],
                 rows, total=_total(rows, "type"))


def section(f: ReportFilter) -> Section | None:
    if not available():
        return None
    notes = ["Уведомления, созданные в периоде. «Доставлено» — по отчёту канала: e-mail — принят почтовым "
             "сервером, ЭДО — квитанция оператора, телефон — звонок принят, личный кабинет — размещено; "
             "доля доставленных — от отправленных."]
    if f.channel:
        notes.append("Фильтр по каналу применён к каналу уведомления.")
    if f.department is not None:
        notes.append("Уведомления направляются клиентам от имени организации: фильтр по подразделению к ним "
                     "не применяется.")
    return Section("notices", "Уведомления: отправлено и доставлено", [by_channel(f), by_type(f)], notes=notes,
                   sheet="Уведомления")

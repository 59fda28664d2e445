"""Complaints (standard, section 4): by urgency category, with the decisions taken on them — apologies,
conflict situations — and the decisions kept under execution control."""

from django.db.models import Count, Exists, F, OuterRef, Q

from abonent.appeals.models import Appeal, AppealEvent, ControlItem
from abonent.appeals.models import Kind as AppealKind
from abonent.reports.filters import ReportFilter
from abonent.reports.queries import cutoff, registered_in
from abonent.reports.tables import Chart, Column, Kind, Section, Table, share, sum_rows

NO_URGENCY = "категория не установлена"
FIGURES = ("complaints", "answered", "on_time", "overdue_open", "apologies", "conflicts", "controlled")


def _figures(f: ReportFilter):
    apology = AppealEvent.objects.filter(appeal=OuterRef("pk"), kind=AppealEvent.Kind.APOLOGY)
    controlled = ControlItem.objects.filter(appeal=OuterRef("pk"))
    complaints = registered_in(f).filter(kind=AppealKind.COMPLAINT)
    return complaints.values("urgency__name", "urgency__order").annotate(
        complaints=Count("pk"),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        on_time=Count("pk", filter=Q(answered_at__lte=F("due_at"))),
        overdue_open=Count("pk", filter=Q(status__in=Appeal.OPEN_STATUSES, due_at__lt=cutoff(f))),
        apologies=Count("pk", filter=Q(Exists(apology))),
        conflicts=Count("pk", filter=Q(is_conflict=True)),
        controlled=Count("pk", filter=Q(Exists(controlled))),
    )


def totals(f: ReportFilter) -> dict:
    rows = list(_figures(f))
    return sum_rows(rows, FIGURES)


def by_urgency(f: ReportFilter) -> Table:
    rows = []
    for row in sorted(_figures(f), key=lambda r: (r["urgency__order"] is None, r["urgency__order"] or 0)):
        rows.append({"urgency": row["urgency__name"] or NO_URGENCY, **{k: row[k] for k in FIGURES},
                     "on_time_share": share(row["on_time"], row["answered"])})
    total = sum_rows(rows, FIGURES)
    total.update(urgency="Итого", on_time_share=share(total["on_time"], total["answered"]))
    columns = [
        Column("urgency", "Категория срочности", Kind.TEXT), Column("complaints", "Жалоб поступило"),
        Column("answered", "Ответ направлен"), Column("on_time", "Из них в срок"),
        Column("on_time_share", "Доля в срок", Kind.SHARE), Column("overdue_open", "Не отвечено, срок истёк"),
        Column("apologies", "Принесены извинения"), Column("conflicts", "Конфликтные ситуации"),
        Column("controlled", "Решения на контроле"),
    ]
    return Table("complaints_by_urgency", "Жалобы по категориям срочности и принятые решения", columns, rows,
                 total=total, chart=Chart("bar", "urgency", ["complaints", "apologies", "conflicts"]))


def control_items(f: ReportFilter) -> Table:
    """Decisions put under control in the period (on any appeal of the filter), by department."""
    items = ControlItem.objects.order_by().filter(created_at__gte=f.period.start, created_at__lt=f.period.end)
    if f.department is not None:
        items = items.filter(appeal__department=f.department)
    if f.channel:
        items = items.filter(appeal__channel=f.channel)
    last_day = cutoff(f).astimezone(f.period.start.tzinfo).date()
    query = items.values("appeal__department__name").annotate(
        total=Count("pk"),
        of_complaints=Count("pk", filter=Q(appeal__kind=AppealKind.COMPLAINT)),
        done=Count("pk", filter=Q(status=ControlItem.Status.DONE)),
        open=Count("pk", filter=Q(status=ControlItem.Status.OPEN)),
        overdue=Count("pk", filter=Q(status=ControlItem.Status.OPEN, due_date__lt=last_day)),
    )
    keys = ("total", "of_complaints", "done", "open", "overdue")
    rows = sorted(({"department": row["appeal__department__name"], **{k: row[k] for k in keys}} for row in query),
                  key=lambda r: r["department"])
    columns = [Column("department", "Подразделение", Kind.TEXT), Column("total", "Поставлено на контроль"),
               Column("of_complaints", "Из них по жалобам"), Column("done", "Исполнено"),
               Column("open", "На контроле"), Column("overdue", "Срок исполнения истёк")]
    return Table("control_items", "Решения на контроле исполнения", columns, rows,
                 total={"department": "Итого", **sum_rows(rows, keys)})


def section(f: ReportFilter) -> Section:
    return Section("complaints", "Жалобы и контроль исполнения решений", [by_urgency(f), control_items(f)],
                   sheet="Жалобы и контроль", notes=[
        "Жалобы — поступившие в периоде; решения на контроле — поставленные на контроль в периоде."])

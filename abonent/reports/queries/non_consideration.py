"""Decisions to leave appeals without consideration (standard 2.2.4.4–2.2.4.5), by ground."""

from django.db.models import Count, Q

from abonent.appeals.models import NonConsideration
from abonent.reports.filters import ReportFilter
from abonent.reports.tables import Chart, Column, Kind, Section, Table, sum_rows, with_shares

Ground = NonConsideration.Ground


def decisions(f: ReportFilter):
    rows = NonConsideration.objects.order_by().filter(decided_at__gte=f.period.start, decided_at__lt=f.period.end)
    if f.department is not None:
        rows = rows.filter(appeal__department=f.department)
    if f.channel:
        rows = rows.filter(appeal__channel=f.channel)
    return rows


def total(f: ReportFilter) -> int:
    return decisions(f).count()


def by_ground(f: ReportFilter) -> Table:
    query = decisions(f).values("ground").annotate(decisions=Count("pk"), told=Count("pk", filter=Q(
        customer_can_be_told=True)))
    rows = [{"ground": Ground(row["ground"]).label, "decisions": row["decisions"], "told": row["told"]}
            for row in query]
    rows.sort(key=lambda r: (-r["decisions"], r["ground"]))
    count = with_shares(rows, "decisions")
    columns = [Column("ground", "Основание", Kind.TEXT), Column("decisions", "Решений"),
               Column("share", "Доля", Kind.SHARE), Column("told", "Клиенту направляется уведомление")]
    return Table("non_consideration_by_ground", "Оставлено без рассмотрения по основаниям", columns, rows,
                 total={"ground": "Итого", **sum_rows(rows, ("decisions", "told")), "share": 1.0 if count else None},
                 chart=Chart("hbar", "ground", ["decisions"]))


def section(f: ReportFilter) -> Section:
    return Section("non_consideration", "Оставление без рассмотрения", [by_ground(f)], sheet="Без рассмотрения", notes=[
        "По дате решения руководителя; без уведомления — угрозы и обращения без контактных данных."])

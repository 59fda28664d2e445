"""Missed and extended deadlines by department and executor: replies sent late in the period, appeals still
unanswered past their deadline, appeals whose term was extended."""

from django.db.models import Count, F, Q
from django.utils import timezone

from abonent.appeals.models import Appeal
from abonent.reports.filters import ReportFilter
from abonent.reports.queries import answered_in, appeals_in, cutoff, registered_in, short_name
from abonent.reports.tables import Chart, Column, Kind, Section, Table, sum_rows

NO_EXECUTOR = "исполнитель не назначен"
FIGURES = ("registered", "answered", "late", "overdue_open", "extended")
_GROUP = ["department_id", "department__name", "executor_id", "executor__last_name", "executor__first_name",
          "executor__middle_name"]


def _figures(f: ReportFilter) -> list[dict]:
    """One row per department and executor with every figure, merged from three indexed queries."""
    queries = [
        registered_in(f).values(*_GROUP).annotate(registered=Count("pk"), extended=Count("pk", filter=Q(
            is_extended=True))),
        answered_in(f).values(*_GROUP).annotate(answered=Count("pk"), late=Count("pk", filter=Q(
            answered_at__gt=F("due_at")))),
        appeals_in(f).filter(status__in=Appeal.OPEN_STATUSES, due_at__lt=cutoff(f)).values(*_GROUP).annotate(
            overdue_open=Count("pk")),
    ]
    merged: dict[tuple, dict] = {}
    for query in queries:
        for row in query:
            key = (row["department_id"], row["executor_id"])
            target = merged.setdefault(key, {
                "department": row["department__name"],
                "executor": short_name(row["executor__last_name"], row["executor__first_name"],
                                       row["executor__middle_name"]) if row["executor_id"] else NO_EXECUTOR,
                **dict.fromkeys(FIGURES, 0)})
            target.update({k: v for k, v in row.items() if k in FIGURES})
    return sorted(merged.values(), key=lambda r: (r["department"], r["executor"] == NO_EXECUTOR, r["executor"]))


_COLUMNS = [Column("registered", "Поступило"), Column("answered", "Ответов направлено"),
            Column("late", "Ответ с нарушением срока"), Column("overdue_open", "Не отвечено, срок истёк"),
            Column("extended", "Срок продлён")]


def section(f: ReportFilter) -> Section:
    rows = _figures(f)
    departments: dict[str, dict] = {}
    for row in rows:
        target = departments.setdefault(row["department"], {"department": row["department"],
                                                            **dict.fromkeys(FIGURES, 0)})
        for key in FIGURES:
            target[key] += row[key]
    total = sum_rows(rows, FIGURES)
    by_department = Table(
        "deadlines_by_department", "Нарушения и продления сроков по подразделениям",
        [Column("department", "Подразделение", Kind.TEXT), *_COLUMNS], list(departments.values()),
        total={"department": "Итого", **total},
        chart=Chart("hbar", "department", ["late", "overdue_open", "extended"]))
    by_executor = Table(
        "deadlines_by_executor", "По исполнителям",
        [Column("department", "Подразделение", Kind.TEXT), Column("executor", "Исполнитель", Kind.TEXT), *_COLUMNS],
        rows, total={"department": "Итого", "executor": "", **total})
    moment = timezone.localtime(cutoff(f))
    return Section("deadlines", "Просроченные и продлённые", [by_department, by_executor], notes=[
        "«Не отвечено, срок истёк» — обращения на исполнении, срок ответа по которым истёк до "
        f"{moment:%d.%m.%Y %H:%M} (конец периода или момент формирования отчёта); «Срок продлён» — из "
        "поступивших в периоде."])

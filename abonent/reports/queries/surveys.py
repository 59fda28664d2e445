"""Satisfaction surveys after a reply (passive feedback, standard section 4): how many were sent and
answered, the average rating, the share of questions resolved and the low ratings taken under control —
by department and as a distribution of ratings."""

from django.apps import apps
from django.db.models import Avg, Count, Q

from abonent.reports.filters import ReportFilter
from abonent.reports.tables import Chart, Column, Kind, Section, Table, share, with_shares


def available() -> bool:
    try:
        apps.get_model("feedback", "Survey")
    except LookupError:
        return False
    return True


def _scoped(queryset, f: ReportFilter):
    if f.department is not None:
        queryset = queryset.filter(department=f.department)
    if f.channel:
        queryset = queryset.filter(appeal__channel=f.channel)
    return queryset


def answered(f: ReportFilter):
    from abonent.feedback.models import Survey

    return _scoped(Survey.objects.order_by().filter(answered_at__gte=f.period.start, answered_at__lt=f.period.end), f)


def sent(f: ReportFilter):
    from abonent.feedback.models import Survey

    return _scoped(Survey.objects.order_by().filter(sent_at__gte=f.period.start, sent_at__lt=f.period.end), f)


_ANSWERS = {
    "answered": Count("pk"),
    "rating": Avg("rating"),
    "resolved": Count("pk", filter=Q(is_resolved=True)),
    "resolved_known": Count("pk", filter=Q(is_resolved__isnull=False)),
    "low": Count("pk", filter=Q(is_low=True)),
    "controlled": Count("pk", filter=Q(is_low=True, control_item__isnull=False)),
}
_COLUMNS = [Column("answered", "Получено ответов"), Column("rating", "Средняя оценка (1–5)", Kind.NUMBER),
            Column("resolved_share", "Вопрос решён", Kind.SHARE), Column("low", "Низких оценок"),
            Column("controlled", "Из них на контроле")]


def _row(row: dict) -> dict:
    return {"answered": row["answered"], "rating": round(row["rating"], 2) if row["rating"] is not None else None,
            "resolved_share": share(row["resolved"], row["resolved_known"]), "low": row["low"],
            "controlled": row["controlled"], "resolved": row["resolved"], "resolved_known": row["resolved_known"]}


def totals(f: ReportFilter) -> dict:
    """Surveys sent in the period, answers received in it and what they say."""
    result = _row(answered(f).aggregate(**_ANSWERS))
    result["sent"] = sent(f).count()
    return result


def by_department(f: ReportFilter) -> Table:
    rows = [{"department": row["department__name"], **_row(row)}
            for row in answered(f).values("department__name").annotate(**_ANSWERS)]
    rows.sort(key=lambda r: r["department"])
    total = totals(f)
    return Table("surveys_by_department", "Опросы после ответа по подразделениям",
                 [Column("department", "Подразделение", Kind.TEXT), *_COLUMNS], rows,
                 total={"department": "Итого", **total},
                 chart=Chart("hbar", "department", ["rating"], title="Средняя оценка по подразделениям"))


def ratings(f: ReportFilter) -> Table:
    counts = dict(answered(f).values_list("rating").annotate(n=Count("pk")))
    rows = [{"rating": str(r), "answers": counts.get(r, 0)} for r in (5, 4, 3, 2, 1)]
    total = with_shares(rows, "answers")
    return Table("survey_ratings", "Распределение оценок", [
        Column("rating", "Оценка", Kind.TEXT), Column("answers", "Ответов"), Column("share", "Доля", Kind.SHARE)],
        rows, total={"rating": "Итого", "answers": total, "share": 1.0 if total else None},
        chart=Chart("bar", "rating", ["answers"]))


def overview(f: ReportFilter) -> Table:
    total = totals(f)
    rows = [
        {"figure": "Опросов направлено клиентам", "value": total["sent"], "_kinds": {"value": Kind.INT}},
        {"figure": "Получено ответов", "value": total["answered"], "_kinds": {"value": Kind.INT}},
        {"figure": "Средняя оценка (1–5)", "value": total["rating"], "_kinds": {"value": Kind.NUMBER}},
        {"figure": "Доля ответов «вопрос решён»", "value": total["resolved_share"], "_kinds": {"value": Kind.SHARE}},
        {"figure": "Низких оценок", "value": total["low"], "_kinds": {"value": Kind.INT}},
        {"figure": "Из них разбираются на контроле", "value": total["controlled"], "_kinds": {"value": Kind.INT}},
    ]
    return Table("surveys_overview", "Удовлетворённость клиентов",
                 [Column("figure", "Показатель", Kind.TEXT), Column("value", "Значение", Kind.NUMBER)], rows)


def section(f: ReportFilter) -> Section | None:
    if not available():
        return None
    return Section("surveys", "Опросы удовлетворённости", [overview(f), by_department(f), ratings(f)],
                   sheet="Опросы", notes=[
        "Опросы после ответа на обращение: направленные — по дате отправки, ответы — по дате получения; "
        "«вопрос решён» — доля от ответивших на этот вопрос."])


"""The reports' queries: each module turns a ReportFilter into a Section of tables, aggregating in the
database (GROUP BY with conditional aggregates), never looping over appeals in Python."""

import datetime as dt

from django.db.models import DurationField, ExpressionWrapper, F, QuerySet
from django.utils import timezone

from abonent.appeals.models import Appeal
from abonent.reports.filters import ReportFilter

REPLY_TIME = ExpressionWrapper(F("answered_at") - F("registered_at"), output_field=DurationField())


def appeals_in(f: ReportFilter, *, dated: bool = False) -> QuerySet[Appeal]:
    """All appeals of the filter's department and channel, whatever their dates. `dated` says the caller
    bounds the rows by a dated index (a month of registrations or replies): the department is then
    matched without its index — a department holds a quarter of all appeals, and PostgreSQL would AND a
    bitmap of its 250,000 rows with the month's 12,000 instead of just filtering those."""
    appeals = Appeal.objects.order_by()
    if f.department is not None and dated:
        appeals = appeals.alias(department_plain=F("department_id") + 0).filter(department_plain=f.department.pk)
    elif f.department is not None:
        appeals = appeals.filter(department=f.department)
    if f.channel:
        appeals = appeals.filter(channel=f.channel)
    return appeals


def registered_in(f: ReportFilter) -> QuerySet[Appeal]:
    return appeals_in(f, dated=True).filter(registered_at__gte=f.period.start, registered_at__lt=f.period.end)


def answered_in(f: ReportFilter) -> QuerySet[Appeal]:
    """Appeals whose reply on the merits was sent in the period (a notice of non-consideration is not one)."""
    return appeals_in(f, dated=True).filter(answered_at__gte=f.period.start, answered_at__lt=f.period.end)


def cutoff(f: ReportFilter, now: dt.datetime | None = None) -> dt.datetime:
    """The moment "overdue" is judged at: the end of the period, or now for a period not over yet."""
    return min(f.period.end, now or timezone.now())


def short_name(last: str | None, first: str | None, middle: str | None) -> str:
    """"Фамилия И. О." from the name parts a values() query returns."""
    initials = " ".join(f"{p[0]}." for p in (first, middle) if p)
    return f"{last or ''} {initials}".strip()

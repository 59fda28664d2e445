"""The list of reports: each a page of its own with its exports, and together the monthly report."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404

from abonent.reports.filters import ReportFilter
from abonent.reports.queries import appeals, calls, complaints, deadlines, non_consideration, notices, surveys
from abonent.reports.tables import Section


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    build: Callable[[ReportFilter], Section | None]
    available: Callable[[], bool] = lambda: True


REPORTS = [
    Report("appeals", "Обращения: каналы, виды, темы, подразделения, сроки ответа", appeals.section),
    Report("deadlines", "Просроченные и продлённые обращения", deadlines.section),
    Report("complaints", "Жалобы и контроль исполнения решений", complaints.section),
    Report("non-consideration", "Оставление без рассмотрения", non_consideration.section),
    Report("calls", "Call-центр: уровень обслуживания", calls.section),
    Report("notices", "Уведомления: отправлено и доставлено", notices.section, notices.available),
    Report("surveys", "Опросы удовлетворённости", surveys.section, surveys.available),
]


def available_reports() -> list[Report]:
    return [r for r in REPORTS if r.available()]


def report(slug: str) -> Report:
    for r in available_reports():
        if r.slug == slug:
            return r
    raise Http404("Такого отчёта нет.")


def build_all(f: ReportFilter, *, calls_levels: dict | None = None) -> list[Section]:
    sections = []
    for r in available_reports():
        section = calls.section(f, calls_levels) if r.slug == "calls" else r.build(f)
        if section is not None:
            sections.append(section)
    return sections

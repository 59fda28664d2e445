"""The monthly management report (standard 1.3, section 4): the month's key figures against the month
before, automatic findings drawn from the changes, the head's improvement proposals and every report
section. The same content is shown on the page, exported and e-mailed."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from abonent.appeals.models import Appeal
from abonent.appeals.models import Kind as AppealKind
from abonent.reports import registry
from abonent.reports.filters import ReportFilter
from abonent.reports.models import MonthlyReport
from abonent.reports.periods import MONTHS_PREPOSITIONAL, Period, month_start, month_title
from abonent.reports.queries import (
    appeals_in,
    calls,
    complaints,
    cutoff,
    non_consideration,
    notices,
    registered_in,
    surveys,
)
from abonent.reports.queries.appeals import timeliness_totals
from abonent.reports.tables import Column, Kind, Section, Table, display


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    kind: Kind
    better: str  # "up", "down" or "" when neither direction is good in itself
    threshold: float  # the smallest change worth a finding (per cent of the value for counts)
    source: str = ""  # the report whose app must be installed for the figure ("notices", "surveys")


FIGURES = [
    Figure("registered", "Поступило обращений", Kind.INT, "", 0.10),
    Figure("answered", "Направлено ответов", Kind.INT, "", 0.10),
    Figure("on_time_share", "Доля ответов в срок", Kind.SHARE, "up", 0.01),
    Figure("reply_days", "Среднее время ответа, дн.", Kind.DAYS, "down", 0.5),
    Figure("late", "Ответов с нарушением срока", Kind.INT, "down", 0.10),
    Figure("overdue_open", "Не отвечено, срок истёк (на конец периода)", Kind.INT, "down", 0.10),
    Figure("extended", "Продлён срок рассмотрения", Kind.INT, "down", 0.10),
    Figure("complaints", "Поступило жалоб", Kind.INT, "down", 0.10),
    Figure("non_considered", "Оставлено без рассмотрения", Kind.INT, "", 0.10),
    Figure("calls_offered", "Поступило звонков", Kind.INT, "", 0.10),
    Figure("calls_within_12s_share", "Доля ответов на звонки за 12 с", Kind.SHARE, "up", 0.01),
    Figure("calls_waits_over_2min", "Ожиданий на линии дольше 2 мин", Kind.INT, "down", 0.10),
    Figure("calls_abandoned", "Звонков сброшено в очереди", Kind.INT, "down", 0.10),
    Figure("calls_talk_average", "Средний разговор", Kind.SECONDS, "down", 30),
    Figure("notices_sent", "Уведомлений отправлено", Kind.INT, "", 0.10, "notices"),
    Figure("notices_delivered_share", "Доля доставленных уведомлений", Kind.SHARE, "up", 0.01, "notices"),
    Figure("surveys_answered", "Ответов на опросы после ответа", Kind.INT, "", 0.10, "surveys"),
    Figure("survey_rating", "Средняя оценка клиентов (1–5)", Kind.NUMBER, "up", 0.2, "surveys"),
    Figure("survey_resolved_share", "Доля ответов «вопрос решён»", Kind.SHARE, "up", 0.01, "surveys"),
]
_SOURCES = {"notices": notices.available, "surveys": surveys.available}


def figures() -> list[Figure]:
    return [figure for figure in FIGURES if not figure.source or _SOURCES[figure.source]()]
# Wording of findings: (figure, went up, went down).
_WORDS = {
    Kind.SHARE: ("выросла", "снизилась"),
    Kind.DAYS: ("выросло", "сократилось"),
    Kind.SECONDS: ("вырос", "сократился"),
    Kind.NUMBER: ("выросла", "снизилась"),
}


def summary(f: ReportFilter, *, calls_levels: dict | None = None) -> dict:
    """The key figures of the filter's period (see FIGURES for the keys)."""
    counts = registered_in(f).aggregate(
        registered=Count("pk"), extended=Count("pk", filter=Q(is_extended=True)),
        complaints=Count("pk", filter=Q(kind=AppealKind.COMPLAINT)))
    timeliness = timeliness_totals(f)
    overdue = appeals_in(f).filter(status__in=Appeal.OPEN_STATUSES, due_at__lt=cutoff(f)).count()
    result = {**counts, **{k: timeliness[k] for k in ("answered", "on_time_share", "reply_days", "late")},
              "overdue_open": overdue, "non_considered": non_consideration.total(f)}
    levels = calls_levels if calls_levels is not None else calls.levels(f)
    total = levels["total"] if levels else {}
    result.update(calls_offered=total.get("offered"), calls_within_12s_share=total.get("answered_within_12s_share"),
                  calls_waits_over_2min=total.get("waits_over_2min"), calls_abandoned=total.get("abandoned"),
                  calls_talk_average=total.get("talk_average_seconds"))
    if notices.available():
        sent = notices.totals(f)
        result.update(notices_sent=sent["sent"], notices_delivered_share=sent["delivered_share"])
    if surveys.available():
        answers = surveys.totals(f)
        result.update(surveys_answered=answers["answered"], survey_rating=answers["rating"],
                      survey_resolved_share=answers["resolved_share"])
    return result


def _change(current, previous, kind: Kind):
    if current is None or previous is None:
        return None
    if kind in (Kind.SHARE, Kind.DAYS, Kind.NUMBER):
        return round(current - previous, 4)
    return current - previous


def comparison(current: dict, previous: dict, *, current_title: str, previous_title: str) -> Table:
    rows = []
    for figure in figures():
        change_kind = {Kind.SHARE: Kind.POINTS}.get(figure.kind, figure.kind)
        rows.append({"figure": figure.title, "previous": previous.get(figure.key), "current": current.get(figure.key),
                     "change": _change(current.get(figure.key), previous.get(figure.key), figure.kind),
                     "_kinds": {"previous": figure.kind, "current": figure.kind, "change": change_kind}})
    columns = [Column("figure", "Показатель", Kind.TEXT), Column("previous", previous_title, Kind.NUMBER),
               Column("current", current_title, Kind.NUMBER), Column("change", "Изменение", Kind.NUMBER, signed=True)]
    return Table("summary", "Основные показатели", columns, rows)


def findings(current: dict, previous: dict, *, previous_period: Period,
             complaints_without_urgency: int = 0) -> list[dict]:
    """Plain statements a head reads first: what changed notably against the previous period, and what
    the standard asks to watch whatever the trend (deadlines missed, long waits on the line)."""
    result = []
    before = f"в {MONTHS_PREPOSITIONAL[previous_period.first.month - 1]}" if previous_period.is_month \
        else "в предыдущем периоде"
    for figure in figures():
        now, was = current.get(figure.key), previous.get(figure.key)
        if now is None or was is None or now == was:
            continue
        change = now - was
        if figure.kind == Kind.INT:
            if was == 0 or abs(change) / was < figure.threshold or abs(change) < 5:
                continue
            verb = "больше" if change > 0 else "меньше"
            percent = display(abs(change) / was, Kind.SHARE)
            text = f"{figure.title}: {display(now, Kind.INT)} — на {display(abs(change), Kind.INT)} ({percent}) " \
                   f"{verb}, чем {before}"
        else:
            if abs(change) < figure.threshold:
                continue
            up, down = _WORDS[figure.kind]
            amount = display(abs(change), Kind.POINTS).lstrip("+") if figure.kind == Kind.SHARE \
                else _with_unit(abs(change), figure.kind)
            subject = figure.title.removesuffix(", дн.")
            text = f"{subject} {up if change > 0 else down} на {amount}: " \
                   f"{_with_unit(was, figure.kind)} {before}, {_with_unit(now, figure.kind)} сейчас"
            text = text[0].upper() + text[1:]
        tone = "" if not figure.better else (
            "ok" if (change > 0) == (figure.better == "up") else "bad")
        result.append({"text": text, "tone": tone})
    if current.get("overdue_open"):
        result.append({"text": f"На конец периода не отвечено в срок: {display(current['overdue_open'], Kind.INT)} "
                               "обращ. — нужны меры по подразделениям из раздела «Просроченные и продлённые».",
                       "tone": "bad"})
    if current.get("calls_waits_over_2min"):
        result.append({"text": "Ожидание на линии дольше 2 минут допускается стандартом только при занятой "
                               f"линии; таких ожиданий: {display(current['calls_waits_over_2min'], Kind.INT)}.",
                       "tone": "bad"})
    if complaints_without_urgency:
        result.append({"text": "Жалоб без категории срочности, установленной руководством: "
                               f"{display(complaints_without_urgency, Kind.INT)}.", "tone": "bad"})
    return result


def _with_unit(value, kind: Kind) -> str:
    return display(value, kind) + ("\u00a0дн." if kind == Kind.DAYS else "")


@dataclass
class MonthlyContent:
    filter: ReportFilter
    previous: Period
    summary: Table
    findings: list[dict]
    proposals: str
    sections: list[Section]

    @property
    def title(self) -> str:
        return f"Отчёт о работе с клиентами за {month_title(self.filter.period.first)}"


def build(f: ReportFilter) -> MonthlyContent:
    """The monthly report of the filter's month (department and channel filters apply to every figure)."""
    previous_filter = ReportFilter(period=f.period.previous(), department=f.department, channel=f.channel)
    levels = calls.levels(f)
    current = summary(f, calls_levels=levels)
    previous = summary(previous_filter)
    sections = registry.build_all(f, calls_levels=levels)
    without_urgency = _complaints_without_urgency(sections)
    report = MonthlyReport.objects.filter(month=f.period.first).first()
    return MonthlyContent(
        filter=f, previous=previous_filter.period,
        summary=comparison(current, previous, current_title=f.period.title.capitalize(),
                           previous_title=previous_filter.period.title.capitalize()),
        findings=findings(current, previous, previous_period=previous_filter.period,
                          complaints_without_urgency=without_urgency),
        proposals=report.proposals if report else "", sections=sections)


def _complaints_without_urgency(sections: list[Section]) -> int:
    for section in sections:
        if section.slug == "complaints":
            try:
                return section.table("complaints_by_urgency").value(complaints.NO_URGENCY, "complaints") or 0
            except KeyError:
                return 0
    return 0


def report_for(month: dt.date) -> MonthlyReport:
    return MonthlyReport.objects.get_or_create(month=month_start(month))[0]


@transaction.atomic
def save_proposals(*, month: dt.date, text: str, author) -> MonthlyReport:
    """The head's improvement proposals for a month (standard 1.3): the report carries them as written."""
    report = MonthlyReport.objects.select_for_update().get(pk=report_for(month).pk)
    report.proposals = text.strip()
    report.proposals_by = author
    report.proposals_at = timezone.now()
    report.save(update_fields=["proposals", "proposals_by", "proposals_at", "updated_at"])
    return report

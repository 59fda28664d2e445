"""Read-only queries of feedback for the staff pages and the reports: active feedback counted by kind,
channel, department and employee; satisfaction survey figures; low ratings. All aggregated in the database."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from abonent.appeals.models import FEEDBACK_KINDS, Appeal, Kind
from abonent.feedback.models import Survey
from abonent.organisation.models import Channel


def local_range(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, the day after end 00:00) in the organisation's time zone."""
    zone = timezone.get_current_timezone()
    return (datetime.datetime.combine(start, datetime.time.min, zone),
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, zone))


@dataclass(frozen=True)
class FeedbackFilter:
    start: datetime.date
    end: datetime.date
    kind: str = ""
    department_id: int | None = None
    employee_id: int | None = None
    channel: str = ""


def feedback_appeals(f: FeedbackFilter) -> QuerySet[Appeal]:
    """Appeals of the feedback kinds registered in the period; department and employee are those the
    feedback is about (set on the appeal card)."""
    since, until = local_range(f.start, f.end)
    qs = Appeal.objects.filter(kind__in=FEEDBACK_KINDS, registered_at__gte=since, registered_at__lt=until)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.department_id:
        qs = qs.filter(feedback_subject__department_id=f.department_id)
    if f.employee_id:
        qs = qs.filter(feedback_subject__employee_id=f.employee_id)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    return qs


@dataclass
class CountRow:
    label: str
    by_kind: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def cells(self) -> list[int]:
        return [self.by_kind.get(kind, 0) for kind in FEEDBACK_KINDS]


def _rows(qs: QuerySet[Appeal], key: str, labels: dict, empty: str) -> list[CountRow]:
    rows: dict = {}
    for value, kind, n in qs.values_list(key, "kind").annotate(n=Count("pk")).order_by():
        rows.setdefault(value, {})[kind] = n
    result = [CountRow(labels.get(value, empty) if value is not None else empty, counts)
              for value, counts in rows.items()]
    return sorted(result, key=lambda r: (r.label == empty, -r.total, r.label))


def feedback_counts(f: FeedbackFilter) -> dict:
    """Counts of the period: by kind, and by kind within channel, department and employee."""
    from abonent.organisation.models import Department
    from abonent.users.models import User

    qs = feedback_appeals(f)
    by_kind = dict(qs.values_list("kind").annotate(n=Count("pk")).order_by())
    departments = {d.pk: d.name for d in Department.objects.all()}
    employee_ids = qs.exclude(feedback_subject__employee=None).values("feedback_subject__employee")
    employees = {u.pk: u.full_name for u in User.objects.filter(pk__in=employee_ids)}
    return {
        "kinds": [(Kind(k).label, by_kind.get(k, 0)) for k in FEEDBACK_KINDS],
        "total": sum(by_kind.values()),
        "by_channel": _rows(qs, "channel", dict(Channel.choices), "—"),
        "by_department": _rows(qs, "feedback_subject__department", departments, "не указано"),
        "by_employee": _rows(qs, "feedback_subject__employee", employees, "не указан"),
    }


# --- the survey after a reply ---


@dataclass(frozen=True)
class SurveySummary:
    created: int
    sent: int
    answered: int
    average: Decimal | None
    resolved: int
    low: int
    by_rating: dict[int, int]

    @property
    def response_rate(self) -> Decimal | None:
        return _share(self.answered, self.sent)

    @property
    def resolved_share(self) -> Decimal | None:
        return _share(self.resolved, self.answered)


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if whole else None


def surveys_in(start: datetime.date, end: datetime.date, *, department_id: int | None = None,
               channel: str = "") -> QuerySet[Survey]:
    """Surveys of replies sent in the period (the reply's date decides the month a rating belongs to)."""
    since, until = local_range(start, end)
    qs = Survey.objects.filter(reply__sent_at__gte=since, reply__sent_at__lt=until)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if channel:
        qs = qs.filter(appeal__channel=channel)
    return qs


def survey_summary(qs: QuerySet[Survey]) -> SurveySummary:
    sent_statuses = [Survey.Status.SENT, Survey.Status.ANSWERED]
    figures = qs.aggregate(
        created=Count("pk"), sent=Count("pk", filter=Q(status__in=sent_statuses)),
        answered=Count("pk", filter=Q(answered_at__isnull=False)), average=Avg("rating"),
        resolved=Count("pk", filter=Q(is_resolved=True)), low=Count("pk", filter=Q(is_low=True)))
    by_rating = dict(qs.filter(rating__isnull=False).values_list("rating").annotate(n=Count("pk")).order_by())
    average = figures["average"]
    return SurveySummary(
        created=figures["created"], sent=figures["sent"], answered=figures["answered"],
        average=Decimal(str(average)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if average is not None
        else None,
        resolved=figures["resolved"], low=figures["low"], by_rating={r: by_rating.get(r, 0) for r in range(1, 6)})


def survey_summary_by_department(qs: QuerySet[Survey]) -> list[dict]:
    rows = (qs.values("department__name").annotate(
        answered=Count("pk", filter=Q(answered_at__isnull=False)), average=Avg("rating"),
        resolved=Count("pk", filter=Q(is_resolved=True)), low=Count("pk", filter=Q(is_low=True)))
        .order_by("department__name"))
    return [{**row, "average": Decimal(str(row["average"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
             if row["average"] is not None else None} for row in rows]


def low_ratings(qs: QuerySet[Survey], *, state: str = "") -> QuerySet[Survey]:
    """Answered surveys with a low rating or an unresolved question; state "open" — control item not done
    (or none could be opened), "done" — done."""
    low = qs.low().select_related("appeal", "reply", "department", "executor", "control_item__owner")
    if state == "open":
        low = low.exclude(control_item__status="done")
    elif state == "done":
        low = low.filter(control_item__status="done")
    return low.order_by("-answered_at", "-pk")

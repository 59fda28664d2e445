"""Read-only queries of the call centre: who sees which calls, the operator's current call, and the service
levels of standard 2.2.1.2 and 2.2.3 (answer within 12 s — four rings; a wait over 2 minutes only when the
line is busy; talk time against the 4–5 minute norm)."""

import datetime as dt

from django.db import connection
from django.db.models import Aggregate, Count, F, IntegerField, Q, Sum, Value, Window
from django.db.models.functions import ExtractHour, RowNumber, TruncDate
from django.utils import timezone

from abonent.calendar.services import local_zone, working_days_in
from abonent.channels.phone.models import Call, CallBack, CallQuerySet
from abonent.users.models import User

CONTROL = "appeals.control_appeals"
ANSWER_WITHIN = 12  # seconds: the fourth ring
LONG_WAIT = 120  # seconds
TALK_NORM = 300  # seconds: «не более 4–5 минут»
LIVE_WINDOW = dt.timedelta(hours=3)  # a call with no hangup for longer is a lost event, not a live call
Outcome = Call.Outcome
ANSWERED_OUTCOMES = (Outcome.ANSWERED, Outcome.TRANSFERRED, Outcome.ABUSE)


def calls_visible_to(user: User) -> CallQuerySet:
    """Heads (control of appeals) see every call; an operator sees the calls put through to them."""
    calls = Call.objects.select_related("operator", "customer", "appeal")
    return calls if user.has_perm(CONTROL) else calls.filter(operator=user)


def current_call_for(user: User, *, now: dt.datetime | None = None) -> Call | None:
    """The call ringing at or talking with the operator now: the latest unfinished one."""
    now = now or timezone.now()
    return (Call.objects.select_related("customer").in_progress()
            .filter(operator=user, started_at__gte=now - LIVE_WINDOW, is_rejected=False)
            .order_by("-started_at", "-pk").first())


def live_calls(*, now: dt.datetime | None = None) -> CallQuerySet:
    now = now or timezone.now()
    return (Call.objects.select_related("operator", "customer").in_progress()
            .filter(started_at__gte=now - LIVE_WINDOW, is_rejected=False).order_by("started_at"))


def open_callbacks_for(user: User):
    """Call-backs assigned to the operator or to no one, the most urgent first."""
    return (CallBack.objects.select_related("customer", "call").filter(status=CallBack.Status.OPEN)
            .filter(Q(assigned_to=user) | Q(assigned_to__isnull=True)).order_by("due_at", "pk"))


def _day_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = local_zone()
    return (dt.datetime.combine(date_from, dt.time.min, tzinfo=zone),
            dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# The calls each figure counts. A call outside the line's hours and a rejected one are counted apart and
# not offered; an answered call is one that reached an operator (or is being talked now); a talk counts
# once the call is over and had an answer.
OFFERED = Q(is_outside_hours=False, is_rejected=False)
ANSWERED = OFFERED & (Q(outcome__in=ANSWERED_OUTCOMES) | Q(outcome=Outcome.IN_PROGRESS, answered_at__isnull=False))
TALKED = OFFERED & Q(ended_at__isnull=False, answered_at__isnull=False, talk_seconds__isnull=False)
P90 = 0.9


class PercentileDisc(Aggregate):
    """PostgreSQL's nearest-rank percentile: the first value whose position in the ordered set reaches
    `fraction` of the set, i.e. the smallest value with at least that share of the values at or below."""

    function = "PERCENTILE_DISC"
    name = "PercentileDisc"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"

    def __init__(self, fraction: float, expression, **extra):
        super().__init__(expression, fraction=repr(float(fraction)), output_field=IntegerField(), **extra)


def _aggregates(*, with_p90: bool) -> dict:
    aggregates = {
        "offered": Count("pk", filter=OFFERED),
        "answered": Count("pk", filter=ANSWERED),
        "answered_within_12s": Count("pk", filter=ANSWERED & Q(wait_seconds__lte=ANSWER_WITHIN)),
        "waits_over_2min": Count("pk", filter=OFFERED & Q(wait_seconds__gt=LONG_WAIT)),
        "abandoned": Count("pk", filter=OFFERED & Q(outcome=Outcome.ABANDONED)),
        "missed": Count("pk", filter=OFFERED & Q(outcome=Outcome.MISSED)),
        "transferred": Count("pk", filter=OFFERED & Q(outcome=Outcome.TRANSFERRED)),
        "ended_for_abuse": Count("pk", filter=OFFERED & Q(outcome=Outcome.ABUSE)),
        "talks": Count("pk", filter=TALKED),
        "talk_total": Sum("talk_seconds", filter=TALKED),
        "talks_over_5min": Count("pk", filter=TALKED & Q(talk_seconds__gt=TALK_NORM)),
        "outside_hours": Count("pk", filter=Q(is_outside_hours=True, is_rejected=False)),
        "rejected": Count("pk", filter=Q(is_rejected=True)),
    }
    if with_p90:
        aggregates["talk_p90_seconds"] = PercentileDisc(P90, "talk_seconds", filter=TALKED)
    return aggregates


def _p90_by(calls: CallQuerySet, key=None) -> dict:
    """The nearest-rank 90th percentile of talk time per value of `key` (None: of all the calls) where the
    database has no percentile aggregate (SQLite): the talks ranked within their group, and the one at rank
    ⌈0.9·n⌉ kept — in integers, (9n + 9) div 10, which equals Python's math.ceil(0.9 * n) for every n."""
    groups = [key] if key is not None else None
    ranked = calls.filter(TALKED).annotate(
        key=key if key is not None else Value(None, output_field=IntegerField()),
        rank=Window(RowNumber(), partition_by=groups, order_by=F("talk_seconds").asc()),
        size=Window(Count("pk"), partition_by=groups))
    return dict(ranked.filter(rank=(F("size") * 9 + 9) / 10).values_list("key", "talk_seconds"))


def _figures(row: dict | None, p90: int | None = None) -> dict:
    """The figures of a group from its aggregate row (None for a group with no calls)."""
    row = row or {}
    offered, talks = row.get("offered", 0), row.get("talks", 0)
    quick, over = row.get("answered_within_12s", 0), row.get("talks_over_5min", 0)
    return {
        "offered": offered,
        "answered": row.get("answered", 0),
        "answered_within_12s": quick,
        "answered_within_12s_share": _share(quick, offered),
        "waits_over_2min": row.get("waits_over_2min", 0),
        "abandoned": row.get("abandoned", 0),
        "missed": row.get("missed", 0),
        "transferred": row.get("transferred", 0),
        "ended_for_abuse": row.get("ended_for_abuse", 0),
        "talk_average_seconds": round(row["talk_total"] / talks) if talks else None,
        "talk_p90_seconds": row.get("talk_p90_seconds", p90) if talks else None,
        "talks_over_5min": over,
        "talks_over_5min_share": _share(over, talks),
        "outside_hours": row.get("outside_hours", 0),
        "rejected": row.get("rejected", 0),
    }


def _inbound_calls(date_from: dt.date, date_to: dt.date, operator: User | None) -> CallQuerySet:
    start, end = _day_bounds(date_from, date_to)
    calls = Call.objects.inbound().filter(started_at__gte=start, started_at__lt=end).order_by()
    if operator is not None:
        calls = calls.filter(operator=operator)
    return calls


def _grouped(calls: CallQuerySet, key, *, with_p90: bool) -> dict:
    """Aggregate rows per value of `key` (an expression), and the talk-time percentile of each group."""
    rows = {row["key"]: row for row in calls.annotate(key=key).values("key").annotate(**_aggregates(
        with_p90=with_p90))}
    p90 = {} if with_p90 else _p90_by(calls, key)
    return {value: _figures(row, p90.get(value)) for value, row in rows.items()}


def service_levels(date_from: dt.date, date_to: dt.date, *, operator: User | None = None) -> dict:
    """The service levels of inbound calls from `date_from` to `date_to` (local dates, inclusive): the
    totals, and rows per operator, per working day and per hour of the day. Keys of the figures: offered,
    answered, answered_within_12s (+ _share, of offered), waits_over_2min, abandoned, missed, transferred,
    ended_for_abuse, talk_average_seconds, talk_p90_seconds, talks_over_5min (+ _share), outside_hours,
    rejected. Shares are fractions (0.75) or None when there is nothing to divide by.

    Aggregated in the database, a fixed number of queries whatever the number of calls: one per grouping
    (total, operator, local day, local hour) and, where the database has no percentile aggregate, one more
    per grouping for the 90th percentile of talk time."""
    calls = _inbound_calls(date_from, date_to, operator)
    zone = local_zone()
    with_p90 = connection.vendor == "postgresql"
    total_row = calls.aggregate(**_aggregates(with_p90=with_p90))
    total_p90 = None if with_p90 else _p90_by(calls).get(None)
    by_operator = _grouped(calls.filter(operator__isnull=False), F("operator_id"), with_p90=with_p90)
    by_day = _grouped(calls, TruncDate("started_at", tzinfo=zone), with_p90=with_p90)
    by_hour = _grouped(calls, ExtractHour("started_at", tzinfo=zone), with_p90=with_p90)
    operators = User.objects.in_bulk(list(by_operator))
    days = [{"day": day, "is_working_day": working, **(by_day.get(day) or _figures(None))}
            for day, working in working_days_in(date_from, date_to).items() if working or day in by_day]
    return {
        "date_from": date_from, "date_to": date_to, "norms": {
            "answer_within_seconds": ANSWER_WITHIN, "long_wait_seconds": LONG_WAIT, "talk_norm_seconds": TALK_NORM},
        "total": _figures(total_row, total_p90),
        "by_operator": sorted(({"operator": operators[pk], **row} for pk, row in by_operator.items()),
                              key=lambda row: str(row["operator"])),
        "by_day": days,
        "by_hour": [{"hour": hour, **by_hour[hour]} for hour in sorted(by_hour)],
    }

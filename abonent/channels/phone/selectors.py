"""Read-only queries of the call centre: who sees which calls, the operator's current call, and the service
levels of standard 2.2.1.2 and 2.2.3 (answer within 12 s — four rings; a wait over 2 minutes only when the
line is busy; talk time against the 4–5 minute norm)."""

import datetime as dt
import math
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from abonent.calendar.services import is_working_day, local_zone
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


def _percentile(values: list[int], share: float) -> int | None:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(calls: list[Call]) -> dict:
    """The service-level figures of a set of inbound calls. Calls outside the line's hours and rejected ones
    are counted apart and not offered; the 12-second share is of the offered calls."""
    offered = [c for c in calls if not c.is_outside_hours and not c.is_rejected]
    finished = [c for c in offered if c.ended_at is not None]
    answered = [c for c in offered if c.outcome in ANSWERED_OUTCOMES or (c.outcome == Outcome.IN_PROGRESS
                                                                         and c.answered_at is not None)]
    quick = [c for c in answered if c.wait_seconds is not None and c.wait_seconds <= ANSWER_WITHIN]
    talks = [c.talk_seconds for c in finished if c.talk_seconds is not None and c.answered_at is not None]
    return {
        "offered": len(offered),
        "answered": len(answered),
        "answered_within_12s": len(quick),
        "answered_within_12s_share": _share(len(quick), len(offered)),
        "waits_over_2min": sum(1 for c in offered if c.wait_seconds is not None and c.wait_seconds > LONG_WAIT),
        "abandoned": sum(1 for c in offered if c.outcome == Outcome.ABANDONED),
        "missed": sum(1 for c in offered if c.outcome == Outcome.MISSED),
        "transferred": sum(1 for c in offered if c.outcome == Outcome.TRANSFERRED),
        "ended_for_abuse": sum(1 for c in offered if c.outcome == Outcome.ABUSE),
        "talk_average_seconds": round(sum(talks) / len(talks)) if talks else None,
        "talk_p90_seconds": _percentile(talks, 0.9),
        "talks_over_5min": sum(1 for t in talks if t > TALK_NORM),
        "talks_over_5min_share": _share(sum(1 for t in talks if t > TALK_NORM), len(talks)),
        "outside_hours": sum(1 for c in calls if c.is_outside_hours and not c.is_rejected),
        "rejected": sum(1 for c in calls if c.is_rejected),
    }


def _inbound_calls(date_from: dt.date, date_to: dt.date, operator: User | None) -> list[Call]:
    start, end = _day_bounds(date_from, date_to)
    calls = Call.objects.inbound().filter(started_at__gte=start, started_at__lt=end).select_related("operator")
    if operator is not None:
        calls = calls.filter(operator=operator)
    return list(calls.order_by("started_at", "pk"))


def service_levels(date_from: dt.date, date_to: dt.date, *, operator: User | None = None) -> dict:
    """The service levels of inbound calls from `date_from` to `date_to` (local dates, inclusive): the
    totals, and rows per operator, per working day and per hour of the day. Keys of the figures: offered,
    answered, answered_within_12s (+ _share, of offered), waits_over_2min, abandoned, missed, transferred,
    ended_for_abuse, talk_average_seconds, talk_p90_seconds, talks_over_5min (+ _share), outside_hours,
    rejected. Shares are fractions (0.75) or None when there is nothing to divide by."""
    calls = _inbound_calls(date_from, date_to, operator)
    zone = local_zone()
    by_operator: dict[int | None, list[Call]] = defaultdict(list)
    by_day: dict[dt.date, list[Call]] = defaultdict(list)
    by_hour: dict[int, list[Call]] = defaultdict(list)
    for call in calls:
        local = call.started_at.astimezone(zone)
        by_day[local.date()].append(call)
        by_hour[local.hour].append(call)
        if call.operator_id is not None:
            by_operator[call.operator_id].append(call)
    operators = {c.operator_id: c.operator for c in calls if c.operator_id}
    days = []
    day = date_from
    while day <= date_to:
        working = is_working_day(day)
        if working or by_day.get(day):
            days.append({"day": day, "is_working_day": working, **figures(by_day.get(day, []))})
        day += dt.timedelta(days=1)
    return {
        "date_from": date_from, "date_to": date_to, "norms": {
            "answer_within_seconds": ANSWER_WITHIN, "long_wait_seconds": LONG_WAIT, "talk_norm_seconds": TALK_NORM},
        "total": figures(calls),
        "by_operator": sorted(
            ({"operator": operators[pk], **figures(rows)} for pk, rows in by_operator.items()),
            key=lambda row: str(row["operator"])),
        "by_day": days,
        "by_hour": [{"hour": hour, **figures(by_hour[hour])} for hour in sorted(by_hour)],
    }

import datetime as dt
import math
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abonent.calendar.services import local_zone
from abonent.channels.phone.models import Call
from abonent.channels.phone.selectors import ANSWERED_OUTCOMES, service_levels
from abonent.channels.phone.tests import scenarios
from abonent.channels.phone.tests.conftest import DAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_of_calls(pbx, agent, agent2):
    for events in (scenarios.answered(), scenarios.abandoned(), scenarios.transferred(), scenarios.long_talk(),
                   scenarios.missed(), scenarios.outside_hours()):
        scenarios.replay(pbx, events)


FIGURE_KEYS = ("offered", "answered", "answered_within_12s", "answered_within_12s_share", "waits_over_2min",
               "abandoned", "missed", "transferred", "talk_average_seconds", "talk_p90_seconds", "talks_over_5min",
               "talks_over_5min_share", "outside_hours")


def pick(figures: dict) -> tuple:
    return tuple(figures[k] for k in FIGURE_KEYS)


def test_totals_of_the_day(day_of_calls):
    levels = service_levels(DAY, DAY)
    # answered within 12 s: c-answered (10 s) and c-long (3 s); c-transferred waited 20 s.
    # talks 180, 120, 400: average 233, p90 (nearest rank) 400, one over 5 minutes.
    assert pick(levels["total"]) == (5, 3, 2, 0.4, 1, 1, 1, 1, 233, 400, 1, 0.3333, 1)
    assert levels["norms"] == {"answer_within_seconds": 12, "long_wait_seconds": 120, "talk_norm_seconds": 300}


def test_per_operator(day_of_calls, agent, agent2):
    rows = {row["operator"]: row for row in service_levels(DAY, DAY)["by_operator"]}
    assert pick(rows[agent]) == (2, 2, 2, 1.0, 0, 0, 0, 0, 290, 400, 1, 0.5, 0)
    assert pick(rows[agent2]) == (2, 1, 0, 0.0, 0, 0, 1, 1, 120, 120, 0, 0.0, 0)


def test_operator_filter(day_of_calls, agent):
    assert pick(service_levels(DAY, DAY, operator=agent)["total"]) == (2, 2, 2, 1.0, 0, 0, 0, 0, 290, 400, 1, 0.5, 0)


def test_per_hour(day_of_calls):
    rows = {row["hour"]: (row["offered"], row["answered"], row["abandoned"], row["missed"], row["outside_hours"])
            for row in service_levels(DAY, DAY)["by_hour"]}
    assert rows == {7: (0, 0, 0, 0, 1), 10: (2, 1, 1, 0, 0), 11: (1, 1, 0, 0, 0), 12: (1, 1, 0, 0, 0),
                    16: (1, 0, 0, 1, 0)}


def test_per_day_lists_working_days_only(day_of_calls):
    days = service_levels(DAY - dt.timedelta(days=2), DAY + dt.timedelta(days=5))["by_day"]
    # 09.03 Mon … 16.03 Mon: 09.03 is the day off moved from Sunday 08.03 (production calendar 2026) and the
    # weekend 14–15.03 is left out.
    assert [row["day"] for row in days] == [dt.date(2026, 3, d) for d in (10, 11, 12, 13, 16)]
    assert [row["offered"] for row in days] == [0, 5, 0, 0, 0]


def test_empty_period_has_no_shares():
    levels = service_levels(DAY, DAY)
    assert (levels["total"]["offered"], levels["total"]["answered_within_12s_share"],
            levels["total"]["talk_average_seconds"], levels["total"]["talk_p90_seconds"]) == (0, None, None, None)


# --- aggregated in the database: the figures of the Python computation it replaced, in a fixed number of queries


def _calls(count: int, operators: list, *, seed: int = 1) -> list[Call]:
    """Calls over three days (one a weekend) at every hour, with every outcome, talk times with ties and
    the odd lost event (no end, no answer time), spread over two operators and none."""
    rng = random.Random(seed)
    outcomes = [Call.Outcome.ANSWERED] * 6 + [Call.Outcome.TRANSFERRED, Call.Outcome.ABUSE, Call.Outcome.MISSED,
                                              Call.Outcome.ABANDONED, Call.Outcome.IN_PROGRESS]
    calls = []
    for n in range(count):
        day = DAY + dt.timedelta(days=rng.choice((0, 1, 3)))
        started = at(rng.randrange(24), rng.randrange(60), day=day)
        outcome = rng.choice(outcomes)
        answered = outcome in (*ANSWERED_OUTCOMES, Call.Outcome.IN_PROGRESS) and rng.random() < 0.9
        wait = rng.choice((None, rng.randrange(0, 40), rng.randrange(100, 200)))
        talk = rng.choice((None, rng.randrange(10, 60) * 10)) if answered else None
        ended = None if outcome == Call.Outcome.IN_PROGRESS and rng.random() < 0.5 else started + dt.timedelta(
            seconds=(wait or 0) + (talk or 0))
        calls.append(Call(
            call_id=f"bulk-{seed}-{n}", started_at=started, outcome=outcome, wait_seconds=wait, talk_seconds=talk,
            answered_at=started + dt.timedelta(seconds=wait or 0) if answered else None, ended_at=ended,
            operator=rng.choice([*operators, None]), is_rejected=rng.random() < 0.05,
            is_outside_hours=not 8 <= started.hour < 17, direction=rng.choice(["in"] * 9 + ["out"])))
    return Call.objects.bulk_create(calls)


def _reference(calls: list[Call]) -> dict:
    """The figures as they were computed in Python before the aggregation moved to the database."""
    offered = [c for c in calls if not c.is_outside_hours and not c.is_rejected]
    answered = [c for c in offered if c.outcome in ANSWERED_OUTCOMES or (c.outcome == Call.Outcome.IN_PROGRESS
                                                                         and c.answered_at is not None)]
    quick = [c for c in answered if c.wait_seconds is not None and c.wait_seconds <= 12]
    talks = sorted(c.talk_seconds for c in offered if c.ended_at is not None and c.talk_seconds is not None
                   and c.answered_at is not None)
    over = sum(1 for t in talks if t > 300)
    return {
        "offered": len(offered), "answered": len(answered), "answered_within_12s": len(quick),
        "answered_within_12s_share": round(len(quick) / len(offered), 4) if offered else None,
        "waits_over_2min": sum(1 for c in offered if c.wait_seconds is not None and c.wait_seconds > 120),
        "abandoned": sum(1 for c in offered if c.outcome == Call.Outcome.ABANDONED),
        "missed": sum(1 for c in offered if c.outcome == Call.Outcome.MISSED),
        "transferred": sum(1 for c in offered if c.outcome == Call.Outcome.TRANSFERRED),
        "ended_for_abuse": sum(1 for c in offered if c.outcome == Call.Outcome.ABUSE),
        "talk_average_seconds": round(sum(talks) / len(talks)) if talks else None,
        "talk_p90_seconds": talks[max(0, math.ceil(0.9 * len(talks)) - 1)] if talks else None,
        "talks_over_5min": over, "talks_over_5min_share": round(over / len(talks), 4) if talks else None,
        "outside_hours": sum(1 for c in calls if c.is_outside_hours and not c.is_rejected),
        "rejected": sum(1 for c in calls if c.is_rejected),
    }


def _without_label(row: dict, label: str) -> dict:
    return {k: v for k, v in row.items() if k not in (label, "is_working_day")}


def test_figures_match_the_python_computation(agent, agent2):
    calls = [c for c in _calls(400, [agent, agent2]) if c.direction == "in"]
    levels = service_levels(DAY, DAY + dt.timedelta(days=3))
    zone = local_zone()
    assert levels["total"] == _reference(calls)
    for row in levels["by_operator"]:
        assert _without_label(row, "operator") == _reference([c for c in calls if c.operator == row["operator"]])
    assert {row["operator"] for row in levels["by_operator"]} == {agent, agent2}
    for row in levels["by_day"]:
        assert _without_label(row, "day") == _reference(
            [c for c in calls if c.started_at.astimezone(zone).date() == row["day"]])
    assert [row["day"] for row in levels["by_day"]] == [DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2),
                                                        DAY + dt.timedelta(days=3)]
    assert [row["hour"] for row in levels["by_hour"]] == sorted({c.started_at.astimezone(zone).hour for c in calls})
    for row in levels["by_hour"]:
        assert _without_label(row, "hour") == _reference(
            [c for c in calls if c.started_at.astimezone(zone).hour == row["hour"]])
    assert pick(service_levels(DAY, DAY, operator=agent)["total"]) == pick(_reference(
        [c for c in calls if c.operator == agent and c.started_at.astimezone(zone).date() == DAY]))


@pytest.mark.parametrize("talks", [[100], [100, 200], list(range(1, 11)), list(range(1, 12)), [5] * 20 + [7],
                                   list(range(20, 0, -1))])
def test_talk_p90_is_the_nearest_rank(talks):
    Call.objects.bulk_create(Call(call_id=f"p90-{n}", started_at=at(10, n % 60), answered_at=at(10, n % 60),
                                  ended_at=at(11), talk_seconds=talk, outcome=Call.Outcome.ANSWERED)
                             for n, talk in enumerate(talks))
    ordered = sorted(talks)
    assert service_levels(DAY, DAY)["total"]["talk_p90_seconds"] == ordered[math.ceil(0.9 * len(ordered)) - 1]


def test_queries_do_not_grow_with_the_calls(agent, agent2):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            service_levels(DAY, DAY + dt.timedelta(days=30))
        return len(captured)

    few_calls = _calls(3, [agent, agent2], seed=2)
    # The operators' names are read only when some call has one: let the few calls have one too.
    Call.objects.filter(pk=few_calls[0].pk).update(direction="in", operator=agent)
    count()  # the production calendar's copy is loaded once per process (calendar.services)
    few = count()
    _calls(300, [agent, agent2], seed=3)
    assert count() == few

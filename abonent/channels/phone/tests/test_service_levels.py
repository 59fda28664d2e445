import datetime as dt

import pytest

from abonent.channels.phone.selectors import service_levels
from abonent.channels.phone.tests import scenarios
from abonent.channels.phone.tests.conftest import DAY

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

"""When to remind about a due date: N working (or calendar) days before it, over the production calendar.
The due dates and the unpaid part of each instalment come from billing.statement (the schedule the portal
shows the customer), so the reminder's amount is the amount on the customer's account page."""

import datetime as dt

from abonent.calendar.services import is_working_day


def working_days_before(day: dt.date, days: int) -> dt.date:
    """The working day `days` working days before `day` (3 before Wednesday the 10th is Friday the 5th)."""
    current = day
    counted = 0
    while counted < days:
        current -= dt.timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current


def reminder_day(due: dt.date, days: int, *, working: bool) -> dt.date:
    return working_days_before(due, days) if working else due - dt.timedelta(days=days)

import datetime

from abonent.appeals.models import UrgencyCategory
from abonent.appeals.services.policies import policies
from abonent.calendar.services import deadline_from
from abonent.core.text import days_text

# Standard 2.2.1.2, 2.2.6-2.2.8: "не более 30 календарных дней" unless set otherwise.
DEFAULT_TERM_DAYS = 30
MAX_EXTENSION_DAYS = 30


def response_term(*, kind: str, urgency: UrgencyCategory | None) -> tuple[int, bool]:
    """(days, counted in working days?) for an appeal: the urgency category's own term first, then the
    head roles' policy for the kind, then the standard's 30 calendar days."""
    terms = policies.get().terms
    if urgency is not None:
        return terms.get((kind, urgency.pk)) or (urgency.days, urgency.working_days)
    return terms.get((kind, None)) or (DEFAULT_TERM_DAYS, False)


def due_at(*, registered_at: datetime.datetime, kind: str, urgency: UrgencyCategory | None) -> datetime.datetime:
    days, working = response_term(kind=kind, urgency=urgency)
    return deadline_from(registered_at, days, working_days=working)


def term_text(*, kind: str, urgency: UrgencyCategory | None) -> str:
    days, working = response_term(kind=kind, urgency=urgency)
    return days_text(days, working=working)

import datetime

from abonent.appeals.models import UrgencyCategory
from abonent.appeals.services import policies as policy
from abonent.calendar.services import deadline_from
from abonent.core.text import days_text

# Standard 2.2.1.2, 2.2.6-2.2.8: "не более 30 календарных дней" unless set otherwise.
DEFAULT_TERM_DAYS = 30
MAX_EXTENSION_DAYS = 30


def response_term(*, kind: str, urgency: UrgencyCategory | None,
                  policies: policy.Policies | None = None) -> tuple[int, bool]:
    """(days, counted in working days?) for an appeal: with an urgency category, the head roles' policy for the
    kind and that category, else the category's own term; without one, the policy for the kind, else the
    standard's 30 calendar days."""
    terms = (policies or policy.current()).terms
    if urgency is not None:
        return terms.get((kind, urgency.pk)) or (urgency.days, urgency.working_days)
    return terms.get((kind, None)) or (DEFAULT_TERM_DAYS, False)


def due_at(*, registered_at: datetime.datetime, kind: str, urgency: UrgencyCategory | None,
           policies: policy.Policies | None = None) -> datetime.datetime:
    days, working = response_term(kind=kind, urgency=urgency, policies=policies)
    return deadline_from(registered_at, days, working_days=working)


def term_text(*, kind: str, urgency: UrgencyCategory | None, policies: policy.Policies | None = None) -> str:
    days, working = response_term(kind=kind, urgency=urgency, policies=policies)
    return days_text(days, working=working)

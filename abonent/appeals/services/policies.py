"""The policy rows registration reads every time — routing rules, the departments' competence, the reception
group, deadline policies — kept as one copy per process and loaded again after the head roles change any of
them (abonent.core.process_cache): one cache read per registration instead of four or five queries."""

from dataclasses import dataclass

from abonent.appeals.models import DeadlinePolicy, RoutingRule
from abonent.core.process_cache import ProcessCache
from abonent.core.russian import stem_words
from abonent.organisation.models import Department


@dataclass(frozen=True)
class Rule:
    """An active routing rule with its keyword phrases already stemmed (any phrase whose stems all occur in the
    text matches)."""

    rule: RoutingRule
    phrases: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class Policies:
    rules: tuple[Rule, ...]  # by priority
    competent: dict[int, Department]  # topic id → the competent department (the first by id)
    reception: Department | None
    terms: dict[tuple[str, int | None], tuple[int, bool]]  # (kind, urgency id) → (days, in working days)


def _phrases(keywords: str) -> tuple[frozenset[str], ...]:
    return tuple(frozenset(stem_words(phrase)) for phrase in keywords.split(",") if phrase.strip())


def _load() -> Policies:
    departments = list(Department.objects.prefetch_related("topics").order_by("pk"))
    competent: dict[int, Department] = {}
    for department in departments:
        for topic in department.topics.all():
            competent.setdefault(topic.pk, department)
    rules = RoutingRule.objects.filter(is_active=True).select_related("department")
    return Policies(
        rules=tuple(Rule(rule, _phrases(rule.keywords)) for rule in rules),
        competent=competent,
        reception=next((d for d in departments if d.is_reception_group), None),
        terms={(p.kind, p.urgency_id): (p.days, p.working_days) for p in DeadlinePolicy.objects.all()},
    )


policy_cache: ProcessCache[Policies] = ProcessCache("appeals-policies", _load)


def current() -> Policies:
    return policy_cache.get()


def watch() -> None:
    """Connected once, from the app's ready()."""
    policy_cache.watch(RoutingRule, DeadlinePolicy, Department)

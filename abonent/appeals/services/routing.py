"""Routing: the first active rule whose conditions all hold names the competent department; otherwise
the appeal lands in the reception group's queue."""

from abonent.appeals.models import RoutingRule
from abonent.appeals.services import policies as policy
from abonent.core.russian import stem_words
from abonent.organisation.models import Department


def stems(text: str) -> set[str]:
    return set(stem_words(text))


def _rule_matches(compiled: policy.Rule, *, kind, topic, channel, customer, text_stems) -> bool:
    rule = compiled.rule
    return (
        (rule.topic_id is None or (topic is not None and rule.topic_id == topic.pk))
        and (not rule.kind or rule.kind == kind)
        and (not rule.channel or rule.channel == channel)
        and (rule.customer_id is None or (customer is not None and rule.customer_id == customer.pk))
        and (not compiled.phrases or any(phrase <= text_stems for phrase in compiled.phrases))
    )


def choose_department(*, kind: str, topic, channel: str, customer, text: str,
                      policies: policy.Policies | None = None) -> tuple[Department, RoutingRule | None]:
    current = policies or policy.current()
    text_stems = stems(text)
    for compiled in current.rules:
        if _rule_matches(compiled, kind=kind, topic=topic, channel=channel, customer=customer, text_stems=text_stems):
            return compiled.rule.department, compiled.rule
    if topic is not None and (competent := current.competent.get(topic.pk)):
        return competent, None
    if current.reception is None:
        raise LookupError("Не настроена группа по приёму потребителей: обращение некуда направить.")
    return current.reception, None

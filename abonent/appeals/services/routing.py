"""Routing: the first active rule whose conditions all hold names the competent department; otherwise
the appeal lands in the reception group's queue."""

from abonent.appeals.models import RoutingRule
from abonent.core.russian import stem_words
from abonent.organisation.models import Department


def stems(text: str) -> set[str]:
    return set(stem_words(text))


def _keywords_match(rule: RoutingRule, text_stems: set[str]) -> bool:
    phrases = [p.strip() for p in rule.keywords.split(",") if p.strip()]
    return any(stems(phrase) <= text_stems for phrase in phrases)


def _rule_matches(rule: RoutingRule, *, kind, topic, channel, customer, text_stems) -> bool:
    return (
        (rule.topic_id is None or (topic is not None and rule.topic_id == topic.pk))
        and (not rule.kind or rule.kind == kind)
        and (not rule.channel or rule.channel == channel)
        and (rule.customer_id is None or (customer is not None and rule.customer_id == customer.pk))
        and (not rule.keywords or _keywords_match(rule, text_stems))
    )


def choose_department(*, kind: str, topic, channel: str, customer, text: str) -> tuple[Department, RoutingRule | None]:
    text_stems = stems(text)
    for rule in RoutingRule.objects.filter(is_active=True).select_related("department"):
        if _rule_matches(rule, kind=kind, topic=topic, channel=channel, customer=customer, text_stems=text_stems):
            return rule.department, rule
    if topic is not None and (competent := topic.departments.order_by("pk").first()):
        return competent, None
    reception = Department.reception_group()
    if reception is None:
        raise LookupError("Не настроена группа по приёму потребителей: обращение некуда направить.")
    return reception, None

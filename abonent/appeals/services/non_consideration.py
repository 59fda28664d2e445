"""Leaving an appeal without consideration (standard 2.2.4.4-2.2.4.5): a coded decision by a head.
The system suggests grounds; a person decides."""

from dataclasses import dataclass

from django.db import transaction

from abonent.appeals.errors import AppealError
from abonent.appeals.models import Appeal, AppealEvent, NonConsideration, Reply
from abonent.appeals.services.events import record_event
from abonent.appeals.services.workflow import locked, set_status

G = NonConsideration.Ground
# Where there is no way to reach the sender, nobody can be told (59-FZ art. 11 p. 1 by analogy).
_SILENT_GROUNDS = (G.NO_SURNAME_OR_ADDRESS, G.NO_CONTACTS)


@dataclass(frozen=True)
class Suggestion:
    ground: str
    reason: str
    earlier_appeal: Appeal | None = None


def has_contacts(appeal: Appeal) -> bool:
    return bool(appeal.sender_email or appeal.sender_phone or appeal.sender_address or appeal.customer_id)


def suggest_grounds(appeal: Appeal) -> list[Suggestion]:
    """Grounds a head may want to look at; never applied automatically."""
    from abonent.appeals.obscenity import find_offensive
    from abonent.appeals.services.similarity import earlier_answered_similar

    suggestions: list[Suggestion] = []
    findings = find_offensive(f"{appeal.subject}\n{appeal.text}")
    words = ", ".join(sorted({f.word for f in findings if f.kind != "threat"}))
    if words:
        suggestions.append(Suggestion(G.OFFENSIVE, f"В тексте: {words}"))
    threats = ", ".join(sorted({f.word for f in findings if f.kind == "threat"}))
    if threats:
        suggestions.append(Suggestion(G.THREATS, f"Похоже на угрозу: {threats}"))
    if not has_contacts(appeal):
        suggestions.append(Suggestion(G.NO_CONTACTS, "Не указаны ни адрес, ни телефон, ни e-mail."))
    elif appeal.channel == "post" and not (appeal.sender_name.strip() and appeal.sender_address.strip()):
        suggestions.append(Suggestion(G.NO_SURNAME_OR_ADDRESS, "В письме нет фамилии или почтового адреса."))
    for earlier, score in earlier_answered_similar(appeal)[:1]:
        suggestions.append(Suggestion(G.REPEATED, f"Похоже на обращение № {earlier.number} (сходство {score:.0%}), "
                                                  "на которое уже дан ответ.", earlier))
    return suggestions


@transaction.atomic
def decide_non_consideration(*, appeal: Appeal, ground: str, decided_by, comment: str = "",
                             earlier_appeal: Appeal | None = None, notice_text: str = "") -> NonConsideration:
    """Records the decision; where the contacts allow, a notice to the customer is drafted for signature
    (its text given by the head), so that the customer learns why the appeal is not considered."""
    if not decided_by.has_perm("appeals.decide_non_consideration"):
        raise AppealError("Решение об оставлении без рассмотрения принимает руководитель.")
    if ground not in G.values:
        raise AppealError("Выберите основание из перечня стандарта (п. 2.2.4.4–2.2.4.5).", field="ground")
    appeal = locked(appeal)
    if not appeal.is_open:
        raise AppealError(f"Обращение № {appeal.number} уже {appeal.get_status_display()}.")
    if ground == G.REPEATED:
        if earlier_appeal is None:
            raise AppealError("Укажите ранее рассмотренное обращение, на которое дан ответ по существу.",
                              field="earlier_appeal")
        if earlier_appeal.pk == appeal.pk or not earlier_appeal.replies.filter(
                status=Reply.Status.SENT, purpose=Reply.Purpose.ANSWER).exists():
            raise AppealError(f"На обращение № {earlier_appeal.number} ответ по существу не направлялся.",
                              field="earlier_appeal")
    can_tell = ground not in _SILENT_GROUNDS and has_contacts(appeal)
    if can_tell and not notice_text.strip():
        raise AppealError("Клиенту можно сообщить о решении: напишите текст уведомления.", field="notice_text")
    decision = NonConsideration.objects.create(
        appeal=appeal, ground=ground, earlier_appeal=earlier_appeal if ground == G.REPEATED else None,
        comment=comment.strip(), decided_by=decided_by, customer_can_be_told=can_tell)
    set_status(appeal, Appeal.Status.NOT_CONSIDERED)
    appeal.save(update_fields=["status", "updated_at"])
    record_event(appeal, AppealEvent.Kind.NOT_CONSIDERED, actor=decided_by, ground=ground,
                 ground_label=G(ground).label, earlier=earlier_appeal.number if earlier_appeal else "",
                 customer_told=can_tell)
    if can_tell:
        from abonent.appeals.services.replies import draft_reply

        draft_reply(appeal=appeal, text=notice_text, author=decided_by, purpose=Reply.Purpose.NON_CONSIDERATION)
    return decision

import pytest

from abonent.appeals.errors import AppealError
from abonent.appeals.models import Appeal, NonConsideration, Reply
from abonent.appeals.services import (
    approve_reply,
    decide_non_consideration,
    draft_reply,
    submit_reply,
    suggest_grounds,
)
from abonent.appeals.tests.factories import register

G = NonConsideration.Ground
NOTICE = "Ваше обращение оставлено без рассмотрения по основанию, предусмотренному п. 2.2.4.4 Стандарта."


def answered(operator, executor, signatory, **fields) -> Appeal:
    appeal = register(registered_by=operator, **fields)
    reply = draft_reply(appeal=appeal, text="Ответ по существу: начисление верное.", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    appeal.refresh_from_db()
    return appeal


def grounds(appeal) -> list[str]:
    return [s.ground for s in suggest_grounds(appeal)]


@pytest.mark.parametrize("ground", [G.OFFENSIVE, G.THREATS, G.UNREADABLE])
def test_each_notifiable_ground_is_decided_by_a_head_and_the_customer_told(operator, supervisor, ground):
    appeal = register(registered_by=operator)
    decision = decide_non_consideration(appeal=appeal, ground=ground, decided_by=supervisor,
                                        comment="Решение руководителя", notice_text=NOTICE)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.NOT_CONSIDERED
    assert decision.customer_can_be_told
    notice = appeal.replies.get(purpose=Reply.Purpose.NON_CONSIDERATION)
    assert (notice.status, notice.text) == (Reply.Status.DRAFT, NOTICE)
    assert appeal.events.get(kind="not_considered").data["ground_label"] == G(ground).label


@pytest.mark.parametrize("ground", [G.NO_SURNAME_OR_ADDRESS, G.NO_CONTACTS])
def test_grounds_without_contacts_tell_nobody(operator, supervisor, ground):
    appeal = register(registered_by=operator, channel="post", sender_name="", sender_email="", sender_address="")
    decision = decide_non_consideration(appeal=appeal, ground=ground, decided_by=supervisor)
    assert not decision.customer_can_be_told
    assert not appeal.replies.exists()


def test_repeated_question_needs_the_earlier_answered_appeal(operator, executor, signatory, supervisor, customer):
    text = "Прошу пересчитать начисление за октябрь по лицевому счёту, показания счётчика были переданы."
    earlier = answered(operator, executor, signatory, customer=customer, text=text)
    again = register(registered_by=operator, customer=customer, text=text + " Повторно прошу.")
    suggestion = next(s for s in suggest_grounds(again) if s.ground == G.REPEATED)
    assert suggestion.earlier_appeal == earlier
    with pytest.raises(AppealError, match="Укажите ранее рассмотренное"):
        decide_non_consideration(appeal=again, ground=G.REPEATED, decided_by=supervisor, notice_text=NOTICE)
    unanswered = register(registered_by=operator, customer=customer, text=text)
    with pytest.raises(AppealError, match="ответ по существу не направлялся"):
        decide_non_consideration(appeal=again, ground=G.REPEATED, decided_by=supervisor, earlier_appeal=unanswered,
                                 notice_text=NOTICE)
    decision = decide_non_consideration(appeal=again, ground=G.REPEATED, decided_by=supervisor,
                                        earlier_appeal=earlier, notice_text=NOTICE)
    assert decision.earlier_appeal == earlier


def test_a_different_question_of_the_same_customer_is_not_suggested_as_repeated(operator, executor, signatory,
                                                                                   customer):
    answered(operator, executor, signatory, customer=customer, text="Прошу пересчитать начисление за октябрь.")
    other = register(registered_by=operator, customer=customer,
                     text="Просим заключить договор на новый объект: склад на ул. Попова.")
    assert G.REPEATED not in grounds(other)


def test_offensive_words_and_threats_are_suggested_never_applied(operator):
    appeal = register(registered_by=operator, text="Вы там совсем идиоты? Если не включите свет, я вас убью.")
    assert set(grounds(appeal)) >= {G.OFFENSIVE, G.THREATS}
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REGISTERED


def test_everyday_words_are_not_suggested_as_offensive(operator):
    appeal = register(registered_by=operator,
                      text="Оплата 500 рубля за употребление электроэнергии; колебания напряжения в сети.")
    assert G.OFFENSIVE not in grounds(appeal)


def test_no_contacts_is_suggested(operator):
    appeal = register(registered_by=operator, sender_email="", sender_address="", sender_phone="")
    assert G.NO_CONTACTS in grounds(appeal)


def test_paper_letter_without_surname_is_suggested(operator):
    appeal = register(registered_by=operator, channel="post", sender_name="", sender_email="x@example.ru")
    assert G.NO_SURNAME_OR_ADDRESS in grounds(appeal)


def test_only_a_head_decides(operator):
    appeal = register(registered_by=operator)
    with pytest.raises(AppealError, match="руководитель"):
        decide_non_consideration(appeal=appeal, ground=G.OFFENSIVE, decided_by=operator, notice_text=NOTICE)
    assert not NonConsideration.objects.exists()


def test_notice_text_required_when_the_customer_can_be_told(operator, supervisor):
    appeal = register(registered_by=operator)
    with pytest.raises(AppealError, match="напишите текст уведомления"):
        decide_non_consideration(appeal=appeal, ground=G.UNREADABLE, decided_by=supervisor)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REGISTERED


def test_unknown_ground_is_refused(operator, supervisor):
    with pytest.raises(AppealError, match="перечня стандарта"):
        decide_non_consideration(appeal=register(registered_by=operator), ground="boring", decided_by=supervisor)

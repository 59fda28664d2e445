import datetime
from types import SimpleNamespace

import pytest
from django.core import mail

from abonent.appeals import delivery, tasks
from abonent.appeals.errors import AppealError
from abonent.appeals.models import Appeal, AppealEvent, Attachment, Reply, TypicalAnswer
from abonent.appeals.services import (
    approve_reply,
    approve_typical_reply,
    close_appeal,
    draft_reply,
    resend_reply,
    return_reply,
    submit_reply,
)
from abonent.appeals.tests.factories import register

BARNAUL = datetime.timezone(datetime.timedelta(hours=7))

E = AppealEvent.Kind


@pytest.fixture
def appeal(operator):
    appeal = register(registered_by=operator, sender_email="client@example.ru")
    mail.outbox.clear()
    return appeal


def test_full_path_draft_submit_approve_send_close(appeal, executor, signatory):
    reply = draft_reply(appeal=appeal, text="Начисление выполнено по показаниям прибора учёта.", author=executor)
    assert (reply.executor_name, reply.executor_phone) == ("Волков Дмитрий Тестович", "8 (3852) 50-12-99")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.executor) == (Appeal.Status.IN_PROGRESS, executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.ON_APPROVAL
    with pytest.raises(AppealError, match="пока ответ не направлен"):
        close_appeal(appeal=appeal, closed_by=executor)
    approve_reply(reply=reply, approved_by=signatory)
    reply.refresh_from_db()
    appeal.refresh_from_db()
    assert reply.status == Reply.Status.SENT
    assert reply.outgoing_number.startswith("Исх-")
    assert reply.signatory_name == "Новиков Павел Тестович"
    assert appeal.status == Appeal.Status.ANSWERED
    [message] = mail.outbox
    assert message.to == ["client@example.ru"]
    assert reply.outgoing_number in message.subject
    assert "Исполнитель: Волков Дмитрий Тестович, тел. 8 (3852) 50-12-99" in message.body
    assert message.attachments[0][0] == f"Ответ {reply.outgoing_number}.pdf"
    assert appeal.attachments.filter(role=Attachment.Role.REPLY).count() == 1
    close_appeal(appeal=appeal, closed_by=executor, resolution="Разъяснено")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.CLOSED
    timeline = list(appeal.events.values_list("kind", flat=True))
    assert timeline == [E.REGISTERED, E.ROUTED, E.ACKNOWLEDGED, E.REPLY_DRAFTED, E.REPLY_SUBMITTED,
                        E.REPLY_APPROVED, E.REPLY_SENT, E.CLOSED]


def test_only_an_authorised_signatory_may_be_chosen(appeal, executor, supervisor):
    reply = draft_reply(appeal=appeal, text="Ответ", author=executor)
    with pytest.raises(AppealError, match="не уполномочен подписывать"):
        submit_reply(reply=reply, submitted_by=executor, signatory=supervisor)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.DRAFT


def test_only_the_chosen_signatory_approves(appeal, executor, signatory, django_user_model):
    reply = draft_reply(appeal=appeal, text="Ответ", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    with pytest.raises(AppealError, match="другому должностному лицу"):
        approve_reply(reply=reply, approved_by=executor)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.ON_APPROVAL
    assert reply.outgoing_number is None


def test_returned_reply_goes_back_to_the_executor(appeal, executor, signatory):
    reply = draft_reply(appeal=appeal, text="Ответ", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    with pytest.raises(AppealError, match="что доработать"):
        return_reply(reply=reply, returned_by=signatory, comment="")
    return_reply(reply=reply, returned_by=signatory, comment="Добавьте расчёт")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.IN_PROGRESS
    again = draft_reply(appeal=appeal, text="Ответ с расчётом", author=executor)
    assert again.pk == reply.pk and again.status == Reply.Status.DRAFT


def test_empty_reply_is_refused(appeal, executor):
    with pytest.raises(AppealError, match="по существу"):
        draft_reply(appeal=appeal, text="  ", author=executor)
    assert not Reply.objects.exists()


def test_executor_without_phone_cannot_reply(appeal, executor):
    executor.phone = ""
    executor.save()
    with pytest.raises(AppealError, match="ФИО и телефон исполнителя"):
        draft_reply(appeal=appeal, text="Ответ", author=executor)


def test_outgoing_numbers_are_consecutive(operator, executor, signatory):
    numbers = []
    for _ in range(2):
        a = register(registered_by=operator)
        r = draft_reply(appeal=a, text="Ответ", author=executor)
        submit_reply(reply=r, submitted_by=executor, signatory=signatory)
        numbers.append(approve_reply(reply=r, approved_by=signatory).outgoing_number)
    assert [n[-5:] for n in numbers] == ["00001", "00002"]


def test_typical_question_answered_by_reception_without_signature(appeal, operator):
    answer = TypicalAnswer.objects.create(question="Как передать показания?", answer="Через личный кабинет.")
    reply = draft_reply(appeal=appeal, text=answer.answer, author=operator, typical_answer=answer)
    approve_typical_reply(reply=reply, sent_by=operator)
    reply.refresh_from_db()
    appeal.refresh_from_db()
    assert (reply.status, reply.signatory) == (Reply.Status.SENT, None)
    assert appeal.is_typical and appeal.status == Appeal.Status.ANSWERED


def test_typical_route_refused_for_a_complaint(operator):
    complaint = register(registered_by=operator, kind="complaint")
    answer = TypicalAnswer.objects.create(question="?", answer="!")
    reply = draft_reply(appeal=complaint, text="!", author=operator, typical_answer=answer)
    with pytest.raises(AppealError, match="типовой вопрос"):
        approve_typical_reply(reply=reply, sent_by=operator)


def test_permanent_delivery_failure_is_shown_and_can_be_resent_by_post(operator, executor, signatory):
    appeal = register(registered_by=operator, sender_email="", channel="email")
    reply = draft_reply(appeal=appeal, text="Ответ", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.FAILED
    assert "нет адреса электронной почты" in reply.failure
    assert appeal.events.filter(kind=E.REPLY_FAILED).exists()
    resend_reply(reply=reply, channel="post", resent_by=operator)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.SENT
    assert reply.provider_id.startswith("Почта России: 656000")


def test_transient_failure_is_retried_later_without_duplicates(appeal, executor, signatory, monkeypatch):
    scheduled = []

    class Flaky:
        def send_reply(self, reply, pdf):
            raise delivery.DeliveryError("Почтовый сервер недоступен", permanent=False)

    real_task = tasks.deliver_reply

    class Spy:
        def enqueue(self, reply_id):
            return real_task.call(reply_id)

        def using(self, run_after):
            return SimpleNamespace(enqueue=lambda reply_id: scheduled.append((run_after, reply_id)))

    with monkeypatch.context() as patch:
        patch.setitem(delivery._SENDERS, "email", Flaky())
        patch.setattr(tasks, "deliver_reply", Spy())
        reply = draft_reply(appeal=appeal, text="Ответ", author=executor)
        submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
        approve_reply(reply=reply, approved_by=signatory)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.APPROVED
    assert reply.delivery_attempts == 1
    assert len(scheduled) == 1
    tasks.deliver_reply.call(reply.pk)
    tasks.deliver_reply.call(reply.pk)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.SENT
    assert [m.subject for m in mail.outbox].count(f"Ответ на обращение № {appeal.number} от "
                                                  f"{appeal.received_at.astimezone(BARNAUL):%d.%m.%Y} "
                                                  f"(исх. № {reply.outgoing_number})") == 1


def test_permanent_refusal_by_the_channel_fails_the_reply(appeal, executor, signatory, monkeypatch):
    class Refusing:
        def send_reply(self, reply, pdf):
            raise delivery.DeliveryError("Почтовый сервер отклонил адрес", permanent=True)

    monkeypatch.setitem(delivery._SENDERS, "email", Refusing())
    reply = draft_reply(appeal=appeal, text="Ответ", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.FAILED
    assert "отклонил адрес" in reply.failure


def test_reply_undelivered_after_sending_goes_back_to_work(appeal, executor, signatory):
    from abonent.appeals.services import mark_reply_undelivered

    reply = draft_reply(appeal=appeal, text="Ответ", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    mark_reply_undelivered(reply_id=reply.pk, reason="Возврат: ящик не существует")
    reply.refresh_from_db()
    appeal.refresh_from_db()
    assert (reply.status, reply.failure) == (Reply.Status.FAILED, "Возврат: ящик не существует")
    assert (appeal.status, appeal.answered_at) == (Appeal.Status.IN_PROGRESS, None)
    assert appeal.events.filter(kind=E.REPLY_FAILED).count() == 1

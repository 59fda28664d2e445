import pytest
from django.core import mail
from django.urls import reverse

from abonent.appeals import delivery
from abonent.appeals.models import Appeal, AppealEvent, Reply, TypicalAnswer
from abonent.appeals.services import approve_reply, draft_reply, submit_reply
from abonent.appeals.tests.factories import register
from abonent.organisation.models import Topic

pytestmark = pytest.mark.usefixtures("organisation")
E = AppealEvent.Kind
HTMX = {"HX-Request": "true"}


@pytest.fixture
def appeal(operator):
    appeal = register(registered_by=operator, topic=Topic.objects.get(code="readings"),
                      sender_email="client@example.ru")
    mail.outbox.clear()
    return appeal


@pytest.fixture
def typical():
    readings = Topic.objects.get(code="readings")
    TypicalAnswer.objects.create(question="Как заключить договор?", answer="Подайте заявление.",
                                 topic=Topic.objects.get(code="contract"))
    return TypicalAnswer.objects.create(question="Как передать показания?", topic=readings,
                                        answer="Показания передаются в личном кабинете до 25 числа.")


def url(name: str, appeal: Appeal, *args) -> str:
    return reverse(f"appeals:{name}", args=[appeal.number, *args])


def on_approval(appeal, executor, signatory) -> Reply:
    reply = draft_reply(appeal=appeal, text="Показания учтены в расчёте за октябрь.", author=executor)
    return submit_reply(reply=reply, submitted_by=executor, signatory=signatory)


def test_executor_saves_a_draft(client, executor, appeal):
    client.force_login(executor)
    response = client.post(url("reply_draft", appeal), {"text": "Показания учтены."}, headers=HTMX)
    reply = appeal.replies.get()
    assert (reply.status, reply.text, reply.executor) == (Reply.Status.DRAFT, "Показания учтены.", executor)
    html = response.content.decode()
    assert "Проект ответа сохранён." in html
    assert url("reply_pdf", appeal, reply.pk) in html  # the preview link of the draft


def test_empty_reply_is_refused(client, executor, appeal):
    client.force_login(executor)
    response = client.post(url("reply_draft", appeal), {"text": " "}, headers=HTMX)
    assert "Текст ответа пуст" in response.content.decode()
    assert not appeal.replies.exists()


def test_typical_answers_of_the_topic_come_first_and_can_be_searched(client, executor, appeal, typical):
    client.force_login(executor)
    card = client.get(appeal.get_absolute_url())
    assert [a.question for a in card.context["typical_answers"]] == ["Как передать показания?",
                                                                     "Как заключить договор?"]
    found = client.get(url("typical_search", appeal), {"typical_q": "договор"}, headers=HTMX)
    assert [a.question for a in found.context["typical_answers"]] == ["Как заключить договор?"]
    assert found.content.decode().lstrip().startswith('<ul id="typical-list"')


def test_inserting_a_typical_answer_appends_it_to_the_text(client, executor, appeal, typical):
    client.force_login(executor)
    response = client.post(url("typical_insert", appeal, typical.pk), {"text": "Уважаемый клиент!"}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="reply-text-box"')
    assert "Уважаемый клиент!\n\nПоказания передаются в личном кабинете до 25 числа.</textarea>" in html
    assert f'name="typical_answer" value="{typical.pk}"' in html
    assert not appeal.replies.exists()  # nothing stored until the draft is saved


def test_executor_submits_to_a_signatory_who_approves_and_the_reply_goes_out(client, executor, signatory, appeal,
                                                                              typical):
    client.force_login(executor)
    response = client.post(url("reply_submit", appeal), {"text": typical.answer, "typical_answer": typical.pk,
                                                         "signatory": signatory.pk}, headers=HTMX)
    reply = appeal.replies.get()
    assert (reply.status, reply.signatory, reply.typical_answer) == (Reply.Status.ON_APPROVAL, signatory, typical)
    assert "Ответ передан на подпись: Новиков П. Т." in response.content.decode()

    client.force_login(signatory)
    inbox = client.get(reverse("appeals:approvals"))
    assert [r.pk for r in inbox.context["replies"]] == [reply.pk]
    approved = client.post(url("reply_approve", appeal, reply.pk), {"view": "approvals"}, headers=HTMX)

    reply.refresh_from_db()
    appeal.refresh_from_db()
    assert (reply.status, appeal.status) == (Reply.Status.SENT, Appeal.Status.ANSWERED)
    assert approved.content.decode().lstrip().startswith(f'<article class="card approval" id="approval-{reply.pk}"')
    assert f"Ответ исх. № {reply.outgoing_number} направлен клиенту: электронная почта." in approved.content.decode()
    [message] = mail.outbox
    assert message.to == ["client@example.ru"]
    assert client.get(reverse("appeals:approvals")).context["replies"] == []


def test_only_authorised_signatories_are_offered(client, executor, signatory, supervisor, appeal):
    client.force_login(executor)
    choices = list(client.get(appeal.get_absolute_url()).context["forms"]["reply"].fields["signatory"].queryset)
    assert choices == [signatory]
    response = client.post(url("reply_submit", appeal), {"text": "Ответ", "signatory": supervisor.pk}, headers=HTMX)
    assert "Выберите корректный вариант" in response.content.decode()
    assert not appeal.replies.filter(status=Reply.Status.ON_APPROVAL).exists()


def test_signatory_returns_the_reply_with_a_required_comment(client, executor, signatory, appeal):
    reply = on_approval(appeal, executor, signatory)
    client.force_login(signatory)

    refused = client.post(url("reply_return", appeal, reply.pk), {"comment": "", "view": "approvals"}, headers=HTMX)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.ON_APPROVAL
    assert "Что доработать: Обязательное поле." in refused.content.decode()

    client.post(url("reply_return", appeal, reply.pk), {"comment": "Укажите период перерасчёта", "view": "approvals"},
                headers=HTMX)
    reply.refresh_from_db()
    appeal.refresh_from_db()
    assert (reply.status, appeal.status) == (Reply.Status.RETURNED, Appeal.Status.IN_PROGRESS)

    client.force_login(executor)
    card = client.get(appeal.get_absolute_url())
    assert card.context["returned_comment"] == "Укажите период перерасчёта"
    assert "Ответ возвращён на доработку: Укажите период перерасчёта" in card.content.decode()


def test_signatory_signs_from_the_card_too(client, executor, signatory, appeal):
    reply = on_approval(appeal, executor, signatory)
    client.force_login(signatory)
    response = client.post(url("reply_approve", appeal, reply.pk), follow=True)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.SENT
    assert response.redirect_chain == [(appeal.get_absolute_url(), 302)]


def test_another_signatory_cannot_approve_and_nothing_changes(client, executor, signatory, appeal, organisation):
    from django.contrib.auth.models import Group

    from abonent.users import roles
    from abonent.users.models import User

    reply = on_approval(appeal, executor, signatory)
    other = User.objects.create_user(username="signer2", password="pass", last_name="Другой", first_name="Подписант",
                                     phone="+73852501200", can_sign_replies=True)
    other.groups.add(Group.objects.get(name=roles.SIGNATORY))
    client.force_login(other)
    assert client.post(url("reply_approve", appeal, reply.pk)).status_code == 404  # not their appeal to see
    reply.refresh_from_db()
    assert reply.status == Reply.Status.ON_APPROVAL


def test_approval_is_refused_to_executors(client, executor, signatory, appeal):
    reply = on_approval(appeal, executor, signatory)
    client.force_login(executor)
    assert client.post(url("reply_approve", appeal, reply.pk)).status_code == 403
    assert client.get(reverse("appeals:approvals")).status_code == 403
    reply.refresh_from_db()
    assert reply.status == Reply.Status.ON_APPROVAL


def test_reception_answers_a_typical_question_without_signature(client, operator, typical):
    question = register(registered_by=operator, sender_email="client@example.ru")
    mail.outbox.clear()
    client.force_login(operator)
    response = client.post(url("reply_typical", question), {"text": typical.answer, "typical_answer": typical.pk},
                           headers=HTMX)
    reply = question.replies.get()
    question.refresh_from_db()
    assert (reply.status, reply.signatory, question.is_typical) == (Reply.Status.SENT, None, True)
    assert question.status == Appeal.Status.ANSWERED
    assert f"Ответ исх. № {reply.outgoing_number} направлен клиенту" in response.content.decode()
    assert len(mail.outbox) == 1


def test_typical_reply_without_a_typical_answer_is_refused(client, operator):
    question = register(registered_by=operator)
    client.force_login(operator)
    response = client.post(url("reply_typical", question), {"text": "Свой текст"}, headers=HTMX)
    assert "Выберите типовой ответ из базы знаний" in response.content.decode()
    assert not question.replies.exists()


def test_typical_reply_is_not_offered_to_executors(client, executor, appeal, typical):
    client.force_login(executor)
    assert "Ответить типовым ответом" not in client.get(appeal.get_absolute_url()).content.decode()
    response = client.post(url("reply_typical", appeal), {"text": typical.answer, "typical_answer": typical.pk})
    assert response.status_code == 403
    assert not appeal.replies.exists()


def test_failed_delivery_is_shown_and_resent_by_another_channel(client, executor, signatory, operator):
    no_email = register(registered_by=operator, topic=Topic.objects.get(code="readings"), channel="email",
                        sender_email="", sender_address="656000, г. Барнаул, ул. Попова, 1", reply_channel="email")
    reply = on_approval(no_email, executor, signatory)
    approve_reply(reply=reply, approved_by=signatory)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.FAILED
    client.force_login(executor)
    card = client.get(no_email.get_absolute_url()).content.decode()
    assert "Ответ не доставлен: У обращения нет адреса электронной почты для ответа." in card
    assert "Отправить повторно" in card

    response = client.post(url("reply_resend", no_email, reply.pk), {"channel": "post"}, headers=HTMX)

    reply.refresh_from_db()
    assert (reply.status, reply.channel) == (Reply.Status.SENT, "post")
    assert f"Ответ исх. № {reply.outgoing_number} направлен клиенту: почта." in response.content.decode()


def test_resend_offers_only_channels_that_can_send(client, executor, signatory, appeal, monkeypatch):
    monkeypatch.delitem(delivery._SENDERS, "edo", raising=False)  # a channel without a sender
    reply = on_approval(appeal, executor, signatory)
    approve_reply(reply=reply, approved_by=signatory)
    client.force_login(executor)
    response = client.post(url("reply_resend", appeal, reply.pk), {"channel": "edo"}, headers=HTMX)
    assert not delivery.can_send("edo")
    assert "Выберите корректный вариант" in response.content.decode()


def test_resend_of_a_delivered_reply_is_refused(client, executor, signatory, appeal):
    reply = on_approval(appeal, executor, signatory)
    approve_reply(reply=reply, approved_by=signatory)
    client.force_login(executor)
    response = client.post(url("reply_resend", appeal, reply.pk), {"channel": "post"}, headers=HTMX)
    assert "Повторно отправляется только ответ, который не удалось доставить." in response.content.decode()
    reply.refresh_from_db()
    assert (reply.status, reply.channel) == (Reply.Status.SENT, "email")


def test_notice_of_non_consideration_goes_for_signature(client, supervisor, signatory, appeal):
    client.force_login(supervisor)
    client.post(url("non_consideration", appeal), {"ground": "offensive", "notice_text": "Не рассматривается."})
    notice = appeal.replies.get()
    response = client.post(url("reply_submit", appeal), {"reply": notice.pk, "text": "", "signatory": signatory.pk},
                           headers=HTMX)
    notice.refresh_from_db()
    assert (notice.status, notice.signatory, notice.purpose) == (Reply.Status.ON_APPROVAL, signatory,
                                                               Reply.Purpose.NON_CONSIDERATION)
    assert "Ответ передан на подпись" in response.content.decode()


def test_recently_signed_replies_are_listed_for_the_signatory(client, executor, signatory, appeal):
    reply = on_approval(appeal, executor, signatory)
    approve_reply(reply=reply, approved_by=signatory)
    client.force_login(signatory)
    response = client.get(reverse("appeals:approvals"))
    assert [r.pk for r in response.context["signed"]] == [reply.pk]
    assert "Ответов на подпись нет." in response.content.decode()

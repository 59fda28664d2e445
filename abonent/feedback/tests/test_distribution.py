"""Sending by EDO (against the local SBIS fake, as the EDO channel's own tests do) and to staff by e-mail."""

import re

import pytest
from django.core import mail

from abonent.channels.edo.fakes import FakeSbis
from abonent.channels.edo.models import EdoBox, EdoOutgoing, Operator
from abonent.feedback import tasks
from abonent.feedback.errors import FeedbackError
from abonent.feedback.models import Invitation, Survey
from abonent.feedback.services import invitations
from abonent.feedback.tests.factories import sent_reply
from abonent.feedback.tests.test_questionnaires import full


@pytest.fixture
def sbis(organisation):
    with FakeSbis() as fake:
        EdoBox.objects.create(operator=Operator.SBIS, title="СБИС", box_id="2221000002/222101001",
                              base_url=fake.url, login="robot", password="secret")
        yield fake


def _texts(fake: FakeSbis) -> list[str]:
    return [content.decode() for document in fake.sent_documents() for content in fake.sent_files(document).values()]


def test_questionnaire_invitation_goes_by_edo_with_a_personal_link(head, customer, sbis):
    questionnaire = full(head)
    count = invitations.invite_customers(questionnaire=questionnaire, customers=[customer], channel="edo",
                                         invited_by=head)
    assert count == 1
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.channel, invitation.customer) == ("sent", "edo", customer)
    outgoing = EdoOutgoing.objects.get()
    assert (outgoing.counterparty_inn, outgoing.status) == (customer.inn, EdoOutgoing.Status.SENT)
    [text] = _texts(sbis)
    assert "Анкета «Качество обслуживания»" in text and re.search(r"/feedback/q/\S+/", text)
    assert invitations.invite_customers(questionnaire=questionnaire, customers=[customer], channel="edo",
                                        invited_by=head) == 0


def test_survey_after_an_edo_reply_goes_by_edo(operator, executor, signatory, head, customer, sbis):
    reply = sent_reply(registered_by=operator, executor=executor, signatory=signatory, channel="edo",
                       reply_channel="edo", customer=customer, sender_email="")
    tasks.sweep_surveys.call()
    survey = Survey.objects.get()
    assert (survey.status, survey.channel) == ("sent", "edo")
    assert mail.outbox == []
    survey_text = [t for t in _texts(sbis) if "Оцените" in t or "/feedback/s/" in t]
    assert len(survey_text) == 1 and reply.appeal.number in survey_text[0]


def test_staff_invitations_by_email_and_refusals(head, operator, executor, customer):
    staff_q = full(head, audience="staff")
    operator.email = "smirnova@bges.ru"
    operator.save()
    assert executor.email == ""
    assert invitations.invite_staff(questionnaire=staff_q, users=[operator, executor], invited_by=head) == 1
    assert invitations.invite_staff(questionnaire=staff_q, users=[operator, executor], invited_by=head) == 0
    [invitation] = Invitation.objects.filter(questionnaire=staff_q)
    assert (invitation.user, invitation.status, invitation.email) == (operator, "sent", "smirnova@bges.ru")
    [message] = mail.outbox
    assert message.to == ["smirnova@bges.ru"] and "/feedback/q/" in message.body
    with pytest.raises(FeedbackError, match="для сотрудников"):
        invitations.invite_customers(questionnaire=staff_q, customers=[customer], channel="email", invited_by=head)
    with pytest.raises(FeedbackError, match="может руководитель"):
        invitations.invite_staff(questionnaire=staff_q, users=[operator], invited_by=operator)


def test_staff_link_and_login_count_as_one_answer(client, head, operator):
    from abonent.feedback import links
    from abonent.feedback.services import responses
    from abonent.feedback.tests.test_questionnaires import raw_answers

    staff_q = full(head, audience="staff")
    invitation = Invitation.objects.create(questionnaire=staff_q, channel="email", user=operator)
    responses.submit_response(questionnaire=staff_q, raw=raw_answers(staff_q), respondent=operator)
    path = f"/feedback/q/{links.sign(invitation.nonce, links.INVITATION_SALT)}/"
    with pytest.raises(responses.AlreadyAnswered):
        responses.submit_response(questionnaire=staff_q, raw=raw_answers(staff_q), invitation=invitation)
    assert "Ответ уже получен" in client.get(path).content.decode()


def test_invitations_only_for_an_open_questionnaire(head, customer):
    from abonent.feedback.tests.test_questionnaires import make

    draft = make(head)
    with pytest.raises(FeedbackError, match="сначала начните опрос"):
        invitations.invite_customers(questionnaire=draft, customers=[customer], channel="email", invited_by=head)
    assert not Invitation.objects.exists()

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from abonent.appeals.models import AppealEvent, ControlItem, Kind
from abonent.feedback import links, tasks
from abonent.feedback.errors import FeedbackError
from abonent.feedback.models import Survey, SurveyPolicy
from abonent.feedback.services.surveys import SurveyAnswer, answer_survey, survey_for_token
from abonent.feedback.tests.factories import sent_reply


@pytest.fixture
def reply(operator, executor, signatory, head):
    return sent_reply(registered_by=operator, executor=executor, signatory=signatory)


def _link(message) -> str:
    return re.search(r"http://\S+/feedback/s/(\S+)/", message.body).group(1)


def test_sweep_creates_one_survey_per_reply_and_sends_it_by_the_reply_channel(reply):
    assert tasks.sweep_surveys.call() == {"created": 1, "pending": 1, "invitations": 0}
    assert tasks.sweep_surveys.call() == {"created": 0, "pending": 0, "invitations": 0}
    survey = Survey.objects.get()
    assert (survey.reply, survey.appeal, survey.status, survey.channel) == (reply, reply.appeal, "sent", "email")
    assert survey.department_id == reply.appeal.department_id
    assert survey.executor_id == reply.executor_id
    [message] = mail.outbox
    assert message.to == ["client@example.ru"]
    assert message.subject == f"Оцените ответ на обращение № {reply.appeal.number}"
    assert survey_for_token(_link(message)) == survey


def test_survey_is_unique_per_reply_in_the_database(reply):
    from django.db import IntegrityError, transaction

    from abonent.feedback.services.surveys import create_survey

    first, created = create_survey(reply=reply)
    again, created_again = create_survey(reply=reply)
    assert (created, created_again, again) == (True, False, first)
    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.create(reply=reply, appeal=reply.appeal, department=reply.appeal.department,
                              expires_at=timezone.now())


def test_no_survey_for_thanks_notices_or_old_replies(operator, executor, signatory, head):
    sent_reply(registered_by=operator, executor=executor, signatory=signatory, kind=Kind.THANKS)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=8)):
        sent_reply(registered_by=operator, executor=executor, signatory=signatory)
    assert tasks.sweep_surveys.call()["created"] == 0


def test_disabled_policy_creates_nothing(reply):
    SurveyPolicy.objects.update(is_enabled=False)
    assert tasks.sweep_surveys.call()["created"] == 0


def test_paper_reply_survey_goes_by_email_when_the_customer_has_an_address(operator, executor, signatory, head):
    reply = sent_reply(registered_by=operator, executor=executor, signatory=signatory, channel="post",
                       reply_channel="post", sender_email="boss@example.ru")
    assert reply.channel == "post"
    tasks.sweep_surveys.call()
    survey = Survey.objects.get()
    assert (survey.status, survey.channel) == ("sent", "email")
    assert mail.outbox[0].to == ["boss@example.ru"]


def test_paper_reply_without_an_address_is_marked_so(operator, executor, signatory, head):
    sent_reply(registered_by=operator, executor=executor, signatory=signatory, channel="post",
               reply_channel="post", sender_email="")
    tasks.sweep_surveys.call()
    survey = Survey.objects.get()
    assert survey.status == Survey.Status.NO_ADDRESS
    assert mail.outbox == []
    assert tasks.sweep_surveys.call()["pending"] == 0


def test_the_link_answers_once(reply):
    tasks.sweep_surveys.call()
    survey = survey_for_token(_link(mail.outbox[0]))
    answered, first = answer_survey(survey=survey, answer=SurveyAnswer(rating=5, is_resolved=True, comment="Спасибо"))
    assert first is True
    assert (answered.rating, answered.is_resolved, answered.comment, answered.status) == (5, True, "Спасибо",
                                                                                         "answered")
    again, second = answer_survey(survey=survey, answer=SurveyAnswer(rating=1, is_resolved=False, comment="нет"))
    assert second is False
    again.refresh_from_db()
    assert (again.rating, again.is_resolved, again.comment, again.is_low) == (5, True, "Спасибо", False)
    assert ControlItem.objects.count() == 0
    note = reply.appeal.events.filter(kind=AppealEvent.Kind.NOTE).last()
    assert note.data["text"] == f"Оценка клиента по ответу {reply.outgoing_number}: 5 из 5, вопрос решён. " \
                                f"Комментарий: «Спасибо»"


def test_tampered_or_foreign_tokens_find_nothing(reply):
    tasks.sweep_surveys.call()
    token = _link(mail.outbox[0])
    nonce, signature = token.rsplit(":", 1)
    assert survey_for_token(f"{nonce}x:{signature}") is None
    flipped = "B" if signature[-1] == "A" else "A"
    assert survey_for_token(f"{nonce}:{signature[:-1]}{flipped}") is None
    assert survey_for_token(links.sign(nonce, links.INVITATION_SALT)) is None
    assert survey_for_token("garbage") is None


def test_expired_link_refuses_the_answer(reply):
    tasks.sweep_surveys.call()
    survey = Survey.objects.get()
    with (time_machine.travel(survey.expires_at + datetime.timedelta(minutes=1)),
          pytest.raises(FeedbackError, match="Срок действия ссылки истёк")):
        answer_survey(survey=survey, answer=SurveyAnswer(rating=4, is_resolved=True))
    survey.refresh_from_db()
    assert survey.answered_at is None


@pytest.mark.parametrize("rating, resolved", [(2, True), (1, True), (5, False)])
def test_low_rating_or_unresolved_opens_a_control_item_for_the_head(reply, head, rating, resolved):
    tasks.sweep_surveys.call()
    survey, _ = answer_survey(survey=Survey.objects.get(),
                              answer=SurveyAnswer(rating=rating, is_resolved=resolved, comment="Долго"))
    assert survey.is_low is True
    item = survey.control_item
    assert (item.appeal, item.owner, item.status) == (reply.appeal, head, ControlItem.Status.OPEN)
    assert f"{rating} из 5" in item.decision and "«Долго»" in item.decision
    assert item.due_date > timezone.localdate()
    assert reply.appeal.events.filter(kind=AppealEvent.Kind.CONTROL_ADDED).count() == 1


def test_rating_three_and_resolved_is_not_low(reply):
    tasks.sweep_surveys.call()
    survey, _ = answer_survey(survey=Survey.objects.get(), answer=SurveyAnswer(rating=3, is_resolved=True))
    assert (survey.is_low, survey.control_item) == (False, None)


def test_low_rating_without_a_head_is_still_listed(reply):
    from abonent.organisation.models import Department

    Department.objects.update(head=None)
    tasks.sweep_surveys.call()
    survey, _ = answer_survey(survey=Survey.objects.get(), answer=SurveyAnswer(rating=1, is_resolved=False))
    assert (survey.is_low, survey.control_item) == (True, None)


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_rating_outside_one_to_five_is_refused(reply, rating):
    tasks.sweep_surveys.call()
    survey = Survey.objects.get()
    with pytest.raises(FeedbackError, match="от 1 до 5"):
        answer_survey(survey=survey, answer=SurveyAnswer(rating=rating, is_resolved=True))
    survey.refresh_from_db()
    assert survey.answered_at is None


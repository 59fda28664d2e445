import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from abonent.feedback import tasks
from abonent.feedback.models import Survey
from abonent.feedback.tests.factories import sent_reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_answers_the_survey_from_the_email_once(page, live_server, settings, operator, executor, signatory,
                                                         head):
    settings.PUBLIC_BASE_URL = live_server.url
    reply = sent_reply(registered_by=operator, executor=executor, signatory=signatory)
    tasks.sweep_surveys.call()
    [message] = mail.outbox
    link = re.search(r"(http://\S+/feedback/s/\S+/)", message.body).group(1)
    assert link.startswith(live_server.url)

    page.goto(link)
    expect(page.get_by_role("heading", name=f"Оцените ответ на обращение № {reply.appeal.number}")).to_be_visible()
    page.get_by_role("group", name="Оцените, пожалуйста, ответ на Ваше обращение").get_by_label("4 — хорошо").check()
    page.get_by_role("group", name="Ваш вопрос решён?").get_by_label("Да").check()
    page.get_by_label("Комментарий (по желанию)").fill("Спасибо, всё понятно")
    page.get_by_role("button", name="Отправить оценку").click()
    expect(page.get_by_role("heading", name="Спасибо за оценку!")).to_be_visible()
    survey = Survey.objects.get()
    assert (survey.rating, survey.is_resolved, survey.comment) == (4, True, "Спасибо, всё понятно")

    page.goto(link)
    expect(page.get_by_role("heading", name="Ответ уже получен")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("изменений не внесено")

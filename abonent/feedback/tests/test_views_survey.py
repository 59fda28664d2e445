import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from abonent.appeals.models import ControlItem
from abonent.feedback import links, tasks
from abonent.feedback.models import Survey
from abonent.feedback.tests.factories import sent_reply


@pytest.fixture
def survey_path(operator, executor, signatory, head):
    sent_reply(registered_by=operator, executor=executor, signatory=signatory)
    tasks.sweep_surveys.call()
    return re.search(r"http://[^/\s]+(/feedback/s/\S+/)", mail.outbox[0].body).group(1)


def test_survey_page_asks_three_questions_without_login(client, survey_path):
    response = client.get(survey_path)
    assert response.status_code == 200
    page = response.content.decode()
    survey = Survey.objects.get()
    assert f"Оцените ответ на обращение № {survey.appeal.number}" in page
    assert "Ваш вопрос решён?" in page and 'name="rating"' in page and 'name="comment"' in page
    assert "<script" not in page and "style=" not in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_survey_answer_then_second_visit_says_already_answered(client, survey_path):
    response = client.post(survey_path, {"rating": "4", "is_resolved": "yes", "comment": "Быстро и понятно"})
    assert response.status_code == 200
    assert "Спасибо за оценку!" in response.content.decode()
    survey = Survey.objects.get()
    assert (survey.rating, survey.is_resolved, survey.comment) == (4, True, "Быстро и понятно")
    again = client.post(survey_path, {"rating": "1", "is_resolved": "no", "comment": "Плохо"})
    assert "Ответ уже получен" in again.content.decode()
    survey.refresh_from_db()
    assert (survey.rating, survey.is_resolved, survey.comment) == (4, True, "Быстро и понятно")
    assert "Ответ уже получен" in client.get(survey_path).content.decode()


def test_survey_without_a_rating_is_refused_and_keeps_the_comment(client, survey_path):
    response = client.post(survey_path, {"is_resolved": "no", "comment": "Не дозвонились"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Выберите оценку от 1 до 5." in page and "Не дозвонились" in page
    assert Survey.objects.get().answered_at is None


def test_low_rating_through_the_page_opens_a_control_item(client, survey_path, head):
    response = client.post(survey_path, {"rating": "2", "is_resolved": "no", "comment": ""})
    assert "Руководитель подразделения разберётся" in response.content.decode()
    item = ControlItem.objects.get()
    assert item.owner == head


def test_tampered_link_shows_a_clear_russian_page(client, survey_path):
    tampered = survey_path[:-2] + ("B" if survey_path[-2] == "A" else "A") + "/"
    response = client.get(tampered)
    assert response.status_code == 404
    assert "Ссылка недействительна" in response.content.decode()
    assert client.post(tampered, {"rating": "5", "is_resolved": "yes"}).status_code == 404
    assert Survey.objects.get().answered_at is None


def test_unknown_but_well_signed_link_is_invalid_too(client, db):
    path = reverse("feedback:survey_answer", args=[links.sign("no-such-nonce", links.SURVEY_SALT)])
    response = client.get(path)
    assert response.status_code == 404
    assert "Ссылка недействительна" in response.content.decode()


def test_expired_link_shows_when_it_ended(client, survey_path):
    survey = Survey.objects.get()
    with time_machine.travel(survey.expires_at + datetime.timedelta(hours=1)):
        response = client.post(survey_path, {"rating": "5", "is_resolved": "yes"})
    assert response.status_code == 410
    assert "Срок действия ссылки истёк" in response.content.decode()
    assert Survey.objects.get().answered_at is None


def test_head_sees_survey_figures_and_the_low_ratings(client, operator, executor, signatory, head):
    from abonent.feedback.services.surveys import SurveyAnswer, answer_survey

    for _ in range(3):
        sent_reply(registered_by=operator, executor=executor, signatory=signatory)
    tasks.sweep_surveys.call()
    first, second, third = Survey.objects.order_by("pk")
    answer_survey(survey=first, answer=SurveyAnswer(rating=5, is_resolved=True))
    answer_survey(survey=second, answer=SurveyAnswer(rating=2, is_resolved=False, comment="Не перезвонили"))
    client.force_login(head)
    summary = client.get(reverse("feedback:surveys")).context["summary"]
    assert (summary.created, summary.sent, summary.answered, summary.low, summary.resolved) == (3, 3, 2, 1, 1)
    assert (str(summary.average), str(summary.response_rate), str(summary.resolved_share)) == ("3.50", "66.7", "50.0")
    assert summary.by_rating == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    page = client.get(reverse("feedback:low_ratings"))
    assert list(page.context["rows"]) == [second]
    text = page.content.decode()
    assert "Не перезвонили" in text and second.appeal.number in text and head.short_name in text
    assert list(client.get(reverse("feedback:low_ratings"), {"state": "done"}).context["rows"]) == []
    assert third.answered_at is None

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from abonent.feedback.models import Invitation, Question, Questionnaire, Response
from abonent.feedback.services import questionnaires as qs
from abonent.feedback.services.questionnaires import QuestionData
from abonent.feedback.tests.test_questionnaires import full, make, q, raw_answers
from abonent.feedback.views.public import VISITOR_COOKIE

K = Question.Kind


def post_answers(client, path, questionnaire, **kwargs):
    data = {f"q{pk}": values for pk, values in raw_answers(questionnaire, **kwargs).items()}
    return client.post(path, data)


# --- permissions ---


@pytest.mark.parametrize("name, args", [
    ("feedback:questionnaires", []), ("feedback:questionnaire_new", []), ("feedback:list", []),
    ("feedback:surveys", []), ("feedback:low_ratings", []),
])
def test_only_heads_reach_the_builder_and_the_feedback_pages(client, operator, executor, name, args):
    url = reverse(name, args=args)
    assert client.get(url).status_code == 302  # to the login page
    for user in (operator, executor):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_staff_cannot_open_a_questionnaire_in_the_builder_or_its_results(client, head, operator):
    questionnaire = full(head)
    client.force_login(operator)
    for name in ("feedback:questionnaire", "feedback:questionnaire_results", "feedback:questionnaire_csv",
                 "feedback:questionnaire_edit", "feedback:question_new"):
        assert client.get(reverse(name, args=[questionnaire.pk])).status_code == 403
    assert client.post(reverse("feedback:questionnaire_close", args=[questionnaire.pk])).status_code == 403
    questionnaire.refresh_from_db()
    assert questionnaire.status == Questionnaire.Status.OPEN


def test_customer_login_never_reaches_the_back_office(client, head, customer, django_user_model):
    portal_user = django_user_model.objects.create_user(username="portal", password="x", kind="customer")
    client.force_login(portal_user)
    assert client.get(reverse("feedback:my_questionnaires")).status_code == 403


# --- the builder through its pages ---


def test_head_builds_and_opens_a_questionnaire(client, head):
    client.force_login(head)
    response = client.post(reverse("feedback:questionnaire_new"), {
        "title": "Оценка центра приёма", "slug": "reception-2026", "audience": "customers", "intro": "Пара минут",
        "is_public_poll": "on", "results_published": "on", "opens_at": "", "closes_at": "", "thanks_text": ""})
    questionnaire = Questionnaire.objects.get()
    assert response.status_code == 302 and response["Location"] == questionnaire.get_absolute_url()
    assert (questionnaire.created_by, questionnaire.is_public_poll, questionnaire.status) == (head, True, "draft")
    add = reverse("feedback:question_new", args=[questionnaire.pk])
    bad = client.post(add, {"kind": "single", "text": "Как Вы к нам обратились?", "choices": "Лично",
                            "is_required": "on"})
    assert bad.status_code == 400
    assert "хотя бы два варианта" in bad.content.decode()
    client.post(add, {"kind": "single", "text": "Как Вы к нам обратились?", "choices": "Лично\n\nПо телефону\n",
                      "is_required": "on"})
    client.post(add, {"kind": "nps", "text": "Порекомендуете ли Вы нас?", "choices": ""})
    question = questionnaire.questions.get(kind="single")
    assert list(question.choices.values_list("text", flat=True)) == ["Лично", "По телефону"]
    assert questionnaire.questions.get(kind="nps").is_required is False
    page = client.get(questionnaire.get_absolute_url()).content.decode()
    assert "Порекомендуете ли Вы нас?" in page and "Начать опрос" in page
    client.post(reverse("feedback:questionnaire_open", args=[questionnaire.pk]))
    questionnaire.refresh_from_db()
    assert questionnaire.status == "open"
    assert "Как Вы к нам обратились?" in client.get(reverse("feedback:poll", args=["reception-2026"])).content.decode()


def test_opening_an_empty_questionnaire_shows_why_not(client, head):
    questionnaire = make(head)
    client.force_login(head)
    response = client.post(reverse("feedback:questionnaire_open", args=[questionnaire.pk]), follow=True)
    assert "В анкете нет ни одного вопроса." in response.content.decode()
    questionnaire.refresh_from_db()
    assert questionnaire.status == "draft"


def test_questions_move_and_delete_through_the_page(client, head):
    questionnaire = make(head)
    for text in ("Первый", "Второй"):
        qs.add_question(questionnaire=questionnaire, data=QuestionData(kind=K.TEXT, text=text), added_by=head)
    client.force_login(head)
    second = questionnaire.questions.get(text="Второй")
    client.post(reverse("feedback:question_move", args=[questionnaire.pk, second.pk]), {"direction": "up"})
    assert list(questionnaire.questions.values_list("text", flat=True)) == ["Второй", "Первый"]
    client.post(reverse("feedback:question_delete", args=[questionnaire.pk, second.pk]))
    assert list(questionnaire.questions.values_list("text", flat=True)) == ["Первый"]


# --- personal links ---


def test_invitations_by_email_give_one_answer_per_link(client, head, customer):
    from abonent.customers.tests.factories import CustomerFactory

    questionnaire = full(head)
    no_email = CustomerFactory(email="")
    client.force_login(head)
    response = client.post(reverse("feedback:questionnaire_invite", args=[questionnaire.pk]),
                           {"channel": "email", "inns": f"{customer.inn} {no_email.inn}"})
    assert response.status_code == 302
    [invitation] = Invitation.objects.all()
    assert (invitation.customer, invitation.status, invitation.email) == (customer, "sent", customer.email)
    [message] = mail.outbox
    assert message.to == [customer.email] and "Качество обслуживания" in message.subject
    client.post(reverse("feedback:questionnaire_invite", args=[questionnaire.pk]), {"channel": "email", "inns": ""})
    assert Invitation.objects.filter(customer=customer).count() == 1  # inviting again adds only new ones
    path = re.search(r"http://[^/\s]+(/feedback/q/\S+/)", message.body).group(1)
    client.logout()
    assert "Каким каналом Вы обращались?" in client.get(path).content.decode()
    assert "Спасибо за ответы!" in post_answers(client, path, questionnaire).content.decode()
    again = post_answers(client, path, questionnaire, scale5=1)
    assert "Ответ уже получен" in again.content.decode()
    assert "Ответ уже получен" in client.get(path).content.decode()
    assert Response.objects.get().invitation == invitation
    assert Response.objects.get().answers.get(question__kind=K.SCALE5).number == 5


def test_invalid_invitation_link_is_a_clear_page(client, db):
    response = client.get(reverse("feedback:invitation_answer", args=["abc:def"]))
    assert response.status_code == 404
    assert "Ссылка недействительна" in response.content.decode()


def test_invalid_answers_come_back_with_russian_errors_and_the_values_kept(client, head, customer):
    questionnaire = full(head)
    invitation = Invitation.objects.create(questionnaire=questionnaire, channel="email", customer=customer)
    from abonent.feedback import links

    path = reverse("feedback:invitation_answer", args=[links.sign(invitation.nonce, links.INVITATION_SALT)])
    response = post_answers(client, path, questionnaire, single=None, text="Мой ответ")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Выберите ответ." in page and "Мой ответ" in page
    assert Response.objects.count() == 0


# --- internet polls ---


def test_public_poll_one_answer_per_visitor_and_published_results(client, head):
    questionnaire = full(head, public=True, published=True)
    url = reverse("feedback:poll", args=[questionnaire.slug])
    first = client.get(url)
    assert first.status_code == 200 and VISITOR_COOKIE in first.cookies
    page = first.content.decode()
    assert "<script" not in page and "style=" not in page
    assert 'href="/static/css/feedback.css"' in page
    assert "Спасибо за ответы!" in post_answers(client, url, questionnaire, nps=9).content.decode()
    again = post_answers(client, url, questionnaire, nps=0)
    assert "Ответ уже получен" in again.content.decode()
    assert Response.objects.count() == 1
    results = client.get(reverse("feedback:poll_results", args=[questionnaire.slug]))
    text = results.content.decode()
    assert results.status_code == 200
    assert "Всего ответов: <b>1</b>" in text
    assert 'value="100.0"' in text and "NPS: <b>+100,0</b>" in text
    listing = client.get(reverse("feedback:polls")).content.decode()
    assert questionnaire.title in listing


def test_under_https_the_poll_cookie_is_host_prefixed_secure_and_the_only_one_read(client, head, settings):
    settings.HTTPS = True
    questionnaire = full(head, public=True, published=True)
    url = reverse("feedback:poll", args=[questionnaire.slug])
    first = client.get(url)
    cookie = first.cookies[f"__Host-{VISITOR_COOKIE}"]
    assert VISITOR_COOKIE not in first.cookies
    assert cookie["secure"] is True and cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/" and cookie["domain"] == ""
    assert "Спасибо за ответы!" in post_answers(client, url, questionnaire, nps=9).content.decode()
    assert "Ответ уже получен" in client.get(url).content.decode()
    # The same signed value under the unprefixed name (settable over plain HTTP) is not read.
    other = Client()
    other.cookies[VISITOR_COOKIE] = cookie.value
    answer_page = other.get(url)
    assert "Ответ уже получен" not in answer_page.content.decode()
    assert f"__Host-{VISITOR_COOKIE}" in answer_page.cookies
    assert Response.objects.count() == 1


def test_poll_results_are_hidden_unless_published(client, head):
    questionnaire = full(head, public=True, published=False)
    assert client.get(reverse("feedback:poll_results", args=[questionnaire.slug])).status_code == 404


def test_draft_and_link_only_questionnaires_are_not_polls(client, head):
    draft = make(head, public=True, slug="draft")
    links_only = full(head, slug="links")
    for questionnaire in (draft, links_only):
        assert client.get(reverse("feedback:poll", args=[questionnaire.slug])).status_code == 404


def test_closed_poll_says_so(client, head):
    questionnaire = full(head, public=True, published=True)
    qs.close_questionnaire(questionnaire=questionnaire, closed_by=head)
    response = client.get(reverse("feedback:poll", args=[questionnaire.slug]))
    assert "Опрос завершён" in response.content.decode()
    assert questionnaire.title in client.get(reverse("feedback:polls")).content.decode()


# --- staff questionnaires ---


def test_staff_answer_staff_questionnaires_once_after_signing_in(client, head, operator):
    questionnaire = full(head, audience="staff")
    customers_only = full(head, slug="customers")
    client.force_login(operator)
    listing = client.get(reverse("feedback:my_questionnaires")).content.decode()
    assert questionnaire.title in listing
    url = reverse("feedback:staff_answer", args=[questionnaire.pk])
    assert "Спасибо" in post_answers(client, url, questionnaire).content.decode()
    assert "Ответ уже получен" in post_answers(client, url, questionnaire).content.decode()
    assert Response.objects.get().respondent == operator
    assert client.get(reverse("feedback:staff_answer", args=[customers_only.pk])).status_code == 404
    assert "ответ дан" in client.get(reverse("feedback:my_questionnaires")).content.decode()


def test_results_page_and_csv_for_the_head(client, head, operator):
    questionnaire = full(head, audience="staff")
    from abonent.feedback.services import responses

    responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire, text="Нужен кулер"),
                              respondent=operator)
    client.force_login(head)
    page = client.get(reverse("feedback:questionnaire_results", args=[questionnaire.pk])).content.decode()
    assert '<b id="responses-total">1</b>' in page and "Нужен кулер" in page
    assert operator.last_name not in page
    response = client.get(reverse("feedback:questionnaire_csv", args=[questionnaire.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content).decode()
    assert "Нужен кулер" in content and "сотрудник (вход в систему)" in content
    assert operator.last_name not in content
    assert q(questionnaire, K.TEXT).text in content


def test_home_page_tiles_lead_to_feedback(client, head, operator):
    from abonent.core.dashboard import tiles_for

    full(head, audience="staff")
    assert [(t.title, t.count) for t in tiles_for(head) if "анкет" in t.title or "оцен" in t.title] == [
        ("низких оценок не разобрано", 0), ("анкет и опросов проводится", 1), ("анкет ждут Вашего ответа", 1)]
    assert [(t.title, t.count, t.url) for t in tiles_for(operator) if "анкет" in t.title] == [
        ("анкет ждут Вашего ответа", 1, reverse("feedback:my_questionnaires"))]
    client.force_login(operator)
    assert "анкет ждут Вашего ответа" in client.get(reverse("core:home")).content.decode()

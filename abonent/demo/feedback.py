"""Demo feedback: whom the demo thanks, reviews and complaints are about, satisfaction surveys on replies
(one low rating under the head's control), an internet poll with published results, a staff questionnaire
and a draft for distribution by e-mail and EDO. Made through the services; a second run adds nothing."""

import random

from django.db import transaction

from abonent.appeals.models import Appeal, Kind, Reply
from abonent.feedback.models import FeedbackSubject, Question, Questionnaire, Survey
from abonent.feedback.services import questionnaires as builder
from abonent.feedback.services import responses
from abonent.feedback.services.questionnaires import QuestionData, QuestionnaireData
from abonent.feedback.services.subjects import set_feedback_subject
from abonent.feedback.services.surveys import SurveyAnswer, answer_survey, create_survey
from abonent.organisation.models import Department
from abonent.users.models import User

K = Question.Kind
CUSTOMER_QUESTIONS = [
    (K.SINGLE, "Как Вы чаще всего обращаетесь к нам?", ["Лично в центр по приёму потребителей", "По телефону",
                                                         "По электронной почте", "Через ЭДО", "Через личный кабинет"]),
    (K.MULTIPLE, "Что нам стоит улучшить в первую очередь?", ["Сроки ответа", "Понятность ответов",
                                                              "Дозвон в call-центр", "Личный кабинет", "Режим работы"]),
    (K.SCALE5, "Насколько вежливы и доброжелательны наши специалисты?", []),
    (K.SCALE10, "Насколько быстро решаются Ваши вопросы?", []),
    (K.NPS, "Насколько вероятно, что Вы порекомендуете нас коллегам?", []),
    (K.TEXT, "Ваши предложения по улучшению обслуживания", []),
]
STAFF_QUESTIONS = [
    (K.SCALE5, "Насколько регламенты Стандарта помогают Вам обслуживать клиентов?", []),
    (K.MULTIPLE, "Что мешает ответить клиенту за одно обращение?", ["Нет доступа к нужным данным",
                                                                    "Долгое согласование ответа", "Нехватка шаблонов",
                                                                    "Перегрузка в дни оплаты"]),
    (K.TEXT, "Что изменить в организации обслуживания?", []),
]
SUGGESTIONS = ["Продлить приём по пятницам до 17:00", "Напоминать о сроке оплаты по SMS", "",
               "Больше шаблонов заявлений на сайте", ""]


def _questionnaire(head, *, slug: str, title: str, audience: str, public: bool, questions, intro: str):
    existing = Questionnaire.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    questionnaire = builder.create_questionnaire(data=QuestionnaireData(
        title=title, slug=slug, audience=audience, intro=intro, is_public_poll=public, results_published=public),
        created_by=head)
    for kind, text, choices in questions:
        builder.add_question(questionnaire=questionnaire, added_by=head, data=QuestionData(
            kind=kind, text=text, choices=choices, is_required=kind not in (K.TEXT, K.MULTIPLE)))
    return questionnaire, True


def _answer_poll(questionnaire: Questionnaire, rng: random.Random, count: int) -> None:
    questions = list(questionnaire.questions.prefetch_related("choices"))
    for n in range(count):
        raw = {}
        for question in questions:
            options = [str(c.pk) for c in question.choices.all()]
            if question.kind == K.SINGLE:
                raw[question.pk] = [rng.choice(options)]
            elif question.kind == K.MULTIPLE:
                raw[question.pk] = rng.sample(options, rng.randint(0, 2))
            elif question.number_range:
                low, high = question.number_range
                raw[question.pk] = [str(rng.randint(max(low, high - 4), high))]
            else:
                raw[question.pk] = [SUGGESTIONS[n % len(SUGGESTIONS)]]
        responses.submit_response(questionnaire=questionnaire, raw=raw, visitor=f"demo-{n}", client=f"demo-{n}")


def _subjects(head) -> int:
    executor = User.objects.get(username="executor")
    reception = Department.objects.get(code="reception")
    marked = 0
    for appeal in Appeal.objects.filter(source_key__startswith="demo:", kind__in=[Kind.REVIEW, Kind.COMPLAINT],
                                        feedback_subject__isnull=True).order_by("pk"):
        if appeal.kind == Kind.REVIEW:
            set_feedback_subject(appeal=appeal, department=reception, employee=None, set_by=head)
        else:
            set_feedback_subject(appeal=appeal, department=executor.department, employee=executor, set_by=head)
        marked += 1
    return marked


def _surveys() -> int:
    """Surveys on the demo's signed replies, answered by the customers: mostly satisfied, one not."""
    replies = Reply.objects.filter(appeal__source_key__startswith="demo:", purpose=Reply.Purpose.ANSWER,
                                   status__in=[Reply.Status.APPROVED, Reply.Status.SENT]).order_by("pk")
    answers = [SurveyAnswer(5, True, "Спасибо за подробный ответ"), SurveyAnswer(4, True),
               SurveyAnswer(2, False, "Перерасчёт так и не сделан, прошу связаться со мной")]
    made = 0
    for reply, answer in zip(replies, answers, strict=False):
        survey, created = create_survey(reply=reply)
        if created:
            Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.SENT, channel=reply.channel,
                                                       sent_at=reply.approved_at)
            survey.refresh_from_db()
            answer_survey(survey=survey, answer=answer)
            made += 1
    return made


@transaction.atomic
def seed() -> dict:
    head = User.objects.get(username="head")
    poll, new_poll = _questionnaire(
        head, slug="kachestvo-obsluzhivaniya", title="Качество обслуживания юридических лиц",
        audience=Questionnaire.Audience.CUSTOMERS, public=True, questions=CUSTOMER_QUESTIONS,
        intro="Оцените, пожалуйста, как мы Вас обслуживаем. Опрос анонимный и займёт 2–3 минуты.")
    if new_poll:
        builder.open_questionnaire(questionnaire=poll, opened_by=head)
        _answer_poll(poll, random.Random(10), 12)
    staff_q, new_staff = _questionnaire(
        head, slug="personal-2026", title="Оценка качества обслуживания клиентов персоналом",
        audience=Questionnaire.Audience.STAFF, public=False, questions=STAFF_QUESTIONS,
        intro="Анкета для сотрудников (стандарт, раздел 4). Ответы показываются руководителям без имён.")
    if new_staff:
        builder.open_questionnaire(questionnaire=staff_q, opened_by=head)
    _questionnaire(head, slug="edo-2026", title="Удовлетворённость обменом документами через ЭДО",
                   audience=Questionnaire.Audience.CUSTOMERS, public=False, questions=CUSTOMER_QUESTIONS[2:5],
                   intro="Просим оценить работу с нами через операторов ЭДО (СБИС, Диадок).")
    return {"subjects": _subjects(head), "surveys": _surveys(),
            "questionnaires": Questionnaire.objects.count(), "poll_responses": poll.responses.count(),
            "marked": FeedbackSubject.objects.count()}

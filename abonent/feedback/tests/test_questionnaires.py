import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from abonent.feedback.errors import FeedbackError
from abonent.feedback.models import Answer, Question, Questionnaire, Response
from abonent.feedback.services import questionnaires as qs
from abonent.feedback.services import responses, results
from abonent.feedback.services.questionnaires import QuestionData, QuestionnaireData
from abonent.feedback.services.results import Nps

K = Question.Kind


def make(head, *, audience="customers", public=False, published=False, **extra) -> Questionnaire:
    data = QuestionnaireData(title="Качество обслуживания", slug=extra.pop("slug", "quality"), audience=audience,
                             is_public_poll=public, results_published=published, **extra)
    return qs.create_questionnaire(data=data, created_by=head)


def full(head, **kwargs) -> Questionnaire:
    """A questionnaire with one question of each kind, opened."""
    questionnaire = make(head, **kwargs)
    for kind, text, choices, required in [
        (K.SINGLE, "Каким каналом Вы обращались?", ["Телефон", "Почта", "Личный кабинет"], True),
        (K.MULTIPLE, "Что нам улучшить?", ["Сроки", "Вежливость", "Сайт"], False),
        (K.SCALE5, "Оцените вежливость", [], True),
        (K.SCALE10, "Оцените скорость", [], False),
        (K.NPS, "Порекомендуете ли Вы нас?", [], True),
        (K.TEXT, "Ваши предложения", [], False),
    ]:
        qs.add_question(questionnaire=questionnaire, data=QuestionData(kind=kind, text=text, choices=choices,
                                                                       is_required=required), added_by=head)
    return qs.open_questionnaire(questionnaire=questionnaire, opened_by=head)


def q(questionnaire: Questionnaire, kind: str) -> Question:
    return questionnaire.questions.get(kind=kind)


def choice(questionnaire: Questionnaire, kind: str, text: str) -> str:
    return str(q(questionnaire, kind).choices.get(text=text).pk)


def raw_answers(questionnaire, *, single="Телефон", multiple=(), scale5=5, scale10=None, nps=10, text=""):
    return {
        q(questionnaire, K.SINGLE).pk: [choice(questionnaire, K.SINGLE, single)] if single else [],
        q(questionnaire, K.MULTIPLE).pk: [choice(questionnaire, K.MULTIPLE, m) for m in multiple],
        q(questionnaire, K.SCALE5).pk: [str(scale5)] if scale5 is not None else [],
        q(questionnaire, K.SCALE10).pk: [str(scale10)] if scale10 is not None else [],
        q(questionnaire, K.NPS).pk: [str(nps)] if nps is not None else [],
        q(questionnaire, K.TEXT).pk: [text],
    }


# --- the builder ---


def test_only_heads_build(operator, executor):
    data = QuestionnaireData(title="Анкета", slug="a")
    for user in (operator, executor):
        with pytest.raises(FeedbackError, match="может руководитель"):
            qs.create_questionnaire(data=data, created_by=user)
    assert Questionnaire.objects.count() == 0


@pytest.mark.parametrize("data, field, message", [
    (QuestionnaireData(title=" ", slug="a"), "title", "Укажите название"),
    (QuestionnaireData(title="А", slug="a", audience="staff", is_public_poll=True), "is_public_poll",
     "для сотрудников не публикуется"),
    (QuestionnaireData(title="А", slug="a", results_published=True), "results_published", "только у интернет-опроса"),
    (QuestionnaireData(title="А", slug="a", opens_at=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
                       closes_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)), "closes_at", "позже начала"),
])
def test_questionnaire_parameters_are_checked(head, data, field, message):
    with pytest.raises(FeedbackError, match=message) as refusal:
        qs.create_questionnaire(data=data, created_by=head)
    assert refusal.value.field == field
    assert Questionnaire.objects.count() == 0


def test_slug_is_unique_with_a_russian_message(head):
    make(head)
    with pytest.raises(FeedbackError, match="адрес на сайте уже занят"):
        make(head)


@pytest.mark.parametrize("data, message", [
    (QuestionData(kind=K.SINGLE, text="Канал?", choices=["Телефон"]), "хотя бы два варианта"),
    (QuestionData(kind=K.MULTIPLE, text="Что?", choices=["А", "а", "Б"]), "повторяются"),
    (QuestionData(kind=K.SCALE5, text="Оценка", choices=["1", "2"]), "только для вопросов с выбором"),
    (QuestionData(kind=K.TEXT, text="  "), "Введите текст вопроса"),
    (QuestionData(kind="slider", text="Что?"), "Выберите вид вопроса"),
    (QuestionData(kind=K.SINGLE, text="Что?", choices=[str(i) for i in range(21)]), "Не больше 20"),
])
def test_question_is_checked(head, data, message):
    questionnaire = make(head)
    with pytest.raises(FeedbackError, match=message):
        qs.add_question(questionnaire=questionnaire, data=data, added_by=head)
    assert questionnaire.questions.count() == 0


def test_questions_keep_their_order_when_moved_and_deleted(head):
    questionnaire = make(head)
    for text in ("Первый", "Второй", "Третий"):
        qs.add_question(questionnaire=questionnaire, data=QuestionData(kind=K.TEXT, text=text), added_by=head)
    third = questionnaire.questions.get(text="Третий")
    qs.move_question(question=third, up=True, moved_by=head)
    assert list(questionnaire.questions.values_list("text", "order")) == [("Первый", 1), ("Третий", 2), ("Второй", 3)]
    qs.move_question(question=questionnaire.questions.get(text="Первый"), up=True, moved_by=head)  # already first
    qs.delete_question(question=questionnaire.questions.get(text="Первый"), deleted_by=head)
    assert list(questionnaire.questions.values_list("text", "order")) == [("Третий", 1), ("Второй", 2)]


def test_empty_questionnaire_cannot_be_opened(head):
    questionnaire = make(head)
    with pytest.raises(FeedbackError, match="нет ни одного вопроса"):
        qs.open_questionnaire(questionnaire=questionnaire, opened_by=head)
    questionnaire.refresh_from_db()
    assert questionnaire.status == Questionnaire.Status.DRAFT


def test_questions_are_frozen_once_open(head):
    questionnaire = full(head)
    with pytest.raises(FeedbackError, match="только в черновике"):
        qs.add_question(questionnaire=questionnaire, data=QuestionData(kind=K.TEXT, text="Ещё"), added_by=head)
    with pytest.raises(FeedbackError, match="только в черновике"):
        qs.delete_question(question=q(questionnaire, K.TEXT), deleted_by=head)
    assert questionnaire.questions.count() == 6


# --- answers of each kind ---


@pytest.mark.parametrize("kind, raw, message", [
    (K.SINGLE, [], "Выберите ответ."),
    (K.SINGLE, ["999999"], "Выберите вариант из списка."),
    (K.SINGLE, ["abc"], "Выберите вариант из списка."),
    (K.SCALE5, ["0"], "от 1 до 5"),
    (K.SCALE5, ["6"], "от 1 до 5"),
    (K.SCALE5, ["4.5"], "от 1 до 5"),
    (K.NPS, ["11"], "от 0 до 10"),
    (K.NPS, ["-1"], "от 0 до 10"),
    (K.NPS, [], "Выберите ответ."),
])
def test_required_and_bounded_answers(head, kind, raw, message):
    questionnaire = full(head)
    with pytest.raises(FeedbackError, match=message):
        responses.clean_answer(q(questionnaire, kind), raw)


def test_single_choice_takes_exactly_one(head):
    questionnaire = full(head)
    question = q(questionnaire, K.SINGLE)
    both = [choice(questionnaire, K.SINGLE, "Телефон"), choice(questionnaire, K.SINGLE, "Почта")]
    with pytest.raises(FeedbackError, match="Выберите один вариант"):
        responses.clean_answer(question, both)
    assert responses.clean_answer(question, both[:1]) == [int(both[0])]


def test_multiple_choice_takes_several_of_its_own_options_only(head):
    questionnaire = full(head)
    question = q(questionnaire, K.MULTIPLE)
    picked = [choice(questionnaire, K.MULTIPLE, "Сроки"), choice(questionnaire, K.MULTIPLE, "Сайт")]
    assert responses.clean_answer(question, picked + picked[:1]) == sorted(int(p) for p in picked)
    foreign = choice(questionnaire, K.SINGLE, "Почта")
    with pytest.raises(FeedbackError, match="из списка"):
        responses.clean_answer(question, [picked[0], foreign])
    assert responses.clean_answer(question, []) is None  # optional


def test_scales_nps_and_text(head):
    questionnaire = full(head)
    assert responses.clean_answer(q(questionnaire, K.SCALE5), ["1"]) == 1
    assert responses.clean_answer(q(questionnaire, K.SCALE10), ["10"]) == 10
    assert responses.clean_answer(q(questionnaire, K.SCALE10), [""]) is None
    assert responses.clean_answer(q(questionnaire, K.NPS), ["0"]) == 0
    assert responses.clean_answer(q(questionnaire, K.TEXT), ["  Хорошо  "]) == "Хорошо"
    with pytest.raises(FeedbackError, match="длиннее 4000"):
        responses.clean_answer(q(questionnaire, K.TEXT), ["я" * 4001])


def test_invalid_response_stores_nothing_and_names_every_bad_question(head):
    questionnaire = full(head, public=True)
    raw = raw_answers(questionnaire, single=None, scale5=9)
    with pytest.raises(responses.InvalidAnswers) as refusal:
        responses.submit_response(questionnaire=questionnaire, raw=raw, visitor="v1")
    assert refusal.value.errors == {q(questionnaire, K.SINGLE).pk: "Выберите ответ.",
                                    q(questionnaire, K.SCALE5).pk: "Выберите оценку от 1 до 5."}
    assert Response.objects.count() == Answer.objects.count() == 0


# --- one answer per link, per employee, per visitor ---


def test_one_answer_per_personal_link(head, customer):
    from abonent.feedback.models import Invitation

    questionnaire = full(head)
    invitation = Invitation.objects.create(questionnaire=questionnaire, channel="email", customer=customer,
                                           email="a@example.ru")
    responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire), invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ANSWERED
    with pytest.raises(responses.AlreadyAnswered, match="уже получен"):
        responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire, scale5=1),
                                  invitation=invitation)
    assert Response.objects.count() == 1
    assert Answer.objects.get(question__kind=K.SCALE5).number == 5


def test_customer_questionnaire_is_answered_only_by_link_unless_published(head):
    questionnaire = full(head)
    with pytest.raises(FeedbackError, match="только по персональной ссылке"):
        responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire), visitor="v1")


def test_one_answer_per_visitor_and_a_limit_per_address_and_browser(head, settings):
    settings.FEEDBACK_POLL_ANSWERS_PER_CLIENT = 2
    questionnaire = full(head, public=True)
    client = responses.client_hash("10.0.0.1", "Firefox")
    responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire), visitor="v1", client=client)
    with pytest.raises(responses.AlreadyAnswered):
        responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire), visitor="v1",
                                  client=responses.client_hash("10.0.0.2", "Chrome"))
    responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire), visitor="v2", client=client)
    with pytest.raises(FeedbackError, match="уже получено несколько ответов"):
        responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire), visitor="v3",
                                  client=client)
    assert Response.objects.count() == 2
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire), visitor="v3",
                                  client=client)
    assert Response.objects.count() == 3


def test_staff_answer_staff_questionnaires_once(head, operator, customer):
    questionnaire = full(head, audience="staff")
    responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire), respondent=operator)
    with pytest.raises(responses.AlreadyAnswered):
        responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire), respondent=operator)
    customers_only = full(head, slug="customers")
    with pytest.raises(FeedbackError, match="не для сотрудников"):
        responses.submit_response(questionnaire=customers_only, raw=raw_answers(customers_only), respondent=operator)


def test_answers_only_within_the_dates(head):
    start = timezone.now() + datetime.timedelta(days=1)
    questionnaire = full(head, public=True, opens_at=start, closes_at=start + datetime.timedelta(days=7))
    with pytest.raises(FeedbackError, match="Опрос начнётся"):
        responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire), visitor="v1")
    with time_machine.travel(start + datetime.timedelta(days=8)), pytest.raises(FeedbackError, match="завершён"):
        responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire), visitor="v1")
    with time_machine.travel(start + datetime.timedelta(days=1)):
        responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire), visitor="v1")
        qs.close_questionnaire(questionnaire=questionnaire, closed_by=head)
        with pytest.raises(FeedbackError, match="завершён"):
            responses.submit_response(questionnaire=questionnaire, raw=raw_answers(questionnaire), visitor="v2")
    assert Response.objects.count() == 1


# --- results ---


@pytest.fixture
def answered(head):
    """Five visitors' answers, constructed so every figure is known."""
    questionnaire = full(head, public=True, published=True)
    rows = [  # single, multiple, scale 1-5, scale 1-10, NPS, text
        ("Телефон", ("Сроки", "Сайт"), 5, 10, 10, "Всё хорошо"),
        ("Телефон", ("Сроки",), 4, None, 9, ""),
        ("Почта", (), 4, 7, 8, "Долго отвечали"),
        ("Телефон", ("Вежливость",), 2, None, 3, ""),
        ("Почта", ("Сроки",), 3, 8, 6, ""),
    ]
    for i, (single, multiple, scale5, scale10, nps, text) in enumerate(rows):
        raw = raw_answers(questionnaire, single=single, multiple=multiple, scale5=scale5, scale10=scale10, nps=nps,
                          text=text)
        with time_machine.travel(datetime.datetime(2026, 11, 2 + i, 10, tzinfo=datetime.UTC)):
            responses.submit_response(questionnaire=questionnaire, raw=raw, visitor=f"v{i}")
    return questionnaire


def test_results_figures_are_exact(answered):
    figures = results.results(answered)
    assert figures.responses == 5
    by_kind = {r.question.kind: r for r in figures.questions}
    single = by_kind[K.SINGLE]
    assert single.answered == 5
    assert [(r.label, r.count, r.percent) for r in single.rows] == [
        ("Телефон", 3, Decimal("60.0")), ("Почта", 2, Decimal("40.0")), ("Личный кабинет", 0, Decimal("0.0"))]
    multiple = by_kind[K.MULTIPLE]
    assert multiple.answered == 4
    assert [(r.label, r.count, r.percent) for r in multiple.rows] == [
        ("Сроки", 3, Decimal("75.0")), ("Вежливость", 1, Decimal("25.0")), ("Сайт", 1, Decimal("25.0"))]
    scale5 = by_kind[K.SCALE5]
    assert (scale5.answered, scale5.average) == (5, Decimal("3.60"))
    assert [(r.label, r.count) for r in scale5.rows] == [("1", 0), ("2", 1), ("3", 1), ("4", 2), ("5", 1)]
    scale10 = by_kind[K.SCALE10]
    assert (scale10.answered, scale10.average, len(scale10.rows)) == (3, Decimal("8.33"), 10)
    nps = by_kind[K.NPS]
    assert (nps.nps.promoters, nps.nps.passives, nps.nps.detractors) == (2, 1, 2)
    assert nps.nps.score == Decimal("0.0")
    assert nps.average == Decimal("7.20")
    text = by_kind[K.TEXT]
    assert text.answered == 2
    assert [t for _, t in text.texts] == ["Всё хорошо", "Долго отвечали"]


@pytest.mark.parametrize("counts, score", [
    ({10: 3, 9: 1}, Decimal("100.0")),
    ({0: 2, 6: 1}, Decimal("-100.0")),
    ({9: 2, 7: 1, 5: 1}, Decimal("25.0")),
    ({10: 1, 8: 1, 3: 1}, Decimal("0.0")),
    ({9: 1, 7: 1, 8: 1}, Decimal("33.3")),
    ({10: 2, 1: 1}, Decimal("33.3")),
    ({9: 1, 6: 2}, Decimal("-33.3")),
    ({}, None),
])
def test_nps_is_the_share_of_promoters_minus_detractors(counts, score):
    assert Nps.from_distribution(counts).score == score


def test_csv_has_one_row_per_response_in_russian_excel_format(answered):
    content = "".join(results.csv_lines(answered))
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["№", "Получено", "Способ ответа", "1. Каким каналом Вы обращались?", "2. Что нам улучшить?",
                       "3. Оцените вежливость", "4. Оцените скорость", "5. Порекомендуете ли Вы нас?",
                       "6. Ваши предложения"]
    assert len(rows) == 6
    assert rows[1] == ["1", "02.11.2026 17:00", "опрос на сайте", "Телефон", "Сроки; Сайт", "5", "10", "10",
                       "Всё хорошо"]
    assert rows[3][3:] == ["Почта", "", "4", "7", "8", "Долго отвечали"]

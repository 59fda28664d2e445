"""Answering a questionnaire: each question kind's answer is checked here (the pages only collect the raw
values), and one response is allowed per personal link, per employee and per visitor of the site."""

import datetime
import hashlib
from collections.abc import Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from abonent.feedback.errors import FeedbackError
from abonent.feedback.models import Answer, Invitation, Question, Questionnaire, Response

MAX_TEXT = 4000
Value = list[int] | int | str | None


class AlreadyAnswered(FeedbackError):
    def __init__(self):
        super().__init__("Ответ по этой анкете уже получен. Спасибо!")


class InvalidAnswers(FeedbackError):
    """Some answers do not fit their questions; `errors` maps question id → Russian message."""

    def __init__(self, errors: dict[int, str]):
        super().__init__("Проверьте ответы: " + "; ".join(errors.values()))
        self.errors = errors


def clean_answer(question: Question, raw: list[str]) -> Value:
    """The answer to one question from the submitted strings, or FeedbackError with a Russian message."""
    raw = [value.strip() for value in raw if value and value.strip()]
    if not raw:
        if question.is_required:
            raise FeedbackError("Ответьте на этот вопрос." if question.kind == Question.Kind.TEXT
                                else "Выберите ответ.")
        return None
    if question.has_choices:
        allowed = {choice.pk for choice in question.choices.all()}
        try:
            picked = sorted({int(value) for value in raw})
        except ValueError:
            raise FeedbackError("Выберите вариант из списка.") from None
        if any(pk not in allowed for pk in picked):
            raise FeedbackError("Выберите вариант из списка.")
        if question.kind == Question.Kind.SINGLE and len(picked) != 1:
            raise FeedbackError("Выберите один вариант.")
        return picked
    if bounds := question.number_range:
        low, high = bounds
        try:
            number = int(raw[0])
        except ValueError:
            number = None
        if len(raw) != 1 or number is None or not low <= number <= high:
            raise FeedbackError(f"Выберите оценку от {low} до {high}.")
        return number
    text = "\n".join(raw)
    if len(text) > MAX_TEXT:
        raise FeedbackError(f"Ответ длиннее {MAX_TEXT} знаков — сократите его, пожалуйста.")
    return text


def clean_answers(questions: list[Question], raw: Mapping[int, list[str]]) -> dict[int, Value]:
    values, errors = {}, {}
    for question in questions:
        try:
            values[question.pk] = clean_answer(question, list(raw.get(question.pk, [])))
        except FeedbackError as error:
            errors[question.pk] = error.message
    if errors:
        raise InvalidAnswers(errors)
    return values


def refusal(questionnaire: Questionnaire, now: datetime.datetime | None = None) -> str | None:
    """Why the questionnaire takes no answers now, in Russian; None when it does."""
    now = now or timezone.now()
    if questionnaire.status == Questionnaire.Status.DRAFT:
        return "Опрос ещё не начат."
    if questionnaire.opens_at and now < questionnaire.opens_at:
        return f"Опрос начнётся {timezone.localtime(questionnaire.opens_at):%d.%m.%Y в %H:%M}."
    ended = questionnaire.closes_at is not None and now >= questionnaire.closes_at
    if questionnaire.status == Questionnaire.Status.CLOSED or ended:
        return "Опрос завершён. Спасибо всем, кто принял участие!"
    return None


# --- visitors of the site ---


def visitor_key(visitor_id: str) -> str:
    return hashlib.sha256(f"visitor:{visitor_id}".encode()).hexdigest()


def client_hash(ip: str | None, user_agent: str) -> str:
    """Address and browser together, keyed with the installation's secret: comparable, not reversible."""
    raw = f"{settings.SECRET_KEY}|{ip or '-'}|{user_agent[:500]}"
    return hashlib.sha256(raw.encode()).hexdigest()


def poll_limit_reached(questionnaire: Questionnaire, client: str, now: datetime.datetime | None = None) -> bool:
    """A visitor who clears cookies stays limited: at most POLL_ANSWERS_PER_CLIENT answers from one address
    and browser per day (a few, since colleagues in one office share an address and a browser version)."""
    now = now or timezone.now()
    limit = int(getattr(settings, "FEEDBACK_POLL_ANSWERS_PER_CLIENT", 3))
    recent = Response.objects.filter(questionnaire=questionnaire, client_hash=client,
                                     submitted_at__gte=now - datetime.timedelta(days=1)).count()
    return recent >= limit


# --- the one way to store a response ---


def submit_response(*, questionnaire: Questionnaire, raw: Mapping[int, list[str]], invitation: Invitation | None = None,
                    respondent=None, visitor: str | None = None, client: str = "") -> Response:
    """Checks and stores one response. Through a personal link, by an employee, or by a visitor of the site
    (`visitor` = the key of their signed cookie); a second response by the same one is refused, as is a
    visitor over the address-and-browser limit."""
    if invitation is not None and invitation.user_id:
        respondent = invitation.user  # an employee's link counts as that employee's one answer
    with transaction.atomic():
        questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        if reason := refusal(questionnaire):
            raise FeedbackError(reason)
        questions = list(questionnaire.questions.prefetch_related("choices"))
        values = clean_answers(questions, raw)
        _check_respondent(questionnaire, invitation, respondent, visitor, client)
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    questionnaire=questionnaire, invitation=invitation, respondent=respondent,
                    visitor_key=visitor, client_hash=client)
                _store(response, questions, values)
        except IntegrityError:
            raise AlreadyAnswered() from None
        if invitation is not None:
            Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.ANSWERED,
                                                               updated_at=timezone.now())
    return response


def _check_respondent(questionnaire, invitation, respondent, visitor, client) -> None:
    if invitation is not None:
        if invitation.questionnaire_id != questionnaire.pk:
            raise FeedbackError("Ссылка относится к другой анкете.")
        if Response.objects.filter(invitation=invitation).exists():
            raise AlreadyAnswered()
        if respondent is not None and Response.objects.filter(questionnaire=questionnaire,
                                                               respondent=respondent).exists():
            raise AlreadyAnswered()
        return
    if respondent is not None:
        if questionnaire.audience != Questionnaire.Audience.STAFF or not respondent.is_staff_member:
            raise FeedbackError("Эта анкета — не для сотрудников.")
        if Response.objects.filter(questionnaire=questionnaire, respondent=respondent).exists():
            raise AlreadyAnswered()
        return
    if not questionnaire.is_public_poll or not visitor:
        raise FeedbackError("Ответить на эту анкету можно только по персональной ссылке.")
    if Response.objects.filter(questionnaire=questionnaire, visitor_key=visitor).exists():
        raise AlreadyAnswered()
    if poll_limit_reached(questionnaire, client):
        raise FeedbackError("С этого устройства уже получено несколько ответов на опрос. Спасибо за участие!")


def _store(response: Response, questions: list[Question], values: dict[int, Value]) -> None:
    answers = []
    for question in questions:
        value = values.get(question.pk)
        if value is None:
            continue
        answer = Answer(response=response, question=question)
        if isinstance(value, int):
            answer.number = value
        elif isinstance(value, str):
            answer.text = value
        answers.append((answer, value if isinstance(value, list) else []))
    Answer.objects.bulk_create([a for a, _ in answers])
    through = Answer.choices.through
    through.objects.bulk_create([through(answer_id=a.pk, choice_id=pk) for a, picked in answers for pk in picked])

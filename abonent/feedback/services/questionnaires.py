"""The questionnaire builder (standard, section 4: questionnaires to assess the quality of service by staff
and by customers). Heads compose a draft, open it (checked for completeness) and close it; questions are
changed only while it is a draft, so every response answers the same questions."""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from abonent.feedback.errors import FeedbackError
from abonent.feedback.models import Choice, Question, Questionnaire

MAX_QUESTIONS = 50
MAX_CHOICES = 20
Q = Questionnaire


def can_build(user) -> bool:
    return bool(user.is_authenticated and user.is_staff_member and user.has_perm("feedback.build_questionnaire"))


def _require_builder(user) -> None:
    if not can_build(user):
        raise FeedbackError("Составлять и проводить анкетирование может руководитель.")


def _require_draft(questionnaire: Questionnaire) -> None:
    if questionnaire.status != Q.Status.DRAFT:
        raise FeedbackError("Вопросы меняются только в черновике: анкета уже "
                            f"{'проводится' if questionnaire.status == Q.Status.OPEN else 'завершена'}.")


@dataclass
class QuestionnaireData:
    title: str
    slug: str
    audience: str = Q.Audience.CUSTOMERS
    intro: str = ""
    is_public_poll: bool = False
    results_published: bool = False
    opens_at: datetime.datetime | None = None
    closes_at: datetime.datetime | None = None
    thanks_text: str = ""


def _check(data: QuestionnaireData, instance: Questionnaire | None = None) -> None:
    if not data.title.strip():
        raise FeedbackError("Укажите название анкеты.", field="title")
    if data.audience == Q.Audience.STAFF and data.is_public_poll:
        raise FeedbackError("Анкета для сотрудников не публикуется на сайте.", field="is_public_poll")
    if data.results_published and not data.is_public_poll:
        raise FeedbackError("Результаты публикуются только у интернет-опроса на сайте.", field="results_published")
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        raise FeedbackError("Окончание опроса должно быть позже начала.", field="closes_at")
    clash = Questionnaire.objects.filter(slug=data.slug)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise FeedbackError("Такой адрес на сайте уже занят другой анкетой.", field="slug")


@transaction.atomic
def create_questionnaire(*, data: QuestionnaireData, created_by) -> Questionnaire:
    _require_builder(created_by)
    _check(data)
    return Questionnaire.objects.create(created_by=created_by, **{**data.__dict__, "title": data.title.strip()})


@transaction.atomic
def update_questionnaire(*, questionnaire: Questionnaire, data: QuestionnaireData, changed_by) -> Questionnaire:
    """Texts, dates and publication may change while it runs; the audience only in a draft."""
    _require_builder(changed_by)
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if data.audience != questionnaire.audience:
        _require_draft(questionnaire)
    _check(data, questionnaire)
    for name, value in data.__dict__.items():
        setattr(questionnaire, name, value.strip() if name == "title" else value)
    questionnaire.save()
    return questionnaire


@dataclass
class QuestionData:
    kind: str
    text: str
    help_text: str = ""
    is_required: bool = True
    choices: list[str] = field(default_factory=list)


def _clean_question(data: QuestionData) -> list[str]:
    if data.kind not in Question.Kind.values:
        raise FeedbackError("Выберите вид вопроса.", field="kind")
    if not data.text.strip():
        raise FeedbackError("Введите текст вопроса.", field="text")
    choices = [c.strip() for c in data.choices if c.strip()]
    if data.kind in Question.CHOICE_KINDS:
        if len(choices) < 2:
            raise FeedbackError("Для вопроса с выбором нужны хотя бы два варианта ответа (по одному в строке).",
                                field="choices")
        if len(choices) > MAX_CHOICES:
            raise FeedbackError(f"Не больше {MAX_CHOICES} вариантов ответа.", field="choices")
        if len({c.casefold() for c in choices}) != len(choices):
            raise FeedbackError("Варианты ответа повторяются.", field="choices")
        if any(len(c) > 300 for c in choices):
            raise FeedbackError("Вариант ответа длиннее 300 знаков.", field="choices")
    elif choices:
        raise FeedbackError("Варианты ответа задаются только для вопросов с выбором.", field="choices")
    return choices


def _set_choices(question: Question, choices: list[str]) -> None:
    question.choices.all().delete()
    Choice.objects.bulk_create([Choice(question=question, order=i, text=text) for i, text in enumerate(choices, 1)])


@transaction.atomic
def add_question(*, questionnaire: Questionnaire, data: QuestionData, added_by) -> Question:
    _require_builder(added_by)
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    _require_draft(questionnaire)
    choices = _clean_question(data)
    if questionnaire.questions.count() >= MAX_QUESTIONS:
        raise FeedbackError(f"В анкете не больше {MAX_QUESTIONS} вопросов.")
    order = (questionnaire.questions.aggregate(m=Max("order"))["m"] or 0) + 1
    question = Question.objects.create(questionnaire=questionnaire, order=order, kind=data.kind,
                                       text=data.text.strip(), help_text=data.help_text.strip(),
                                       is_required=data.is_required)
    _set_choices(question, choices)
    return question


@transaction.atomic
def update_question(*, question: Question, data: QuestionData, changed_by) -> Question:
    _require_builder(changed_by)
    questionnaire = Questionnaire.objects.select_for_update().get(pk=question.questionnaire_id)
    _require_draft(questionnaire)
    choices = _clean_question(data)
    question.kind, question.text = data.kind, data.text.strip()
    question.help_text, question.is_required = data.help_text.strip(), data.is_required
    question.save()
    _set_choices(question, choices)
    return question


@transaction.atomic
def delete_question(*, question: Question, deleted_by) -> None:
    _require_builder(deleted_by)
    questionnaire = Questionnaire.objects.select_for_update().get(pk=question.questionnaire_id)
    _require_draft(questionnaire)
    question.delete()
    _renumber(questionnaire, list(questionnaire.questions.order_by("order", "pk")))


def _renumber(questionnaire: Questionnaire, ordered: list[Question]) -> None:
    # Two passes keep the unique (questionnaire, order) constraint true after every statement.
    offset = len(ordered) + 1000
    for i, question in enumerate(ordered, 1):
        Question.objects.filter(pk=question.pk).update(order=offset + i)
    for i, question in enumerate(ordered, 1):
        Question.objects.filter(pk=question.pk).update(order=i)


@transaction.atomic
def move_question(*, question: Question, up: bool, moved_by) -> None:
    _require_builder(moved_by)
    questionnaire = Questionnaire.objects.select_for_update().get(pk=question.questionnaire_id)
    _require_draft(questionnaire)
    ordered = list(questionnaire.questions.order_by("order", "pk"))
    index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        _renumber(questionnaire, ordered)


def problems(questionnaire: Questionnaire, now: datetime.datetime | None = None) -> list[str]:
    """Why the questionnaire cannot be opened yet; empty when it can."""
    now = now or timezone.now()
    found = []
    questions = list(questionnaire.questions.prefetch_related("choices"))
    if not questions:
        found.append("В анкете нет ни одного вопроса.")
    for question in questions:
        if question.has_choices and len(question.choices.all()) < 2:
            found.append(f"У вопроса {question.order} меньше двух вариантов ответа.")
    if questionnaire.closes_at and questionnaire.closes_at <= now:
        found.append("Дата окончания уже прошла.")
    return found


@transaction.atomic
def open_questionnaire(*, questionnaire: Questionnaire, opened_by) -> Questionnaire:
    _require_builder(opened_by)
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    _require_draft(questionnaire)
    if found := problems(questionnaire):
        raise FeedbackError(" ".join(found))
    questionnaire.status = Q.Status.OPEN
    questionnaire.save(update_fields=["status", "updated_at"])
    return questionnaire


@transaction.atomic
def close_questionnaire(*, questionnaire: Questionnaire, closed_by) -> Questionnaire:
    _require_builder(closed_by)
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire.status != Q.Status.OPEN:
        raise FeedbackError("Завершить можно только проводимый опрос.")
    questionnaire.status = Q.Status.CLOSED
    now = timezone.now()
    ends_later = questionnaire.closes_at is None or questionnaire.closes_at > now
    if ends_later and (questionnaire.opens_at is None or questionnaire.opens_at < now):
        questionnaire.closes_at = now
    questionnaire.save(update_fields=["status", "closes_at", "updated_at"])
    return questionnaire

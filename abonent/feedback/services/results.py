"""Results of a questionnaire, aggregated in the database: counts of each option, averages and the
distribution of scales, the NPS score, free-text answers; and the same data as CSV, one row per response."""

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.utils import timezone

from abonent.feedback.models import Answer, Question, Questionnaire, Response

ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")


def percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / whole).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Nps:
    """Net Promoter Score: promoters answer 9-10, passives 7-8, detractors 0-6; the score is the share of
    promoters minus the share of detractors, from -100 to +100."""

    promoters: int
    passives: int
    detractors: int

    @property
    def total(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> Decimal | None:
        if not self.total:
            return None
        return (Decimal(self.promoters - self.detractors) * 100 / self.total).quantize(ONE_DECIMAL,
                                                                                         rounding=ROUND_HALF_UP)

    @classmethod
    def from_distribution(cls, counts: dict[int, int]) -> "Nps":
        return cls(promoters=sum(n for v, n in counts.items() if v >= 9),
                   passives=sum(n for v, n in counts.items() if 7 <= v <= 8),
                   detractors=sum(n for v, n in counts.items() if v <= 6))


@dataclass
class Row:
    label: str
    count: int
    percent: Decimal


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    rows: list[Row] = field(default_factory=list)  # options, or the values of a scale
    average: Decimal | None = None
    nps: Nps | None = None
    texts: list[tuple] = field(default_factory=list)  # (submitted_at, text)


@dataclass
class Results:
    questionnaire: Questionnaire
    responses: int
    questions: list[QuestionResult]


def results(questionnaire: Questionnaire, *, with_texts: bool = True) -> Results:
    questions = list(questionnaire.questions.prefetch_related("choices"))
    answers = Answer.objects.filter(response__questionnaire=questionnaire)
    answered = dict(answers.values_list("question").annotate(n=Count("pk")).order_by())
    picked = dict(Answer.choices.through.objects.filter(answer__response__questionnaire=questionnaire)
                  .values_list("choice").annotate(n=Count("pk")).order_by())
    numbers: dict[int, dict[int, int]] = defaultdict(dict)
    for question_id, number, n in (answers.filter(number__isnull=False).values_list("question", "number")
                                   .annotate(n=Count("pk")).order_by()):
        numbers[question_id][number] = n
    texts: dict[int, list] = defaultdict(list)
    if with_texts:
        for question_id, submitted_at, text in (answers.filter(question__kind=Question.Kind.TEXT).exclude(text="")
                                                .values_list("question", "response__submitted_at", "text")
                                                .order_by("response__submitted_at", "pk")):
            texts[question_id].append((submitted_at, text))
    result = [_question_result(q, answered.get(q.pk, 0), picked, numbers[q.pk], texts[q.pk]) for q in questions]
    return Results(questionnaire=questionnaire, responses=questionnaire.responses.count(), questions=result)


def _question_result(question: Question, answered: int, picked: dict, counts: dict[int, int], texts: list):
    result = QuestionResult(question=question, answered=answered, texts=texts)
    if question.has_choices:
        result.rows = [Row(c.text, picked.get(c.pk, 0), percent(picked.get(c.pk, 0), answered))
                       for c in question.choices.all()]
    elif bounds := question.number_range:
        low, high = bounds
        result.rows = [Row(str(v), counts.get(v, 0), percent(counts.get(v, 0), answered)) for v in range(low, high + 1)]
        total = sum(counts.values())
        if total:
            result.average = (Decimal(sum(v * n for v, n in counts.items())) / total).quantize(
                TWO_DECIMALS, rounding=ROUND_HALF_UP)
        if question.kind == Question.Kind.NPS:
            result.nps = Nps.from_distribution(counts)
    return result


# --- CSV ---


def _cell(question: Question, answer: Answer | None) -> str:
    if answer is None:
        return ""
    if question.has_choices:
        return "; ".join(c.text for c in sorted(answer.choices.all(), key=lambda c: c.order))
    if answer.number is not None:
        return str(answer.number)
    return answer.text


def _source(response: Response) -> str:
    if response.invitation_id:
        return "персональная ссылка"
    if response.respondent_id:
        return "сотрудник (вход в систему)"
    return "опрос на сайте"


def csv_lines(questionnaire: Questionnaire) -> Iterator[str]:
    """The results as CSV for Excel (UTF-8 with BOM, semicolons): one row per response, one column per
    question; the respondent is never named, so a staff questionnaire stays anonymous."""
    questions = list(questionnaire.questions.all())
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(["№", "Получено", "Способ ответа", *(f"{q.order}. {q.text}" for q in questions)])
    yield "\ufeff" + flush()
    responses = (questionnaire.responses.order_by("submitted_at", "pk")
                 .prefetch_related("answers__choices").iterator(chunk_size=500))
    for number, response in enumerate(responses, 1):
        by_question = {a.question_id: a for a in response.answers.all()}
        writer.writerow([number, f"{timezone.localtime(response.submitted_at):%d.%m.%Y %H:%M}", _source(response),
                         *(_cell(q, by_question.get(q.pk)) for q in questions)])
        yield flush()

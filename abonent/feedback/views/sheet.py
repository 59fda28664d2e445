"""The questionnaire as a page: each question with its options, the values sent and the error at it."""

from dataclasses import dataclass

from django.http import QueryDict

from abonent.feedback.models import Question, Questionnaire

SCALE_HINTS = {
    Question.Kind.SCALE5: "1 — очень плохо, 5 — отлично",
    Question.Kind.SCALE10: "1 — очень плохо, 10 — отлично",
    Question.Kind.NPS: "0 — точно не порекомендую, 10 — обязательно порекомендую",
}


@dataclass
class Item:
    question: Question
    name: str
    options: list[tuple[str, str]]
    values: set[str]
    text: str
    error: str | None

    @property
    def multiple(self) -> bool:
        return self.question.kind == Question.Kind.MULTIPLE

    @property
    def is_text(self) -> bool:
        return self.question.kind == Question.Kind.TEXT

    @property
    def is_scale(self) -> bool:
        return self.question.number_range is not None

    @property
    def scale_hint(self) -> str:
        return SCALE_HINTS.get(self.question.kind, "")


def _options(question: Question) -> list[tuple[str, str]]:
    if question.has_choices:
        return [(str(c.pk), c.text) for c in question.choices.all()]
    if bounds := question.number_range:
        return [(str(v), str(v)) for v in range(bounds[0], bounds[1] + 1)]
    return []


class AnswerSheet:
    def __init__(self, questionnaire: Questionnaire, data: QueryDict | None = None):
        self.questions = list(questionnaire.questions.prefetch_related("choices"))
        self.raw = {q.pk: data.getlist(f"q{q.pk}") for q in self.questions} if data is not None else {}
        self.errors: dict[int, str] = {}
        self.message = ""

    def items(self) -> list[Item]:
        result = []
        for question in self.questions:
            raw = self.raw.get(question.pk, [])
            result.append(Item(question=question, name=f"q{question.pk}", options=_options(question),
                               values=set(raw), text=raw[0] if raw else "", error=self.errors.get(question.pk)))
        return result

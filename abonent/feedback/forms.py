import datetime

from django import forms
from django.utils import timezone

from abonent.appeals.models import FEEDBACK_KINDS
from abonent.feedback.errors import FeedbackError
from abonent.feedback.models import Question, Questionnaire
from abonent.feedback.services.questionnaires import QuestionData, QuestionnaireData
from abonent.organisation.models import Channel, Department
from abonent.users.models import User

DATE = {"type": "date"}
DATETIME = {"type": "datetime-local"}


def add_service_error(form: forms.Form, error: FeedbackError) -> None:
    """Shows a service's refusal at its field when the form has one, otherwise above the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def staff_users():
    return User.objects.filter(kind=User.Kind.STAFF, is_active=True).order_by("last_name", "first_name")


class PeriodForm(forms.Form):
    start = forms.DateField(label="С", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"), required=False)
    end = forms.DateField(label="По", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"), required=False)

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The chosen period; by default the current month up to today."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("start") or today.replace(day=1)
        end = data.get("end") or today
        return (start, end) if start <= end else (end, start)


class FeedbackFilterForm(PeriodForm):
    kind = forms.ChoiceField(label="Вид", required=False,
                             choices=[("", "все виды")] + [(k.value, k.label) for k in FEEDBACK_KINDS])
    department = forms.ModelChoiceField(label="О подразделении", queryset=Department.objects.order_by("name"),
                                        required=False, empty_label="все")
    employee = forms.ModelChoiceField(label="О сотруднике", queryset=staff_users(), required=False, empty_label="все")
    channel = forms.ChoiceField(label="Канал", required=False, choices=[("", "все каналы")] + Channel.choices)


class SurveyFilterForm(PeriodForm):
    department = forms.ModelChoiceField(label="Подразделение", queryset=Department.objects.order_by("name"),
                                        required=False, empty_label="все")


class LowRatingFilterForm(SurveyFilterForm):
    state = forms.ChoiceField(label="Разбор", required=False, choices=[
        ("", "все"), ("open", "не завершён"), ("done", "завершён")])


class SubjectForm(forms.Form):
    department = forms.ModelChoiceField(label="О подразделении", queryset=Department.objects.order_by("name"),
                                        required=False, empty_label="— не указано —")
    employee = forms.ModelChoiceField(label="О сотруднике", queryset=staff_users(), required=False,
                                      empty_label="— не указан —")


class SurveyAnswerForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Оцените, пожалуйста, ответ на Ваше обращение", coerce=int, widget=forms.RadioSelect,
        choices=[(5, "5 — отлично"), (4, "4 — хорошо"), (3, "3 — удовлетворительно"), (2, "2 — плохо"),
                 (1, "1 — очень плохо")],
        error_messages={"required": "Выберите оценку от 1 до 5.", "invalid_choice": "Выберите оценку от 1 до 5."})
    is_resolved = forms.TypedChoiceField(
        label="Ваш вопрос решён?", coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", "Да"), ("no", "Нет")],
        error_messages={"required": "Ответьте, решён ли вопрос.", "invalid_choice": "Ответьте, решён ли вопрос."})
    comment = forms.CharField(label="Комментарий (по желанию)", required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"max_length": "Комментарий длиннее 4000 знаков — сократите его."})


class QuestionnaireForm(forms.Form):
    title = forms.CharField(label="Название", max_length=200)
    slug = forms.SlugField(label="Адрес на сайте (латиница, цифры, дефис)", max_length=80,
                           error_messages={"invalid": "Адрес — латинские буквы, цифры, дефис и подчёркивание."})
    audience = forms.ChoiceField(label="Кого опрашиваем", choices=Questionnaire.Audience.choices)
    intro = forms.CharField(label="Вступительный текст", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_public_poll = forms.BooleanField(label="Опубликовать на сайте как интернет-опрос", required=False)
    results_published = forms.BooleanField(label="Публиковать результаты на сайте", required=False)
    opens_at = forms.DateTimeField(label="Начало", required=False,
                                   widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"))
    closes_at = forms.DateTimeField(label="Окончание", required=False,
                                    widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"))
    thanks_text = forms.CharField(label="Текст благодарности после ответа", required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def initial_for(cls, questionnaire: Questionnaire) -> dict:
        return {name: getattr(questionnaire, name) for name in cls.base_fields}

    def data_object(self) -> QuestionnaireData:
        return QuestionnaireData(**self.cleaned_data)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label="Вид вопроса", choices=Question.Kind.choices)
    text = forms.CharField(label="Вопрос", max_length=500)
    help_text = forms.CharField(label="Пояснение", max_length=500, required=False)
    is_required = forms.BooleanField(label="Обязательный", required=False, initial=True)
    choices = forms.CharField(label="Варианты ответа (по одному в строке)", required=False,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="Только для вопросов с выбором одного или нескольких вариантов.")

    @classmethod
    def initial_for(cls, question: Question) -> dict:
        return {"kind": question.kind, "text": question.text, "help_text": question.help_text,
                "is_required": question.is_required, "choices": "\n".join(c.text for c in question.choices.all())}

    def data_object(self) -> QuestionData:
        data = self.cleaned_data
        return QuestionData(kind=data["kind"], text=data["text"], help_text=data["help_text"],
                            is_required=data["is_required"], choices=data["choices"].splitlines())


class InviteCustomersForm(forms.Form):
    channel = forms.ChoiceField(label="Канал", choices=[(Channel.EMAIL, "электронная почта"), (Channel.EDO, "ЭДО")],
                                widget=forms.RadioSelect, initial=Channel.EMAIL)
    inns = forms.CharField(label="ИНН клиентов (через пробел, запятую или с новой строки)", required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Пусто — все действующие клиенты (по e-mail — те, у кого указан адрес).")

    def clean_inns(self) -> list[str]:
        raw = self.cleaned_data["inns"].replace(",", " ").replace(";", " ").split()
        wrong = [value for value in raw if not value.isdigit() or len(value) not in (10, 12)]
        if wrong:
            raise forms.ValidationError(f"Неверный ИНН: {', '.join(wrong[:5])} (10 или 12 цифр).")
        return raw


class InviteStaffForm(forms.Form):
    departments = forms.ModelMultipleChoiceField(
        label="Подразделения", queryset=Department.objects.order_by("name"), required=False,
        widget=forms.CheckboxSelectMultiple, help_text="Ничего не выбрано — все сотрудники.")

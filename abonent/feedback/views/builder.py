"""The questionnaire builder for heads: the list, the draft with its questions, opening and closing, the
distribution by personal links, the results with CSV; and the page where staff answer staff questionnaires."""

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from abonent.core.permissions import staff_required
from abonent.feedback.errors import FeedbackError
from abonent.feedback.forms import (
    InviteCustomersForm,
    InviteStaffForm,
    QuestionForm,
    QuestionnaireForm,
    add_service_error,
)
from abonent.feedback.models import Invitation, Question, Questionnaire, Response
from abonent.feedback.services import invitations, questionnaires, responses, results
from abonent.feedback.views.sheet import AnswerSheet
from abonent.users.models import User

BUILD = "feedback.build_questionnaire"


def _questionnaire(pk: int) -> Questionnaire:
    return get_object_or_404(Questionnaire.objects.select_related("created_by"), pk=pk)


@require_GET
@staff_required(BUILD)
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    items = Questionnaire.objects.annotate(n_questions=Count("questions", distinct=True),
                                           n_responses=Count("responses", distinct=True)).order_by("-created_at")
    return render(request, "feedback/questionnaires.html", {"questionnaires": items})


@require_http_methods(["GET", "POST"])
@staff_required(BUILD)
def questionnaire_new(request: HttpRequest) -> HttpResponse:
    form = QuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire = questionnaires.create_questionnaire(data=form.data_object(), created_by=request.user)
        except FeedbackError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Анкета создана. Добавьте вопросы.")
            return redirect(questionnaire)
    return render(request, "feedback/questionnaire_form.html", {"form": form},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@staff_required(BUILD)
def questionnaire_edit(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = _questionnaire(pk)
    form = QuestionnaireForm(request.POST or None, initial=QuestionnaireForm.initial_for(questionnaire))
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire = questionnaires.update_questionnaire(questionnaire=questionnaire, data=form.data_object(),
                                                                changed_by=request.user)
        except FeedbackError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Сохранено.")
            return redirect(questionnaire)
    return render(request, "feedback/questionnaire_form.html", {"form": form, "questionnaire": questionnaire},
                  status=400 if form.errors else 200)


@require_GET
@staff_required(BUILD)
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = _questionnaire(pk)
    invited = dict(questionnaire.invitations.values_list("status").annotate(n=Count("pk")).order_by())
    return render(request, "feedback/questionnaire.html", {
        "questionnaire": questionnaire, "questions": questionnaire.questions.prefetch_related("choices"),
        "question_form": QuestionForm(), "problems": questionnaires.problems(questionnaire),
        "is_draft": questionnaire.status == Questionnaire.Status.DRAFT,
        "responses": questionnaire.responses.count(),
        "invited": [(Invitation.Status(s).label, n) for s, n in sorted(invited.items())],
        "refusal": responses.refusal(questionnaire)})


def _question_form_page(request, questionnaire, form, question=None, status=200) -> HttpResponse:
    return render(request, "feedback/question_form.html",
                  {"questionnaire": questionnaire, "form": form, "question": question}, status=status)


@require_http_methods(["GET", "POST"])
@staff_required(BUILD)
def question_new(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = _questionnaire(pk)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaires.add_question(questionnaire=questionnaire, data=form.data_object(), added_by=request.user)
        except FeedbackError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Вопрос добавлен.")
            return redirect(questionnaire)
    return _question_form_page(request, questionnaire, form, status=400 if form.errors else 200)


def _question(questionnaire: Questionnaire, question_pk: int) -> Question:
    return get_object_or_404(questionnaire.questions.prefetch_related("choices"), pk=question_pk)


@require_http_methods(["GET", "POST"])
@staff_required(BUILD)
def question_edit(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    questionnaire = _questionnaire(pk)
    question = _question(questionnaire, question_pk)
    form = QuestionForm(request.POST or None, initial=QuestionForm.initial_for(question))
    if request.method == "POST" and form.is_valid():
        try:
            questionnaires.update_question(question=question, data=form.data_object(), changed_by=request.user)
        except FeedbackError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Вопрос сохранён.")
            return redirect(questionnaire)
    return _question_form_page(request, questionnaire, form, question, status=400 if form.errors else 200)


def _act(request: HttpRequest, questionnaire: Questionnaire, action, success: str) -> HttpResponse:
    try:
        action()
    except FeedbackError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(questionnaire)


@require_POST
@staff_required(BUILD)
def question_delete(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    questionnaire = _questionnaire(pk)
    question = _question(questionnaire, question_pk)
    return _act(request, questionnaire,
                lambda: questionnaires.delete_question(question=question, deleted_by=request.user), "Вопрос удалён.")


@require_POST
@staff_required(BUILD)
def question_move(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    questionnaire = _questionnaire(pk)
    question = _question(questionnaire, question_pk)
    up = request.POST.get("direction") == "up"
    return _act(request, questionnaire,
                lambda: questionnaires.move_question(question=question, up=up, moved_by=request.user),
                "Порядок вопросов изменён.")


@require_POST
@staff_required(BUILD)
def questionnaire_open(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = _questionnaire(pk)
    return _act(request, questionnaire,
                lambda: questionnaires.open_questionnaire(questionnaire=questionnaire, opened_by=request.user),
                "Опрос начат: анкета принимает ответы в указанные даты.")


@require_POST
@staff_required(BUILD)
def questionnaire_close(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = _questionnaire(pk)
    return _act(request, questionnaire,
                lambda: questionnaires.close_questionnaire(questionnaire=questionnaire, closed_by=request.user),
                "Опрос завершён.")


@require_http_methods(["GET", "POST"])
@staff_required(BUILD)
def questionnaire_invite(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = _questionnaire(pk)
    for_staff = questionnaire.audience == Questionnaire.Audience.STAFF
    form = (InviteStaffForm if for_staff else InviteCustomersForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = _invite(questionnaire, form, request.user, for_staff)
        except FeedbackError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Новых приглашений: {count}. Они отправляются в фоне.")
            return redirect(questionnaire)
    return render(request, "feedback/invite.html", {"questionnaire": questionnaire, "form": form,
                                                    "for_staff": for_staff}, status=400 if form.errors else 200)


def _invite(questionnaire: Questionnaire, form, user, for_staff: bool) -> int:
    if for_staff:
        staff = User.objects.filter(kind=User.Kind.STAFF, is_active=True)
        if departments := form.cleaned_data["departments"]:
            staff = staff.filter(department__in=departments)
        return invitations.invite_staff(questionnaire=questionnaire, users=staff, invited_by=user)
    channel = form.cleaned_data["channel"]
    customers = invitations.customers_for_distribution(channel=channel, inns=form.cleaned_data["inns"])
    return invitations.invite_customers(questionnaire=questionnaire, customers=customers, channel=channel,
                                        invited_by=user)


@require_GET
@staff_required("feedback.view_feedback")
def questionnaire_results(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = _questionnaire(pk)
    return render(request, "feedback/results.html", {"questionnaire": questionnaire,
                                                     "results": results.results(questionnaire)})


@require_GET
@staff_required("feedback.view_feedback")
def questionnaire_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    questionnaire = _questionnaire(pk)
    response = StreamingHttpResponse(results.csv_lines(questionnaire), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="questionnaire-{questionnaire.pk}.csv"'
    return response


# --- staff answering staff questionnaires ---


def _staff_questionnaires():
    return Questionnaire.objects.filter(audience=Questionnaire.Audience.STAFF, status=Questionnaire.Status.OPEN)


@require_GET
@staff_required()
def my_questionnaires(request: HttpRequest) -> HttpResponse:
    answered = set(Response.objects.filter(respondent=request.user).values_list("questionnaire_id", flat=True))
    items = [(q, q.pk in answered) for q in _staff_questionnaires().order_by("closes_at", "pk") if q.is_accepting()]
    return render(request, "feedback/my_questionnaires.html", {"items": items})


@require_http_methods(["GET", "POST"])
@staff_required()
def staff_answer(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = get_object_or_404(_staff_questionnaires(), pk=pk)
    if Response.objects.filter(questionnaire=questionnaire, respondent=request.user).exists():
        return render(request, "feedback/staff_answer_done.html", {"questionnaire": questionnaire, "again": True})
    sheet = AnswerSheet(questionnaire, request.POST if request.method == "POST" else None)
    status = 200
    if reason := responses.refusal(questionnaire):
        sheet.message = reason
    elif request.method == "POST":
        try:
            responses.submit_response(questionnaire=questionnaire, raw=sheet.raw, respondent=request.user)
        except responses.AlreadyAnswered:
            return render(request, "feedback/staff_answer_done.html", {"questionnaire": questionnaire,
                                                                       "again": True})
        except responses.InvalidAnswers as error:
            sheet.errors, status = error.errors, 400
        except FeedbackError as error:
            sheet.message, status = error.message, 400
        else:
            return render(request, "feedback/staff_answer_done.html", {"questionnaire": questionnaire,
                                                                       "again": False})
    return render(request, "feedback/staff_answer.html", {"questionnaire": questionnaire, "sheet": sheet,
                                                          "closed": bool(reason)}, status=status)

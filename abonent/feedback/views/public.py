"""Public pages without login, in the site's frame: the survey after a reply, a questionnaire by a personal
link, and the internet polls with their published results."""

import secrets

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from abonent.core.http import client_ip
from abonent.feedback import links
from abonent.feedback.errors import FeedbackError
from abonent.feedback.forms import SurveyAnswerForm
from abonent.feedback.models import Invitation, Questionnaire, Response
from abonent.feedback.services import responses, results
from abonent.feedback.services.surveys import SurveyAnswer, answer_survey, survey_for_token
from abonent.feedback.views.sheet import AnswerSheet

VISITOR_COOKIE = "abonent_poll_visitor"
VISITOR_SALT = "abonent.feedback.visitor"
VISITOR_MAX_AGE = 365 * 24 * 3600


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/public/link_invalid.html", status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    survey = survey_for_token(token)
    if survey is None:
        return _invalid_link(request)
    context = {"survey": survey, "appeal": survey.appeal}
    if survey.is_answered:
        return render(request, "feedback/public/survey_done.html", {**context, "again": True})
    if survey.is_expired:
        return render(request, "feedback/public/link_expired.html", context, status=410)
    form = SurveyAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey, first = answer_survey(survey=survey, answer=SurveyAnswer(
                rating=data["rating"], is_resolved=data["is_resolved"], comment=data["comment"]))
        except FeedbackError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return render(request, "feedback/public/survey_done.html",
                          {**context, "survey": survey, "again": not first})
    status = 400 if form.is_bound else 200
    return render(request, "feedback/public/survey.html", {**context, "form": form}, status=status)


def _answer_page(request: HttpRequest, questionnaire: Questionnaire, *, template_context: dict,
                 submit) -> HttpResponse:
    """The questionnaire form: shown, checked and stored by `submit(raw)`; a refusal keeps the answers."""
    sheet = AnswerSheet(questionnaire, request.POST if request.method == "POST" else None)
    context = {"questionnaire": questionnaire, "sheet": sheet, **template_context}
    if reason := responses.refusal(questionnaire):
        return render(request, "feedback/public/closed.html", {**context, "reason": reason})
    status = 200
    if request.method == "POST":
        try:
            submit(sheet.raw)
        except responses.AlreadyAnswered:
            return render(request, "feedback/public/questionnaire_done.html", {**context, "again": True})
        except responses.InvalidAnswers as error:
            sheet.errors = error.errors
            status = 400
        except FeedbackError as error:
            sheet.message = error.message
            status = 400
        else:
            return render(request, "feedback/public/questionnaire_done.html", {**context, "again": False})
    return render(request, "feedback/public/questionnaire.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_answer(request: HttpRequest, token: str) -> HttpResponse:
    nonce = links.unsign(token, links.INVITATION_SALT)
    invitation = (Invitation.objects.select_related("questionnaire", "user").filter(nonce=nonce).first()
                  if nonce else None)
    if invitation is None:
        return _invalid_link(request)
    questionnaire = invitation.questionnaire
    answered = Response.objects.filter(invitation=invitation)
    if invitation.user_id:
        answered = answered | Response.objects.filter(questionnaire=questionnaire, respondent_id=invitation.user_id)
    if answered.exists():
        return render(request, "feedback/public/questionnaire_done.html",
                      {"questionnaire": questionnaire, "again": True})
    return _answer_page(request, questionnaire, template_context={"action": request.path},
                        submit=lambda raw: responses.submit_response(questionnaire=questionnaire, raw=raw,
                                                                     invitation=invitation))


# --- internet polls ---


def visitor_cookie_name() -> str:
    """Under HTTPS the cookie is `__Host-`-prefixed like the session's (ASVS 3.3.3): only this host over HTTPS
    may set it. Only this one name is read, so a cookie planted over plain HTTP never counts."""
    return f"__Host-{VISITOR_COOKIE}" if getattr(settings, "HTTPS", False) else VISITOR_COOKIE


def _visitor_id(request: HttpRequest) -> tuple[str, bool]:
    """The visitor's random id from the signed cookie, or a new one (True when it must be set)."""
    value = request.get_signed_cookie(visitor_cookie_name(), default=None, salt=VISITOR_SALT,
                                      max_age=VISITOR_MAX_AGE)
    if value:
        return value, False
    return secrets.token_urlsafe(18), True


def _with_cookie(response: HttpResponse, visitor_id: str, new: bool) -> HttpResponse:
    if new:
        response.set_signed_cookie(visitor_cookie_name(), visitor_id, salt=VISITOR_SALT, max_age=VISITOR_MAX_AGE,
                                   path="/", httponly=True, samesite="Lax", secure=getattr(settings, "HTTPS", False))
    return response


def public_polls():
    return Questionnaire.objects.filter(is_public_poll=True, audience=Questionnaire.Audience.CUSTOMERS).exclude(
        status=Questionnaire.Status.DRAFT)


@require_GET
def poll_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    polls = list(public_polls().order_by("-opens_at", "-created_at"))
    current = [p for p in polls if p.is_accepting(now)]
    finished = [p for p in polls if p.results_published and (
        p.status == Questionnaire.Status.CLOSED or (p.closes_at is not None and p.closes_at <= now))]
    return render(request, "feedback/public/polls.html", {"current": current, "finished": finished})


@never_cache
@require_http_methods(["GET", "POST"])
def poll(request: HttpRequest, slug: str) -> HttpResponse:
    questionnaire = get_object_or_404(public_polls(), slug=slug)
    visitor_id, new = _visitor_id(request)
    visitor = responses.visitor_key(visitor_id)
    if questionnaire.responses.filter(visitor_key=visitor).exists():
        response = render(request, "feedback/public/questionnaire_done.html",
                          {"questionnaire": questionnaire, "again": True})
        return _with_cookie(response, visitor_id, new)
    client = responses.client_hash(client_ip(request), request.headers.get("user-agent", ""))
    response = _answer_page(
        request, questionnaire, template_context={"action": request.path},
        submit=lambda raw: responses.submit_response(questionnaire=questionnaire, raw=raw, visitor=visitor,
                                                     client=client))
    return _with_cookie(response, visitor_id, new)


@require_GET
def poll_results(request: HttpRequest, slug: str) -> HttpResponse:
    questionnaire = get_object_or_404(public_polls(), slug=slug)
    if not questionnaire.results_published:
        raise Http404("Результаты этого опроса не публикуются.")
    return render(request, "feedback/public/poll_results.html", {
        "questionnaire": questionnaire, "results": results.results(questionnaire, with_texts=False)})

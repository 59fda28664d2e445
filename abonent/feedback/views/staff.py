"""Back-office pages of feedback: active feedback counted by kind, channel, department and employee; the
survey after a reply with its figures and the list of low ratings; whom a piece of feedback is about."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from abonent.appeals.selectors import appeals_visible_to
from abonent.core.permissions import staff_required
from abonent.feedback import selectors
from abonent.feedback.errors import FeedbackError
from abonent.feedback.forms import (
    FeedbackFilterForm,
    LowRatingFilterForm,
    SubjectForm,
    SurveyFilterForm,
    add_service_error,
)
from abonent.feedback.services.results import percent
from abonent.feedback.services.subjects import set_feedback_subject
from abonent.feedback.views.panel import subject_panel

LIST_LIMIT = 200


@require_GET
@staff_required("feedback.view_feedback")
def feedback_list(request: HttpRequest) -> HttpResponse:
    form = FeedbackFilterForm(request.GET or None)
    start, end = form.period()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    f = selectors.FeedbackFilter(
        start=start, end=end, kind=data.get("kind", ""), channel=data.get("channel", ""),
        department_id=data["department"].pk if data.get("department") else None,
        employee_id=data["employee"].pk if data.get("employee") else None)
    appeals = (selectors.feedback_appeals(f).select_related(
        "department", "customer", "feedback_subject__department", "feedback_subject__employee")
        .order_by("-registered_at", "-pk")[:LIST_LIMIT])
    return render(request, "feedback/feedback_list.html", {
        "form": form, "start": start, "end": end, "counts": selectors.feedback_counts(f), "appeals": appeals,
        "limit": LIST_LIMIT, "kind_labels": [k.label for k in selectors.FEEDBACK_KINDS]})


def _survey_scope(form: SurveyFilterForm):
    start, end = form.period()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    department = data.get("department")
    return start, end, data, selectors.surveys_in(start, end, department_id=department.pk if department else None)


@require_GET
@staff_required("feedback.view_feedback")
def surveys(request: HttpRequest) -> HttpResponse:
    form = SurveyFilterForm(request.GET or None)
    start, end, _, scope = _survey_scope(form)
    recent = scope.answered().select_related("appeal", "department", "executor", "reply").order_by("-answered_at")
    summary = selectors.survey_summary(scope)
    ratings = [(rating, n, percent(n, summary.answered)) for rating, n in sorted(summary.by_rating.items(),
                                                                                 reverse=True)]
    return render(request, "feedback/surveys.html", {
        "form": form, "start": start, "end": end, "summary": summary, "ratings": ratings,
        "by_department": selectors.survey_summary_by_department(scope), "recent": recent[:LIST_LIMIT],
        "limit": LIST_LIMIT})


@require_GET
@staff_required("feedback.view_feedback")
def low_ratings(request: HttpRequest) -> HttpResponse:
    form = LowRatingFilterForm(request.GET or None)
    start, end, data, scope = _survey_scope(form)
    rows = selectors.low_ratings(scope, state=data.get("state", ""))
    return render(request, "feedback/low_ratings.html", {
        "form": form, "start": start, "end": end, "rows": rows[:LIST_LIMIT], "limit": LIST_LIMIT})


@require_POST
@staff_required("appeals.work_on_appeal")
def appeal_subject(request: HttpRequest, number: str) -> HttpResponse:
    """Sets whom the feedback is about from the appeal card: the panel itself for htmx, the card otherwise."""
    appeal = get_object_or_404(appeals_visible_to(request.user), number=number)
    form = SubjectForm(request.POST, auto_id="subject_%s")
    if form.is_valid():
        try:
            set_feedback_subject(appeal=appeal, department=form.cleaned_data["department"],
                                 employee=form.cleaned_data["employee"], set_by=request.user)
        except FeedbackError as error:
            add_service_error(form, error)
    if not request.htmx:
        if form.errors:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        else:
            messages.success(request, "Сохранено, о ком отзыв.")
        return redirect(appeal)
    context = subject_panel(request.user, appeal, form=form if form.errors else None,
                            notice="" if form.errors else "Сохранено.")
    return render(request, "feedback/_subject_panel.html", context, status=400 if form.errors else 200)
